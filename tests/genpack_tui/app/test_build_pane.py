"""Build pane: replayed event streams, per-phase logs, progress, failure, search; a real engine run."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from genpack_tui.app import WorkbenchApp
from genpack_tui.parser import parse_args
from genpack_tui.widgets.build.phase_runner import PhaseRunner
from tests.fixtures.app import recorded_build_events, wait_for, write_events

FIRST_EMERGE = ">>> Emerging (1 of 10) sys-apps/baselayout-2.0::gentoo"


def make_app(artifact: Path, *args: str) -> WorkbenchApp:
    return WorkbenchApp(artifact, parse_args(["-C", str(artifact), "--arch", "x86_64", *args]))


def log_text(runner: PhaseRunner, phase: str) -> str:
    """The phase's log as plain text (colour codes removed)."""
    return re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(runner.logs[phase].lines))


async def test_replayed_build_fills_the_phase_runner(hello_artifact: Path, tmp_path: Path) -> None:
    events_file = write_events(tmp_path / "ci.jsonl", recorded_build_events("ok"))
    app = make_app(hello_artifact)
    async with app.run_test(size=(100, 32)) as pilot:
        assert await app.replay(events_file)
        runner = app.query_one(PhaseRunner)
        await pilot.pause()
        assert app.query_one("#panes").active == "build"
        assert runner.finished is not None and runner.finished.ok
        assert [(p.phase, p.state, p.duration) for p in runner.phases.values()] == [
            ("lower", "ok", 63.5), ("upper", "ok", 4.2), ("pack", "ok", 7.9)]
        summary = runner.summary_text()
        assert "✓ finished in 1m16s" in summary and "hello-x86_64.squashfs (46.0 MiB)" in summary
        lower = log_text(runner, "lower")
        assert "━━ lower (never built) ━━" in lower
        assert "── emerge @world @genpack-runtime @genpack-buildtime" in lower
        assert FIRST_EMERGE in lower
        assert "── emerge ✓ 1m01s" in lower and "━━ lower ✓ 1m04s" in lower
        assert "useradd -u 1000" in log_text(runner, "upper")
        assert [title for _n, title in runner.logs["lower"].sections][:2] == [
            "lower", "Fetch stage3, Portage snapshot and genpack-overlay"]
        assert runner.failure is None


async def test_replay_of_a_failed_build_shows_package_log_and_shell_key(hello_artifact: Path, tmp_path: Path) -> None:
    events_file = write_events(tmp_path / "ci.jsonl", recorded_build_events("failed"))
    app = make_app(hello_artifact)
    async with app.run_test(size=(100, 32)) as pilot:
        assert await app.replay(events_file)
        await pilot.pause()
        runner = app.query_one(PhaseRunner)
        failure = runner.failure_text()
        assert "app-misc/broken-1.0 failed in compile during lower" in failure
        assert "/var/tmp/portage/app-misc/broken-1.0/temp/build.log" in failure
        assert "s: shell in the lower container" in failure
        assert runner.shown_phase == "lower"
        runner.show_log("pack")  # a log without errors is shown: "e" finds the failed phase's first error
        runner.shown_log.focus()
        await pilot.press("e")  # first error (scanned on a thread)
        lower = runner.logs["lower"]
        assert await wait_for(lambda: lower.highlighted_line is not None and runner.shown_phase == "lower")
        assert "ERROR: app-misc/broken-1.0::gentoo failed" in lower.lines[lower.highlighted_line - lower.first_line]


async def test_progress_bar_follows_emerge(hello_artifact: Path, tmp_path: Path) -> None:
    events_file = write_events(tmp_path / "ci.jsonl", recorded_build_events("running"))
    app = make_app(hello_artifact)
    async with app.run_test(size=(100, 32)) as pilot:
        assert await app.replay(events_file)
        await pilot.pause()
        runner = app.query_one(PhaseRunner)
        assert runner.running and runner.current_phase == "lower"
        progress = runner.progress
        assert progress is not None
        label = str(runner.query_one("#progress-label").content)
        kind = "binary" if progress.binary else "source"
        assert label == f"emerge {progress.index}/{progress.total} {progress.package} · {kind} · {progress.stage}"
        bar = runner.query_one("#progress-bar")
        assert bar.total == progress.total
        assert "replay of ci.jsonl: build hello" in runner.summary_text()
        assert "recorded up to" in runner.summary_text()
        assert runner.query_one("#runner-cancel").disabled  # nothing to cancel in a replay


async def test_search_in_a_phase_log(hello_artifact: Path, tmp_path: Path) -> None:
    events_file = write_events(tmp_path / "ci.jsonl", recorded_build_events("ok"))
    app = make_app(hello_artifact)
    async with app.run_test(size=(100, 32)) as pilot:
        await app.replay(events_file)
        runner = app.query_one(PhaseRunner)
        runner.show_log("lower")
        runner.shown_log.focus()
        await pilot.press("slash")
        await pilot.press(*"Completed", "enter")
        log = runner.logs["lower"]
        assert await wait_for(lambda: log.highlighted_line is not None)  # the scan runs on a thread
        assert log.matches and all("Completed" in log.lines[n - log.first_line] for n in log.matches)
        assert log.highlighted_line in log.matches
        await pilot.press("escape")
        assert log.has_focus


async def test_replay_of_a_broken_file_names_the_line(hello_artifact: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind": "build_started", "action": "build", "artifact": "x", "variant": null, "arch": "x86_64"}\n'
                   '{"kind": "nope"}\n')
    app = make_app(hello_artifact)
    async with app.run_test(size=(100, 32)) as pilot:
        assert not await app.replay(bad)
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("bad.jsonl: line 2: unknown event kind: 'nope'" in m for m in messages), messages


