"""Shell pane (real pty), its refusal while the artifact is locked, phase badges following edits, diff."""
from __future__ import annotations

import asyncio
import os
from pathlib import Path

from genpack_tui.app import WorkbenchApp
from genpack_tui.engine.build.request import BuildRequest
from genpack_tui.engine.build.status import work_paths_for
from genpack_tui.engine.config import resolve
from genpack_tui.engine.runtime.lock import acquire_build_lock
from genpack_tui.parser import parse_args
from genpack_tui.widgets.build.phase_badges import PhaseBadges
from genpack_tui.widgets.config.diff import ConfigDiff
from genpack_tui.widgets.config.selection import NONE_KEY, Selection
from genpack_tui.widgets.shell.pane import ShellPane
from genpack_tui.workbench.watch import InputsChanged
from tests.fixtures.app import save_atomically, wait_for
from tests.fixtures.build import record_successful_build

SH_ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PS1": "$ ", "HOME": "/tmp", "ENV": ""}


def plain_sh(request: BuildRequest) -> tuple[list[str], dict[str, str]]:
    """The pane's command for these tests: /bin/sh instead of the container worker (which needs built images)."""
    return ["/bin/sh"], {**SH_ENV, "SHELL_ACTION": request.action}


def make_app(artifact: Path, **kwargs) -> WorkbenchApp:
    return WorkbenchApp(artifact, parse_args(["-C", str(artifact), "--arch", "x86_64"]), **kwargs)


async def test_shell_pane_runs_a_command_in_a_real_pty(hello_artifact: Path) -> None:
    app = make_app(hello_artifact, shell_command=plain_sh)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("S")  # upper-bash
        assert await wait_for(lambda: bool(app.query(ShellPane)))
        pane = app.query_one(ShellPane)
        assert app.query_one("#panes").active == "shell"
        assert await wait_for(lambda: pane.screen_text().endswith("$")), pane.screen_text()
        await pilot.press(*"echo $SHELL_ACTION-$((6*7))", "enter")
        assert await wait_for(lambda: "upper-bash-42" in pane.screen_text()), pane.screen_text()
        await pilot.press("ctrl+right_square_bracket")  # leave the pane: keys reach the app again
        await pilot.pause()
        assert not pane.terminal.has_focus
        await pilot.press("f2")
        assert app.query_one("#panes").active == "config"
        await pilot.press("f5")
        assert app.query_one("#panes").active == "shell" and pane.terminal.has_focus
        await pilot.press(*"exit 3", "enter")
        assert await wait_for(lambda: pane.returncode == 3)
        assert await wait_for(lambda: "exit status 3" in str(app.query_one("#shell-placeholder").content))


async def test_shell_refused_while_the_artifact_is_locked(hello_artifact: Path) -> None:
    app = make_app(hello_artifact, shell_command=plain_sh)
    lock = acquire_build_lock(hello_artifact / "work", "genpack-tui build")
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("s")
            await pilot.pause()
            assert not app.query(ShellPane)
            text = str(app.query_one("#shell-placeholder").content)
            assert "The build containers are locked" in text and f"pid {os.getpid()} (genpack-tui build)" in text
    finally:
        lock.release()
    # with the lock released the same key opens the shell
    app = make_app(hello_artifact, shell_command=plain_sh)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("s")
        assert await wait_for(lambda: bool(app.query(ShellPane)))


def record_all_phases(artifact: Path) -> None:
    """Write the completion stamps a successful build would have left."""
    res = resolve(artifact, arch="x86_64")
    record_successful_build(res, work_paths_for(res))


async def test_badges_follow_edits(hello_artifact: Path) -> None:
    app = make_app(hello_artifact)
    config = hello_artifact / "genpack.json5"
    async with app.run_test(size=(120, 30)):
        badges = app.query_one(PhaseBadges)
        assert await wait_for(lambda: badges.badge_text().count("never built") == 3), badges.badge_text()
        record_all_phases(hello_artifact)
        save_atomically(config, config.read_text())  # touch: same content
        assert await wait_for(lambda: badges.badge_text().count("up to date") == 3), badges.badge_text()

        save_atomically(config, config.read_text().replace('services: ["hello-greeter.service"]',
                                                           'services: ["hello-greeter.service", "sshd"]'))
        assert await wait_for(lambda: "will rerun (services changed → upper)" in badges.badge_text())
        assert "✓ lower up to date" in badges.badge_text()

        save_atomically(config, config.read_text().replace('"app-misc/hello": "extra",', '"app-misc/hello": "-extra",'))
        assert await wait_for(lambda: "lower will rerun (use changed → lower)" in badges.badge_text())

        (hello_artifact / "files" / "etc" / "motd").write_text("hello\n")  # files/ feeds upper
        save_atomically(config, config.read_text().replace('"app-misc/hello": "-extra",', '"app-misc/hello": "extra",'))
        assert await wait_for(lambda: "✓ lower up to date" in badges.badge_text()), badges.badge_text()
        assert "upper will rerun" in badges.badge_text()


