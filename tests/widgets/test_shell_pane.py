"""ShellPane with real ptys and real child processes (/bin/sh), driven by pilot key presses."""
from __future__ import annotations

import asyncio
import os
import subprocess

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Button

from tests.fixtures.app import wait_for as wait_until
from genpack_tui.widgets.shell.pane import ShellPane
from genpack_tui.widgets.shell.backend.spawn import SessionPTY, session_wrapper

SHELL_ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PS1": "$ ", "HOME": "/tmp", "ENV": ""}


class ShellApp(App[None]):
    def __init__(self, argv: list[str], **pane_options) -> None:
        super().__init__()
        self.argv = argv
        self.pane_options = pane_options
        self.events: list[object] = []

    def compose(self) -> ComposeResult:
        yield Button("elsewhere", id="other")
        yield ShellPane(self.argv, **self.pane_options)

    def on_mount(self) -> None:
        self.query_one(ShellPane).focus_terminal()

    def on_shell_pane_exited(self, message: ShellPane.Exited) -> None:
        self.events.append(message)

    def on_shell_pane_leave_requested(self, message: ShellPane.LeaveRequested) -> None:
        self.events.append(message)


async def type_line(pilot, text: str) -> None:
    await pilot.press(*text, "enter")


async def started_shell(pilot) -> ShellPane:
    pane = pilot.app.query_one(ShellPane)
    assert await wait_until(lambda: pane.screen_text().endswith("$")), pane.screen_text()
    return pane


async def test_typed_command_runs_in_a_real_pty() -> None:
    app = ShellApp(["/bin/sh"], env=SHELL_ENV)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await started_shell(pilot)
        await type_line(pilot, "echo hello-$((6*7))")
        assert await wait_until(lambda: "\nhello-42\n" in pane.screen_text()), pane.screen_text()
        await type_line(pilot, "tty; echo TERM=$TERM")
        assert await wait_until(lambda: "TERM=xterm-256color" in pane.screen_text())
        assert "/dev/pts/" in pane.screen_text()


async def test_ctrl_c_interrupts_the_foreground_job() -> None:
    app = ShellApp(["/bin/sh"], env=SHELL_ENV)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await started_shell(pilot)
        await type_line(pilot, "sleep 100")
        await pilot.pause(0.3)
        await pilot.press("ctrl+c")  # `sleep 100` would otherwise hold the prompt far beyond this wait
        assert await wait_until(lambda: pane.screen_text().endswith("$"), timeout=5), pane.screen_text()
        # sh reports 130 (128 + SIGINT) only if the pty delivered SIGINT to the job.
        await type_line(pilot, "echo rc=$?")
        assert await wait_until(lambda: "rc=130" in pane.screen_text(), timeout=5), pane.screen_text()
        assert pane.running


async def test_resize_reaches_the_child() -> None:
    app = ShellApp(["/bin/sh"], env=SHELL_ENV)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await started_shell(pilot)
        region = pane.terminal.content_region
        await type_line(pilot, "stty size")
        # The pane's border takes two rows/columns; the child must see what is visible.
        expected = f"{region.height} {region.width}"
        assert await wait_until(lambda: f"\n{expected}\n" in pane.screen_text()), pane.screen_text()
        await pilot.resize_terminal(100, 30)
        await pilot.pause(0.2)
        region = pane.terminal.content_region
        assert (region.width, region.height) != (78, 20)
        await type_line(pilot, "stty size")
        expected = f"{region.height} {region.width}"
        assert await wait_until(lambda: f"\n{expected}\n" in pane.screen_text()), pane.screen_text()


async def test_exit_posts_exited_with_the_status() -> None:
    app = ShellApp(["/bin/sh"], env=SHELL_ENV)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await started_shell(pilot)
        await type_line(pilot, "exit 3")
        assert await wait_until(lambda: any(isinstance(e, ShellPane.Exited) for e in app.events))
        exited = [e for e in app.events if isinstance(e, ShellPane.Exited)]
        assert len(exited) == 1
        assert exited[0].returncode == 3 and exited[0].error is None and exited[0].pane is pane
        assert not pane.running and pane.returncode == 3


async def test_argv_cwd_env_and_send_text(tmp_path) -> None:
    marker = tmp_path / "here"
    marker.mkdir()
    app = ShellApp(["/bin/sh", "-c", 'read x; echo "$x in $(pwd) with $GREETING"'],
                   cwd=marker, env={**SHELL_ENV, "GREETING": "hi there"})
    async with app.run_test(size=(80, 24)):
        pane = app.query_one(ShellPane)
        assert await wait_until(lambda: pane.running)
        pane.send_text("typed\r")
        expected = f"typed in {marker} with hi there"
        assert await wait_until(lambda: expected in pane.screen_text().replace("\n", "")), pane.screen_text()
        assert await wait_until(lambda: pane.returncode == 0)