async def test_events_file_given_without_action_is_replayed_on_start(hello_artifact: Path, tmp_path: Path) -> None:
    events_file = write_events(tmp_path / "ci.jsonl", recorded_build_events("ok"))
    app = make_app(hello_artifact, "--events", str(events_file))
    async with app.run_test(size=(100, 32)):
        await app.ensure_panes()  # the Build and Diff panes mount after the first frame
        runner = app.query_one(PhaseRunner)
        assert await wait_for(lambda: runner.finished is not None)
        assert runner.finished.ok


@pytest.mark.root
@pytest.mark.skipif(os.geteuid() != 0, reason="the engine's build worker needs root")
async def test_run_key_starts_the_engine_and_shows_its_failure(hello_artifact: Path, tmp_path: Path) -> None:
    """A real engine run: `pack` without an upper layer fails in the worker with a clear message."""
    events_file = tmp_path / "events.jsonl"
    args = parse_args(["-C", str(hello_artifact), "--arch", "x86_64", "--events", str(events_file), "pack"])
    app = WorkbenchApp(hello_artifact, args)
    async with app.run_test(size=(100, 32)) as pilot:
        await app.ensure_panes()  # the Build and Diff panes mount after the first frame
        runner = app.query_one(PhaseRunner)
        assert await wait_for(lambda: runner.finished is not None, timeout=60)
        assert not runner.finished.ok
        assert "upper has not completed" in runner.failure_text()
        assert await wait_for(lambda: app.controller.running is None)
        # the same stream went to --events, as in headless mode
        kinds = [line for line in events_file.read_text().splitlines() if '"kind": "build_finished"' in line]
        assert kinds
        await pilot.press("b")  # run again with the pane's action (pack): a second, fresh run
        assert await wait_for(lambda: runner.event_count_total > 0 and runner.finished is not None, timeout=60)


async def test_archive_from_the_palette_action(hello_artifact: Path) -> None:
    from genpack_tui.widgets.build.options import RunOptions

    app = make_app(hello_artifact)
    async with app.run_test(size=(100, 32)):
        assert await app.start_action(RunOptions("archive"))
        await app.ensure_panes()  # the Build and Diff panes mount after the first frame
        runner = app.query_one(PhaseRunner)
        assert await wait_for(lambda: runner.finished is not None)
        assert runner.finished.ok, runner.summary_text()
        assert (hello_artifact / "genpack-hello.tar.gz").stat().st_size > 0
        assert "genpack-hello.tar.gz" in runner.summary_text()
        assert await wait_for(lambda: app.controller.running is None)


async def test_reuse_upper_checkbox_reaches_the_request_and_fits_at_80_columns(
        hello_artifact: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.widgets import Button, Checkbox

    app = make_app(hello_artifact, "--reuse-upper")
    sent = []

    def run(request):  # what the controller would start, recorded instead of built
        sent.append(request)
        app.controller.running = None
        return 0

    monkeypatch.setattr(app.controller, "run", run)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.ensure_panes()
        await pilot.press("f4")
        await pilot.pause()
        runner = app.query_one(PhaseRunner)
        reuse = runner.query_one("#runner-reuse-upper", Checkbox)
        assert reuse.value and runner.options().reuse_upper  # from the command line
        assert "--reuse-upper" in str(reuse.tooltip) and "genpack reruns them" in str(reuse.tooltip)
        for widget in (reuse, runner.query_one("#runner-run", Button), runner.query_one("#runner-cancel", Button)):
            assert widget.region.width > 0 and widget.region.right <= 80, widget
        reuse.value = False
        await pilot.pause()
        assert not runner.options().reuse_upper
        assert await app.start_action(runner.options())
        assert await wait_for(lambda: len(sent) == 1 and app.controller.running is None)
        reuse.value = True
        await pilot.pause()
        assert await app.start_action(runner.options())
        assert await wait_for(lambda: len(sent) == 2)
    assert [r.reuse_upper for r in sent] == [False, True]


async def test_the_runner_says_where_each_package_came_from(hello_artifact: Path, tmp_path: Path) -> None:
    from genpack_tui.engine.build.emerge_output import EmergeOutputParser
    from genpack_tui.engine.events import BuildStarted, PhaseStarted

    # real Portage output of a build from a binhost (tests/data), one package refused and built from source
    parser = EmergeOutputParser("lower", binhost_url="http://127.0.0.1:18765/")
    data = Path(__file__).resolve().parents[2] / "data" / "emerge-binhost-refused.log"
    events = [BuildStarted(action="build", artifact="hello", variant=None, arch="x86_64"), PhaseStarted(phase="lower")]
    events += [e for line in data.read_text().splitlines() for e in parser.feed(line)]
    rebuild = EmergeOutputParser("lower")  # the rerun's lines, as Portage printed them
    events += [e for line in (">>> Emerging (1 of 1) app-misc/hello-1.0::gentoo",
                              ">>> Completed (1 of 1) app-misc/hello-1.0::gentoo") for e in rebuild.feed(line)]
    events_file = write_events(tmp_path / "ci.jsonl", events)
    app = make_app(hello_artifact)
    async with app.run_test(size=(100, 32)) as pilot:
        assert await app.replay(events_file)
        await pilot.pause()
        runner = app.query_one(PhaseRunner)
        assert "packages: 7 from the binhost · 1 built from source" in runner.summary_text()
        lower = log_text(runner, "lower")
        assert "genpack/paravirt-20260101: from the binhost" in lower
        assert "app-misc/hello-1.0: built from source" in lower
        label = str(runner.query_one("#progress-label").content)
        assert label == "emerge 1/1 app-misc/hello-1.0 · source · completed"
