"""Help screen, command palette, small-terminal layout, and which file changes the watcher reports."""
from __future__ import annotations

import asyncio
from pathlib import Path

from textual.command import CommandPalette

from genpack_tui.app import WorkbenchApp
from genpack_tui.engine.artifact.inputs import input_signature, is_relevant
from genpack_tui.palette import workbench_commands
from genpack_tui.parser import parse_args
from genpack_tui.screens.help import HelpScreen
from genpack_tui.widgets.config.selection import Selection
from genpack_tui.workbench.watch import InputsChanged, watch_artifact
from tests.fixtures.app import save_atomically, wait_for


def make_app(artifact: Path) -> WorkbenchApp:
    return WorkbenchApp(artifact, parse_args(["-C", str(artifact), "--arch", "x86_64"]), watch=False)


async def test_help_screen_lists_every_binding(hello_artifact: Path) -> None:
    app = make_app(hello_artifact)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = {row[0] for row in app.binding_help()}
        assert {"ctrl+q", "f1", "f2", "f5", "v", "a", "b", "x", "s", "S", "r", "o", "slash", "e"} <= keys
        assert "ctrl+right_square_bracket" in keys  # leave the shell
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_palette_offers_every_action(hello_artifact: Path) -> None:
    app = make_app(hello_artifact)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_for(lambda: app.resolution is not None)
        await app.ensure_panes()
        titles = [command.title for command in workbench_commands(app)]
        for expected in ("Run build", "Run lower", "Run upper", "Run pack", "Cancel the build",
                         "Shell in the lower container", "Shell on the upper layer", "Replay an events file",
                         "Variant: quiet", "Variant: no variant", "Arch: riscv64", "Arch: i686",
                         "Toggle overrides and removals", "Jump to the first error", "Help"):
            assert expected in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Arch: riscv64")
        await pilot.pause(0.5)
        await pilot.press("enter")
        assert await wait_for(lambda: app.selection == Selection("(default)", "riscv64"))


async def test_usable_at_80x24(hello_artifact: Path) -> None:
    app = make_app(hello_artifact)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_for(lambda: app.resolution is not None)
        await pilot.pause()
        tree = app.query_one("#config-tree")
        assert tree.region.height >= 10 and tree.region.width == 80
        for key, pane in (("f3", "diff"), ("f4", "build"), ("f5", "shell"), ("f2", "config")):
            await pilot.press(key)
            assert app.query_one("#panes").active == pane
        await app.ensure_panes()  # the Build and Diff panes mount after the first frame
        runner = app.query_one("#runner")
        await pilot.press("f4")
        await pilot.pause()
        assert runner.shown_log.region.height >= 8


def test_relevant_changes(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    assert is_relevant(root, root / "genpack.json5")
    assert is_relevant(root, root / "genpack.json")
    for sub in ("files/etc/motd", "savedconfig/sys-kernel/x", "patches/a.patch", "kernel/config.d/x",
                "env/x", "overlay/x"):
        assert is_relevant(root, root / sub), sub
    for sub in ("work/x86_64/lower.img", "hello-x86_64.squashfs", "README.md", ".genpack.json5.swp",
                "files2/x"):
        assert not is_relevant(root, root / sub), sub
    assert not is_relevant(root, tmp_path.parent / "genpack.json5")


async def test_watch_sees_atomic_saves_and_ignores_work(tmp_path: Path) -> None:
    (tmp_path / "genpack.json5").write_text("{}")
    (tmp_path / "work").mkdir()
    stop, ready = asyncio.Event(), asyncio.Event()
    seen: list[set[Path]] = []

    async def collect() -> None:
        async for changed in watch_artifact(tmp_path, stop, on_ready=ready.set):
            seen.append(changed)

    task = asyncio.create_task(collect())
    await asyncio.wait_for(ready.wait(), 5)
    assert not seen, "nothing has changed yet"
    (tmp_path / "work" / "lower.img").write_bytes(b"x" * 100)
    save_atomically(tmp_path / "genpack.json5", '{ name: "x" }')
    assert await wait_for(lambda: bool(seen), timeout=5)
    (tmp_path / "files").mkdir()  # a new input directory counts, and is watched from then on
    assert await wait_for(lambda: any(tmp_path.resolve() / "files" in s for s in seen), timeout=5)
    await asyncio.sleep(0.2)
    (tmp_path / "files" / "motd").write_text("hi")
    assert await wait_for(lambda: any(tmp_path.resolve() / "files" / "motd" in s for s in seen), timeout=5)
    stop.set()
    await asyncio.wait_for(task, 5)
    everything = set().union(*seen)
    assert tmp_path.resolve() / "genpack.json5" in everything
    assert not any("work" in p.parts for p in everything)


def test_input_signature_changes_with_inputs_only(tmp_path: Path) -> None:
    (tmp_path / "genpack.json5").write_text("{}")
    first = input_signature(tmp_path)
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "lower.img").write_bytes(b"x")
    (tmp_path / "README.md").write_text("x")
    assert input_signature(tmp_path) == first
    (tmp_path / "files" / "etc").mkdir(parents=True)
    second = input_signature(tmp_path)
    assert second != first
    (tmp_path / "files" / "etc" / "motd").write_text("hi")
    third = input_signature(tmp_path)
    assert third != second
    save_atomically(tmp_path / "genpack.json5", "{ }")  # a new file: another size (and inode, mtime)
    assert input_signature(tmp_path) != third