async def test_input_edit_before_the_watch_began_reaches_the_badges(hello_artifact: Path, monkeypatch) -> None:
    """files/ changed after the first phase status hashed it but before the watch was in place: the
    check made when the watch begins notices, and the badges follow."""
    import genpack_tui.engine.build.status
    import genpack_tui.workbench.watch as watch_module

    record_all_phases(hello_artifact)
    real_statuses = genpack_tui.engine.build.status.phase_statuses
    edited = []

    def statuses_then_edit(*args, **kwargs):
        statuses = real_statuses(*args, **kwargs)
        if not edited:
            (hello_artifact / "files" / "etc" / "motd").write_text("edited before the watch\n")
            edited.append(True)
        return statuses

    async def watch_after_the_edit(*args, **kwargs):  # the watch would otherwise race the status worker
        while not edited:
            await asyncio.sleep(0.01)
        async for changed in real_watch(*args, **kwargs):
            yield changed

    real_watch = watch_module.watch_artifact
    monkeypatch.setattr(genpack_tui.engine.build.status, "phase_statuses", statuses_then_edit)
    monkeypatch.setattr(watch_module, "watch_artifact", watch_after_the_edit)
    app = make_app(hello_artifact)
    changes: list[InputsChanged] = []
    async with app.run_test(size=(120, 30), message_hook=lambda m: isinstance(m, InputsChanged) and changes.append(m)):
        badges = app.query_one(PhaseBadges)
        assert await wait_for(lambda: badges.badge_text().count("up to date") == 3), badges.badge_text()
        assert edited
        assert await wait_for(lambda: app.resolver.watching, timeout=5)
        assert await wait_for(lambda: "upper will rerun" in badges.badge_text(), timeout=5), badges.badge_text()
        assert "✓ lower up to date" in badges.badge_text()
        assert not changes, "the watcher did not see it: the check when it began did"


async def test_diff_pane_compares_two_selections(hello_artifact: Path) -> None:
    app = make_app(hello_artifact)
    async with app.run_test(size=(120, 36)) as pilot:
        assert await wait_for(lambda: app.resolution is not None)
        await pilot.press("f3")
        await app.ensure_panes()  # the Build and Diff panes mount after the first frame
        diff = app.query_one(ConfigDiff)
        diff.set_selections(Selection(NONE_KEY, "x86_64"), Selection("quiet", "aarch64"))
        assert await wait_for(lambda: diff.selections == (Selection(NONE_KEY, "x86_64"), Selection("quiet", "aarch64")))
        assert await wait_for(lambda: "B quiet · aarch64" in diff.text()), diff.text()
        text = diff.text()
        assert "- app-misc/keyworded  ← arch.x86_64 :23" in text
        assert "~ app-misc/hello: extra  ← top :11 → -greeting extra  ← variants.quiet :33" in text
        assert "~ portage_arch: amd64 → arm64" in text


async def test_failure_log_key_opens_the_log_in_the_lower_container(hello_artifact: Path, tmp_path: Path) -> None:
    from tests.fixtures.app import recorded_build_events, write_events

    requests: list[BuildRequest] = []

    def recording_sh(request: BuildRequest) -> tuple[list[str], dict[str, str]]:
        requests.append(request)
        return ["/bin/sh"], SH_ENV

    app = make_app(hello_artifact, shell_command=recording_sh)
    async with app.run_test(size=(100, 30)) as pilot:
        assert await app.replay(write_events(tmp_path / "failed.jsonl", recorded_build_events("failed")))
        assert "l: its build.log" in app.query_one("#runner").failure_text()
        app.query_one("#runner").shown_log.focus()
        await pilot.press("l")
        assert await wait_for(lambda: bool(requests))
        request = requests[0]
        assert request.action == "bash" and request.arch == "x86_64"
        assert request.command[-1] == "/var/tmp/portage/app-misc/broken-1.0/temp/build.log"
        assert request.command[:2] == ["sh", "-c"]
        assert app.query_one("#panes").active == "shell"


async def test_failure_log_key_waits_for_the_worker_to_release_the_containers(hello_artifact: Path) -> None:
    """Between a build's BuildFinished and its worker's return (unmounting), ``l`` waits instead of refusing."""
    import threading

    from genpack_tui.engine.events import BuildFinished
    from tests.fixtures.app import recorded_build_events

    release = threading.Event()
    requests: list[BuildRequest] = []

    def failing_then_unmounting(request, sink, cancel) -> int:
        events = recorded_build_events("failed")
        assert isinstance(events[-1], BuildFinished)
        for event in events:
            sink(event)
        release.wait(30)  # the engine's worker cleaning up after its last event
        return 1

    def recording_sh(request: BuildRequest) -> tuple[list[str], dict[str, str]]:
        requests.append(request)
        return ["/bin/sh"], SH_ENV

    app = make_app(hello_artifact, shell_command=recording_sh, build_starter=failing_then_unmounting)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("b")
        await app.ensure_panes()  # the Build and Diff panes mount after the first frame
        runner = app.query_one("#runner")
        assert await wait_for(lambda: "l: its build.log" in runner.failure_text())
        assert app.controller.running == "build"
        runner.shown_log.focus()
        await pilot.press("l")
        placeholder = app.query_one("#shell-placeholder")
        assert await wait_for(lambda: "waiting for it to release the containers" in str(placeholder.content))
        assert not requests
        release.set()
        assert await wait_for(lambda: bool(requests))
        assert requests[0].command[-1] == "/var/tmp/portage/app-misc/broken-1.0/temp/build.log"
        assert app.query_one("#panes").active == "shell"


async def test_bash_subcommand_with_a_command_opens_the_pane_with_it(hello_artifact: Path) -> None:
    requests: list[BuildRequest] = []

    def recording_sh(request: BuildRequest) -> tuple[list[str], dict[str, str]]:
        requests.append(request)
        return ["/bin/sh", "-c", "echo ran-$0", request.command[-1]], SH_ENV

    args = parse_args(["-C", str(hello_artifact), "--arch", "x86_64", "bash", "emerge", "--info"])
    app = WorkbenchApp(hello_artifact, args, shell_command=recording_sh)
    async with app.run_test(size=(100, 30)):
        assert await wait_for(lambda: bool(requests))
        assert requests[0].action == "bash" and requests[0].command == ["emerge", "--info"]
        pane = app.query_one(ShellPane)
        assert await wait_for(lambda: "ran---info" in pane.screen_text()), pane.screen_text()
