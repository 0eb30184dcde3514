"""The Build pane's ETA (widgets/build/phase_runner.py): the progress bar's label and the summary say
the expected remaining time once the history is read, "no history yet" without one, nothing in a
replay."""
from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

from genpack_tui.widgets.build.phase_runner import PhaseRunner
from tests.engine.report.test_eta_tracker import build_until_hello, record


class RunnerApp(App[None]):
    def compose(self) -> ComposeResult:
        yield PhaseRunner(id="runner")


async def shown(records, replay_of: str | None = None) -> tuple[str, str]:
    app = RunnerApp()
    async with app.run_test(size=(140, 30)) as pilot:
        runner = app.query_one(PhaseRunner)
        await runner.begin(replay_of=replay_of)
        runner.handle_events(build_until_hello())
        label = app.query_one("#progress-label", Static)
        before = label.render().plain
        if records is not None:
            runner.set_eta_records(records)
        await pilot.pause()
        assert "left" not in before and "no history" not in before  # nothing said while it is read
        return label.render().plain, runner.summary_text()


async def test_progress_label_and_summary_with_history() -> None:
    label, summary = await shown([record()])
    assert label == "emerge 2/3 app-misc/hello-1.0 · source · compile · about 1m03s left"
    assert "running 16.0s · about 1m03s left" in summary


async def test_progress_label_without_history() -> None:
    label, summary = await shown([])
    assert label.endswith(" · compile · no history yet") and "· no history yet" in summary


async def test_a_replay_has_no_eta() -> None:
    label, summary = await shown(None, replay_of="ci.jsonl")
    assert label == "emerge 2/3 app-misc/hello-1.0 · source · compile"
    assert "left" not in summary and "no history" not in summary


async def test_workbench_reads_the_history_for_a_live_build(hello_artifact) -> None:
    """A build started in the workbench: its records are read from work/history/ on a thread and
    the progress label says the remaining time they give."""
    import dataclasses
    import threading

    from genpack_tui.app import WorkbenchApp
    from genpack_tui.engine.history.store import write_record
    from genpack_tui.parser import parse_args
    from tests.fixtures.app import wait_for

    release = threading.Event()

    def starter(request, sink, cancel) -> int:
        for event in build_until_hello():
            sink(event)
        release.wait(30)
        return 0

    args = parse_args(["-C", str(hello_artifact), "--arch", "x86_64"])
    app = WorkbenchApp(hello_artifact, args, watch=False, build_starter=starter)
    async with app.run_test(size=(140, 36)) as pilot:
        assert await wait_for(lambda: app.resolution is not None)
        write_record(hello_artifact, dataclasses.replace(record(), variant=app.resolution.variant), 20)
        await app.ensure_panes()
        assert await app.start_action(app.query_one(PhaseRunner).options())
        label = app.query_one("#progress-label", Static)
        try:
            assert await wait_for(lambda: "about 1m03s left" in label.render().plain), label.render().plain
            assert "about 1m03s left" in app.query_one(PhaseRunner).summary_text()
        finally:
            release.set()
        await pilot.pause()
