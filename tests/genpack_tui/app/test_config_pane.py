"""Config pane: selectors re-resolve, provenance, overrides on demand, errors in place, live reload."""
from __future__ import annotations

from pathlib import Path

from genpack_tui.app import WorkbenchApp
from genpack_tui.widgets.config.problems import ProblemsPanel
from genpack_tui.widgets.config.selection import NONE_KEY, Selection
from genpack_tui.widgets.config.tree import ConfigTree
from tests.fixtures.app import save_atomically, wait_for


def make_app(artifact: Path, *args: str) -> WorkbenchApp:
    from genpack_tui.parser import parse_args
    return WorkbenchApp(artifact, parse_args(["-C", str(artifact), "--arch", "x86_64", *args]))


def labels(app: WorkbenchApp) -> list[str]:
    return app.query_one(ConfigTree).node_labels()


async def resolved(app: WorkbenchApp) -> None:
    assert await wait_for(lambda: app.resolution is not None), "the configuration was never shown"


async def test_tree_shows_values_with_their_origin(hello_artifact: Path) -> None:
    app = make_app(hello_artifact)
    async with app.run_test(size=(100, 40)):
        await resolved(app)
        shown = labels(app)
        assert "app-misc/hello  ← top :7:5" in shown
        assert "app-misc/keyworded  ← arch.x86_64 :23:18" in shown
        assert "app-misc/hello: extra  ← top :11:23" in shown  # USE per atom
        assert any(label.startswith("greeter: ") for label in shown)
        title = str(app.query_one("#title-bar").content)
        assert "hello" in title and "x86_64" in title and "none (default)" in title


async def test_variant_and_arch_selectors_re_resolve(hello_artifact: Path) -> None:
    app = make_app(hello_artifact)
    async with app.run_test(size=(100, 40)) as pilot:
        await resolved(app)
        app.select(Selection("quiet", "x86_64"))
        assert await wait_for(lambda: any(l.startswith("app-misc/hello: -greeting extra  ← variants.quiet :33:32")
                                          for l in labels(app)))
        assert "quiet" in str(app.query_one("#title-bar").content)

        await pilot.press("a")  # next arch: aarch64 drops the x86_64-only package
        assert await wait_for(lambda: app.selection == Selection("quiet", "aarch64"))
        assert await wait_for(lambda: not any("app-misc/keyworded  ←" in l for l in labels(app)))
        assert "aarch64" in str(app.query_one("#title-bar").content)

        app.select(Selection(NONE_KEY, "aarch64"))
        assert await wait_for(lambda: "app-misc/hello: extra  ← top :11:23" in labels(app))


async def test_removed_and_overridden_values_on_demand(hello_artifact: Path) -> None:
    app = make_app(hello_artifact, "--arch", "aarch64", "--variant", "quiet")
    async with app.run_test(size=(120, 40)) as pilot:
        await resolved(app)
        tree = app.query_one(ConfigTree)
        tree.focus()
        assert not any(l.startswith("removed ") for l in labels(app))
        assert any("overridden/removed, o to show" in l for l in labels(app))
        await pilot.press("o")
        assert await wait_for(lambda: any(l.startswith("removed app-misc/keyworded by '-app-misc/keyworded'")
                                          for l in labels(app)))
        assert any(l.startswith("overrides extra  ← top") for l in labels(app))
        await pilot.press("o")
        assert await wait_for(lambda: not any(l.startswith("removed ") for l in labels(app)))


async def test_broken_edit_keeps_last_good_tree_and_fix_clears(hello_artifact: Path) -> None:
    config = hello_artifact / "genpack.json5"
    good = config.read_text()
    app = make_app(hello_artifact)
    async with app.run_test(size=(100, 40)):
        await resolved(app)
        panel = app.query_one(ProblemsPanel)
        save_atomically(config, good.replace('profile: "paravirt",', 'profile: "paravirt"\n  oops: [,'))
        assert await wait_for(lambda: panel.stale, timeout=10), "the save was not noticed"
        assert panel.stale and panel.problems and panel.problems[0].is_error
        assert "syntax error" in panel.problems[0].message and panel.problems[0].line is not None
        assert "app-misc/hello  ← top :7:5" in labels(app)  # the last good tree is still there
        assert "config error" in str(app.query_one("#title-bar").content)

        save_atomically(config, good.replace("uid: 1000", 'uid: -5'))  # parses, fails validation
        # the error is shown on the field it concerns, with its config path
        assert await wait_for(lambda: any(l.startswith("✖ error users[0].uid") for l in labels(app)))
        assert any(l.startswith("✖ users") for l in labels(app))

        save_atomically(config, good.replace('"app-misc/hello",\n', '"app-misc/hello",\n    "app-misc/extra-one",\n'))
        assert await wait_for(lambda: "app-misc/extra-one  ← top :8:5" in labels(app))
        assert not panel.problems and not panel.stale
        assert not any(l.startswith("✖") for l in labels(app))


async def test_warning_shown_in_place_with_path(hello_artifact: Path) -> None:
    config = hello_artifact / "genpack.json5"
    config.write_text(config.read_text().replace('profile: "paravirt",', 'profile: "paravirt",\n  setup_command: [],'))
    app = make_app(hello_artifact)
    async with app.run_test(size=(100, 40)):
        await resolved(app)
        panel = app.query_one(ProblemsPanel)
        assert panel.problems and not panel.problems[0].is_error
        assert panel.problems[0].path == "setup_command"
        assert any(l.startswith("⚠ warning setup_command") for l in labels(app))


async def test_label_widths_match_what_the_tree_would_render(hello_artifact: Path) -> None:
    """ConfigTree reads label widths off its labels; Tree's default renders each one. Same answers,
    collapsed and expanded, with problem marks and with the details shown."""
    from textual.widgets import Tree

    config = hello_artifact / "genpack.json5"
    config.write_text(config.read_text().replace("uid: 1000", 'uid: -5'))
    app = make_app(hello_artifact, "--variant", "quiet")
    async with app.run_test(size=(100, 40)) as pilot:
        await resolved(app)
        tree = app.query_one(ConfigTree)
        tree.focus()
        for _ in range(2):
            nodes = [line.node for line in tree._tree_lines]
            assert len(nodes) > 10 and any(n.allow_expand and not n.is_expanded for n in nodes)
            assert [tree.get_label_width(n) for n in nodes] == [Tree.get_label_width(tree, n) for n in nodes]
            await pilot.press("o")  # the details: more nodes, all expanded
            await pilot.pause()
