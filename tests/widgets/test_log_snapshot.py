"""SVG snapshot of BuildLog: colours, a search match and the current-line highlight."""
from __future__ import annotations

from textual.app import App, ComposeResult

from genpack_tui.widgets.log.view import BuildLog


class SnapshotLogApp(App[None]):
    def compose(self) -> ComposeResult:
        yield BuildLog(id="log")

    def on_mount(self) -> None:
        log = self.query_one(BuildLog)
        log.mark_section("phase lower")
        log.append_lines(
            [
                ">>> Emerging (1 of 2) \x1b[32;01mdev-libs/foo-1.0\x1b[0m::gentoo",
                " \x1b[32;01m*\x1b[0m Package:    dev-libs/foo-1.0:0",
                "checking for gcc... \x1b[1mgcc\x1b[0m",
                "\x1b]0;title\x07\x1b[2Kdownloading 40%\rdownloading 100%",
                " \x1b[31;01m*\x1b[0m ERROR: dev-libs/foo-1.0::gentoo failed (compile phase):",
                " \x1b[31;01m*\x1b[0m   emake failed",
                ">>> Failed to emerge dev-libs/foo-1.0",
                "tab\tseparated\tcolumns",
            ]
        )


async def _prepare(pilot) -> None:
    log = pilot.app.query_one(BuildLog)
    log.flush()
    log.search("foo-1.0")
    log.first_error()
    await pilot.pause()


def test_build_log_snapshot(snap_compare) -> None:
    assert snap_compare(SnapshotLogApp(), terminal_size=(80, 12), run_before=_prepare)