async def test_missing_program_is_reported_not_raised() -> None:
    app = ShellApp(["/bin/sh"], cwd="/nonexistent/dir")
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(ShellPane)
        assert await wait_until(lambda: bool(app.events))
        exited = app.events[0]
        assert isinstance(exited, ShellPane.Exited) and exited.returncode == 127
        assert "cannot start /bin/sh" in exited.error and "No such file" in exited.error
        await pilot.pause(0.1)
        assert "cannot start /bin/sh" in pane.screen_text()


async def test_unknown_command_exits_127_with_message() -> None:
    app = ShellApp(["no-such-command-h4"])
    async with app.run_test(size=(80, 24)):
        pane = app.query_one(ShellPane)
        assert await wait_until(lambda: bool(app.events))
        assert app.events[0].returncode == 127
        assert "no-such-command-h4" in pane.screen_text()


async def test_leave_key_moves_focus_and_posts_message() -> None:
    app = ShellApp(["/bin/sh"], env=SHELL_ENV)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await started_shell(pilot)
        assert app.focused is pane.terminal
        await pilot.press("ctrl+right_square_bracket")
        assert any(isinstance(e, ShellPane.LeaveRequested) for e in app.events)
        assert app.focused is not pane.terminal
        assert "^]" not in pane.screen_text()


async def test_scrollback_keeps_rows_that_left_the_screen() -> None:
    app = ShellApp(["/bin/sh"], env=SHELL_ENV)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await started_shell(pilot)
        await type_line(pilot, "i=0; while [ $i -lt 100 ]; do echo row-$i; i=$((i+1)); done")
        assert await wait_until(lambda: "row-99" in pane.screen_text())
        assert "row-0\n" not in pane.screen_text()
        assert "\nrow-0\n" in pane.history_text()
        terminal = pane.terminal
        await pilot.press("shift+pageup")
        assert terminal.scroll_offset_rows > 0
        shown = ["".join(s.text for s in terminal.render_line(y)) for y in range(terminal.size.height)]
        assert not any("row-99" in line for line in shown)
        assert any("row-" in line for line in shown)
        await pilot.press("shift+pagedown", "shift+pagedown", "shift+pagedown", "shift+pagedown", "shift+pagedown")
        assert terminal.scroll_offset_rows == 0


async def test_colours_reach_the_rendered_cells() -> None:
    app = ShellApp(["/bin/sh"], env=SHELL_ENV)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await started_shell(pilot)
        await type_line(pilot, r"printf '\033[31mRED\033[0m plain\n'")
        assert await wait_until(lambda: "\nRED plain" in pane.screen_text())
        terminal = pane.terminal
        row = pane.screen_text().split("\n").index("RED plain")
        segments = list(terminal.render_line(row))
        red = [s for s in segments if s.text.startswith("RED")]
        assert red and red[0].style.color is not None
        assert red[0].style.color.get_truecolor().red > 150 and red[0].style.color.get_truecolor().green < 100


@pytest.mark.parametrize("prefer_setsid", [True, False], ids=["setsid", "python-helper"])
def test_child_gets_a_controlling_terminal_without_preexec_fn(prefer_setsid: bool) -> None:
    if prefer_setsid and "setsid" not in session_wrapper(True)[0]:
        pytest.skip("util-linux setsid is not installed on this host")
    pty = SessionPTY(24, 80)
    process = pty.spawn(["/bin/sh", "-c", "exec 3</dev/tty && echo CTTY-OK; ps -o sid= -o pgid= -p $$"],
                        prefer_setsid=prefer_setsid)
    assert process.wait(timeout=10) == 0
    output = b""
    os.set_blocking(pty.master_fd, True)
    try:
        while True:
            chunk = os.read(pty.master_fd, 4096)
            if not chunk:
                break
            output += chunk
    except OSError:
        pass  # EIO once the slave side is closed
    pty.close()
    text = output.decode()
    assert "CTTY-OK" in text
    sid, pgid = text.split("CTTY-OK")[1].split()
    assert sid == pgid == str(process.pid)  # its own session; the helper exec'd into sh


def test_run_suspended_needs_a_real_terminal() -> None:
    from textual.app import SuspendNotSupported

    from genpack_tui.widgets.shell.pane import run_suspended

    async def scenario() -> None:
        app = ShellApp(["/bin/true"])
        async with app.run_test():
            with pytest.raises(SuspendNotSupported):
                run_suspended(app, ["/bin/true"])

    asyncio.run(scenario())
    assert subprocess.call(["/bin/true"]) == 0


async def test_cursor_and_function_keys_reach_the_child_as_xterm_sequences() -> None:
    # `cat -v` on the pty shows exactly which bytes arrived (ESC as ^[).
    app = ShellApp(["cat", "-v"])
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(ShellPane)
        assert await wait_until(lambda: pane.running)
        await pilot.press("up", "left", "home", "f5", "enter")
        assert await wait_until(lambda: "^[[A^[[D^[[H^[[15~" in pane.screen_text()), pane.screen_text()
        await pilot.press("ctrl+d")
        assert await wait_until(lambda: pane.returncode == 0)
