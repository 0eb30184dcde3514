"""Streaming runner and pty runner with real processes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from genpack_tui.engine.events import OutputLine
from genpack_tui.engine.runtime.process import guarded, lines_to_events, run_on_pty, run_streaming

PROJECT = Path(__file__).parents[3]


def collect(argv: list[str], **kwargs: object) -> tuple[int, list[tuple[str, str]]]:
    lines: list[tuple[str, str]] = []
    rc = run_streaming(argv, lambda text, stream: lines.append((text, stream)), **kwargs)  # type: ignore[arg-type]
    return rc, lines


def test_lines_of_both_streams_and_exit_code() -> None:
    rc, lines = collect(["sh", "-c", "echo out1; echo err1 >&2; printf 'out2\\r\\nlast-no-newline'; exit 3"])
    assert rc == 3
    assert [line for line in lines if line[1] == "stdout"] == [
        ("out1", "stdout"),
        ("out2", "stdout"),
        ("last-no-newline", "stdout"),
    ]
    assert [line for line in lines if line[1] == "stderr"] == [("err1", "stderr")]


def test_harmless_nspawn_line_is_filtered() -> None:
    noise = 'Attempted to remove disk file system under "/run/systemd/nspawn/propagate/genpack-1", and we can\'t allow that.'
    rc, lines = collect(["sh", "-c", 'echo "real line" >&2; printf "%s\\n" "$1" >&2', "sh", noise])
    assert rc == 0 and lines == [("real line", "stderr")]


def test_stdin_bytes_large_and_file() -> None:
    data = b"".join(b"line %d\n" % i for i in range(20000))  # larger than a pipe buffer
    rc, lines = collect(["sh", "-c", "wc -l; cat >/dev/null"], stdin=data)
    assert rc == 0 and lines == [("20000", "stdout")]
    rc, lines = collect(["cat"], stdin=io.BytesIO(b"from a BytesIO\n"))
    assert lines == [("from a BytesIO", "stdout")]
    with open(__file__, "rb") as f:
        rc, lines = collect(["head", "-n", "1"], stdin=f)
    assert lines == [('"""Streaming runner and pty runner with real processes."""', "stdout")]


def test_utf8_split_across_reads_is_kept_whole() -> None:
    # the 3-byte character straddles the 65536-byte read boundary
    text = "a" * 65535 + "€" + "\n"
    rc, lines = collect([sys.executable, "-c", f"import sys; sys.stdout.write({text!r})"])
    assert lines == [(text.rstrip("\n"), "stdout")]


def test_lines_to_events() -> None:
    events: list[OutputLine] = []
    run_streaming(["echo", "hi"], lines_to_events(events.append, "lower", "emerge"))
    assert [(e.phase, e.step, e.text, e.stream) for e in events] == [("lower", "emerge", "hi", "stdout")]


def test_exception_in_callback_terminates_child() -> None:
    started: list[int] = []

    def boom(text: str, stream: str) -> None:
        started.append(int(text))
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        run_streaming(["sh", "-c", "echo $$; exec sleep 30"], boom)
    pid = started[0]
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


def _child_of_killed_parent(multithreaded: bool) -> int:
    """Start a parent that runs ``sleep`` through run_streaming, SIGKILL the parent; return sleep's pid."""
    code = (
        "import sys, threading, time\n"
        "from genpack_tui.engine.runtime.process import run_streaming\n"
        + ("threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n" if multithreaded else "")
        + "run_streaming(['sh', '-c', 'echo $$; exec sleep 60'], lambda t, s: print(t, flush=True))\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=PROJECT)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    return child


@pytest.mark.parametrize("multithreaded", [False, True], ids=["preexec-prctl", "setpriv"])
def test_child_dies_with_its_parent(multithreaded: bool) -> None:
    child = _child_of_killed_parent(multithreaded)
    for _ in range(50):
        if not Path(f"/proc/{child}").exists():
            break
        time.sleep(0.05)
    assert not Path(f"/proc/{child}").exists(), "child outlived its parent"


def test_guarded_uses_setpriv_when_threads_run() -> None:
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        argv, preexec = guarded(["true"])
    finally:
        stop.set()
        t.join()
    assert preexec is None and argv[1:] == ["--pdeathsig", "KILL", "--", "true"]


def test_pty_run_has_a_controlling_terminal_and_reads_input() -> None:
    out = io.BytesIO()
    rc = run_on_pty(
        ["sh", "-c", 'tty; stty size; read answer; echo "got <$answer>"; [ -t 0 ] && echo interactive; exit 4'],
        io.BytesIO(b"forty-two\n"),
        out,
        rows=30,
        cols=100,
    )
    text = out.getvalue().decode()
    assert rc == 4
    assert "/dev/pts/" in text and "30 100" in text
    assert "got <forty-two>" in text and "interactive" in text


def test_pty_end_of_input_is_eof() -> None:
    out = io.BytesIO()
    rc = run_on_pty(["sh", "-c", "cat; echo done"], io.BytesIO(b"abc\n"), out)
    assert rc == 0 and out.getvalue().decode().replace("\r", "").endswith("done\n")


def test_pty_from_a_real_pipe() -> None:
    r, w = os.pipe()
    os.write(w, b"echo from-pipe\nexit 0\n")
    os.close(w)
    out = io.BytesIO()
    with os.fdopen(r, "rb") as stdin:
        rc = run_on_pty(["sh", "-i"], stdin, out)
    assert rc == 0 and b"from-pipe" in out.getvalue()


def _run_interactive_code(inner: str) -> str:
    return f"import sys; from genpack_tui.engine.runtime.process import run_interactive; sys.exit(run_interactive({inner}))"


def test_run_interactive_on_a_terminal_uses_it_directly() -> None:
    """stdin is a TTY: the child shares our terminal (same pty as the caller)."""
    out = io.BytesIO()
    code = _run_interactive_code("['sh', '-c', 'tty; exit 3']")
    probe = "import os, sys; print('caller', os.ttyname(0), flush=True); " + code
    rc = run_on_pty([sys.executable, "-c", probe], io.BytesIO(b""), out)
    lines = out.getvalue().decode().replace("\r", "").split("\n")
    caller = next(line.split()[1] for line in lines if line.startswith("caller "))
    assert rc == 3 and caller in lines[1:]


def test_run_interactive_without_a_terminal_makes_a_pty() -> None:
    code = _run_interactive_code("['sh', '-c', 'tty; read x; echo got=$x']")
    proc = subprocess.run([sys.executable, "-c", code], input=b"abc\n", capture_output=True, cwd=PROJECT)
    text = proc.stdout.decode().replace("\r", "")
    assert proc.returncode == 0 and "/dev/pts/" in text and "got=abc" in text


def test_pty_child_that_ignores_a_large_input_does_not_hang_us() -> None:
    out = io.BytesIO()
    lots = b"x" * 100 + b"\n"
    result: dict[str, int] = {}
    t = threading.Thread(
        target=lambda: result.setdefault(
            "rc", run_on_pty(["sh", "-c", "echo start; sleep 0.3; echo end"], io.BytesIO(lots * 3000), out)
        )
    )
    t.start()
    t.join(30)
    assert not t.is_alive() and result["rc"] == 0
    assert b"start" in out.getvalue() and b"end" in out.getvalue()


def test_pty_run_accepts_a_regular_file_or_dev_null_as_input(tmp_path):
    """epoll refuses regular files and /dev/null; they are read up front instead (seen with pytest's stdin)."""
    import io

    from genpack_tui.engine.runtime.process import run_on_pty
    script = tmp_path / "input.txt"
    script.write_text("echo from-file-$((2+3))\nexit 3\n")
    out = io.BytesIO()
    with open(script, "rb") as stdin:
        rc = run_on_pty(["/bin/sh"], stdin, out)
    assert rc == 3 and b"from-file-5" in out.getvalue()
    out = io.BytesIO()
    with open("/dev/null", "rb") as stdin:
        assert run_on_pty(["/bin/sh", "-c", "echo quiet"], stdin, out) == 0
    assert b"quiet" in out.getvalue()