async def test_edit_before_the_watch_began_is_picked_up(hello_artifact: Path, monkeypatch) -> None:
    """The watch starts after the first frame; a save that lands between the first resolve reading the
    file and the watch being in place must still reach the tree."""
    import genpack_tui.engine.config

    config = hello_artifact / "genpack.json5"
    real_resolve = genpack_tui.engine.config.resolve
    saved = []

    def resolve_then_edit(*args, **kwargs):
        resolution = real_resolve(*args, **kwargs)
        if not saved:  # right after the first read: no watch exists yet
            save_atomically(config, config.read_text().replace('"app-misc/hello",', '"app-misc/hello",\n    "app-misc/early",', 1))
            saved.append(True)
        return resolution

    monkeypatch.setattr(genpack_tui.engine.config, "resolve", resolve_then_edit)
    app = WorkbenchApp(hello_artifact, parse_args(["-C", str(hello_artifact), "--arch", "x86_64"]))
    changes: list[InputsChanged] = []
    async with app.run_test(size=(100, 30), message_hook=lambda m: isinstance(m, InputsChanged) and changes.append(m)):
        assert await wait_for(lambda: app.resolution is not None)
        first_labels = app.query_one("#config-tree").node_labels()
        assert saved and not any(label.startswith("app-misc/early") for label in first_labels)
        assert await wait_for(lambda: app.resolver.watching, timeout=5)
        assert await wait_for(lambda: any(label.startswith("app-misc/early")
                                          for label in app.query_one("#config-tree").node_labels()), timeout=5)
        assert not changes, "the watcher did not see it: the recheck did"
        save_atomically(config, config.read_text().replace('"app-misc/early",', '"app-misc/late",', 1))
        assert await wait_for(lambda: bool(changes), timeout=5), "a save after the watch began reaches the app"
        assert await wait_for(lambda: any(label.startswith("app-misc/late")
                                          for label in app.query_one("#config-tree").node_labels()), timeout=5)


async def test_variant_key_cycles_default_variants_and_none(hello_artifact: Path) -> None:
    app = make_app(hello_artifact)
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_for(lambda: app.resolution is not None)
        app.query_one("#config-tree").focus()
        seen = []
        for _ in range(3):
            await pilot.press("v")
            await pilot.pause()
            seen.append(app.selection.variant_key)
        assert seen == ["quiet", "(none)", "(default)"]


async def test_replay_key_prompts_for_a_file(hello_artifact: Path, tmp_path: Path) -> None:
    from tests.fixtures.app import recorded_build_events, write_events

    write_events(hello_artifact / "ci-events.jsonl", recorded_build_events("ok"))
    app = make_app(hello_artifact)
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one("#config-tree").focus()
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"ci-events.jsonl", "enter")  # relative to the artifact directory
        await app.ensure_panes()  # the Build and Diff panes mount after the first frame
        runner = app.query_one("#runner")
        assert await wait_for(lambda: runner.finished is not None)
        assert runner.finished.ok and app.query_one("#panes").active == "build"


async def test_cancel_key_without_a_build_says_so(hello_artifact: Path) -> None:
    app = make_app(hello_artifact)
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one("#config-tree").focus()
        await pilot.press("x")
        await pilot.pause()
        assert [n.message for n in app._notifications] == ["No build is running."]
