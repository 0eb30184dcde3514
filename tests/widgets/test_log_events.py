"""The engine's event stream, emitted from a runner thread through a real EventBus, into a BuildLog."""
from __future__ import annotations

import threading

from textual.app import App, ComposeResult

from genpack_tui.engine.events import (
    ErrorEvent,
    EventBus,
    OutputLine,
    PhaseFinished,
    PhaseStarted,
    StepStarted,
)
from genpack_tui.widgets.log_events import LogFeeder
from genpack_tui.widgets.log_text import plain_text
from genpack_tui.widgets.log_view import BuildLog


class FeedApp(App[None]):
    def compose(self) -> ComposeResult:
        yield BuildLog()


async def test_events_become_lines_sections_and_findable_errors(tmp_path) -> None:
    app = FeedApp()
    async with app.run_test(size=(80, 20)) as pilot:
        log = app.query_one(BuildLog)
        bus = EventBus([LogFeeder(log)])

        def runner() -> None:
            bus.emit(PhaseStarted(phase="lower", reason="fingerprint changed"))
            bus.emit(StepStarted(phase="lower", step="emerge", title="emerge @world"))
            for n in range(30):
                bus.emit(OutputLine(phase="lower", step="emerge", text=f">>> Emerging ({n + 1} of 30)"))
            bus.emit(ErrorEvent(message="emerge failed", phase="lower", detail="see build.log\nexit 1"))
            bus.emit(PhaseFinished(phase="lower", ok=False, duration=12.5))

        thread = threading.Thread(target=runner)
        thread.start()
        thread.join()
        await pilot.pause(0.3)
        text = [plain_text(line) for line in log.lines]
        assert text[0] == "── phase lower: fingerprint changed ──"
        assert text[1] == "── lower: emerge @world ──"
        assert text[2] == ">>> Emerging (1 of 30)"
        assert text[32:] == ["!!! emerge failed", "see build.log", "exit 1", "!!! phase lower failed after 12.5s"]
        assert log.sections == [(0, "phase lower"), (1, "lower: emerge @world")]
        assert log.first_error() == 32
