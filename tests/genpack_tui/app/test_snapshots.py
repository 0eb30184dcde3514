"""SVG snapshots of the main screens (pytest-textual-snapshot). Fixed sizes, fixed event timestamps,
no file watcher, notifications cleared: the pictures depend only on the code.

Update after an intended change with: pytest tests/genpack_tui/app/test_snapshots.py --snapshot-update
"""
from __future__ import annotations

from pathlib import Path

from genpack_tui.app import WorkbenchApp
from genpack_tui.parser import parse_args
from tests.fixtures.app import recorded_build_events, wait_for, write_events


def make_app(artifact: Path, *args: str) -> WorkbenchApp:
    return WorkbenchApp(artifact, parse_args(["-C", str(artifact), "--arch", "x86_64", *args]), watch=False)


async def settle(pilot) -> None:
    app = pilot.app
    assert await wait_for(lambda: app.resolution is not None and bool(app.statuses))  # tree and badges
    assert await wait_for(lambda: not any(worker.is_running for worker in app.workers))
    await pilot.pause()
    app.clear_notifications()
    await pilot.pause()


def test_config_tree_80x24(snap_compare, hello_artifact: Path) -> None:
    assert snap_compare(make_app(hello_artifact), terminal_size=(80, 24), run_before=settle)


def test_config_tree_with_overrides(snap_compare, hello_artifact: Path) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("o")
        await pilot.pause()

    app = make_app(hello_artifact, "--variant", "quiet", "--arch", "aarch64")
    assert snap_compare(app, terminal_size=(110, 34), run_before=run_before)


def test_errors_in_place_keep_last_good_tree(snap_compare, hello_artifact: Path) -> None:
    config = hello_artifact / "genpack.json5"

    async def run_before(pilot) -> None:
        await settle(pilot)
        app = pilot.app
        config.write_text(config.read_text().replace("uid: 1000", 'uid: -5').replace(
            'profile: "paravirt",', 'profile: "paravirt",\n  setup_command: [],'))
        app.request_resolve()
        assert await wait_for(lambda: bool(app.query_one("#problems").problems))
        await pilot.pause()

    assert snap_compare(make_app(hello_artifact), terminal_size=(110, 34), run_before=run_before)


def test_syntax_error_keeps_last_good_tree(snap_compare, hello_artifact: Path) -> None:
    config = hello_artifact / "genpack.json5"

    async def run_before(pilot) -> None:
        await settle(pilot)
        app = pilot.app
        config.write_text(config.read_text().replace('profile: "paravirt",', 'profile: "paravirt"\n  oops: [,'))
        app.request_resolve()
        assert await wait_for(lambda: bool(app.query_one("#problems").problems))
        await pilot.pause()

    assert snap_compare(make_app(hello_artifact), terminal_size=(100, 30), run_before=run_before)


def _replay(path: Path):
    async def run_before(pilot) -> None:
        await settle(pilot)
        assert await pilot.app.replay(path)
        await pilot.pause(0.3)  # the logs flush at 10 Hz
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


def test_build_running(snap_compare, hello_artifact: Path, tmp_path: Path) -> None:
    events = write_events(tmp_path / "running.jsonl", recorded_build_events("running"))
    assert snap_compare(make_app(hello_artifact), terminal_size=(100, 30), run_before=_replay(events))


def test_build_failed(snap_compare, hello_artifact: Path, tmp_path: Path) -> None:
    events = write_events(tmp_path / "failed.jsonl", recorded_build_events("failed"))
    assert snap_compare(make_app(hello_artifact), terminal_size=(100, 30), run_before=_replay(events))


def test_diff(snap_compare, hello_artifact: Path) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("f3")
        from genpack_tui.widgets.config.selection import NONE_KEY, Selection
        diff = pilot.app.query_one("#config-diff")
        diff.set_selections(Selection(NONE_KEY, "x86_64"), Selection("quiet", "aarch64"))
        assert await wait_for(lambda: "B quiet · aarch64" in diff.text())
        assert await wait_for(lambda: not any(worker.is_running for worker in pilot.app.workers))
        await pilot.pause()

    assert snap_compare(make_app(hello_artifact), terminal_size=(100, 30), run_before=run_before)


def test_help(snap_compare, hello_artifact: Path) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(make_app(hello_artifact), terminal_size=(80, 24), run_before=run_before)
