"""Benchmark: `cat` of a 200k-line file inside ShellPane, against a plain pty read loop.

Prints figures; asserts nothing. Run:  .venv/bin/python -m benchmarks.bench_shell_pane [--lines N]

- ShellPane: headless host app (120x40); time from start() until the file's last line is on the
  emulated screen, plus event-loop lag sampled every 20 ms meanwhile (how stalled input would be).
- Emulator only: the same bytes fed straight into a bittty Board (no Textual, no pty), i.e. what
  the pane would cost without widgets/shell/backend/flood.py skimming the lines that only scroll past.
- Baseline: the same `cat` on a bare pty, read until EOF (no emulation at all).
- ShellPane once more with flood skimming switched off (every byte through the emulator).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import pty
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_log_view import make_lines
from benchmarks.measure import percentile
from benchmarks.summary import write_summary

MARKER = "END-OF-BENCH-OUTPUT"


def write_file(path: Path, count: int) -> int:
    lines = make_lines(count - 1) + [MARKER]
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(data)
    return len(data)


def plain_pty(path: Path) -> float:
    master, slave = pty.openpty()
    started = time.perf_counter()
    process = subprocess.Popen(["cat", str(path)], stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    received = 0
    try:
        while True:
            chunk = os.read(master, 65536)
            if not chunk:
                break
            received += len(chunk)
    except OSError:
        pass  # EIO: the slave side closed
    elapsed = time.perf_counter() - started
    process.wait()
    os.close(master)
    return elapsed


def emulator_only(path: Path) -> float:
    from bittty import Board

    board = Board(width=120, height=40)
    text = path.read_text().replace("\n", "\r\n")  # what the pty's onlcr would deliver
    started = time.perf_counter()
    for start in range(0, len(text), 65536):
        board.parser.feed(text[start : start + 65536])
    elapsed = time.perf_counter() - started
    assert MARKER in board.capture_text()
    return elapsed


async def shell_pane(path: Path, skim: bool = True) -> dict:
    from textual.app import App, ComposeResult

    from genpack_tui.widgets.shell.pane import ShellPane

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield ShellPane(["cat", str(path)], autostart=False)

    app = Host()
    async with app.run_test(size=(122, 42)) as pilot:
        await pilot.pause(0.2)
        pane = app.query_one(ShellPane)
        pane.terminal.skim_floods = skim
        lags: list[float] = []
        done = asyncio.Event()

        async def sample_lag() -> None:
            while not done.is_set():
                before = time.perf_counter()
                await asyncio.sleep(0.02)
                lags.append((time.perf_counter() - before - 0.02) * 1000)

        sampler = asyncio.create_task(sample_lag())
        started = time.perf_counter()
        await pane.start()
        while pane.returncode is None:  # cheap to poll; the screen is checked once cat is done
            await asyncio.sleep(0.005)
        while MARKER not in pane.screen_text():
            await asyncio.sleep(0.005)
        elapsed = time.perf_counter() - started
        done.set()
        await sampler
        size = pane.terminal.size
        return {
            "seconds": elapsed,
            "lag_p50": percentile(lags, 50),
            "lag_p95": percentile(lags, 95),
            "lag_max": max(lags),
            "size": f"{size.width}x{size.height}",
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--summary", type=Path, help="also write the key figures to this JSON file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "emerge.log"
        size = write_file(path, args.lines)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; file: {args.lines} lines, "
              f"{size / 2**20:.1f} MiB, 1 in 10 lines with SGR colours")
        base = [plain_pty(path) for _ in range(args.runs)]
        emu = [emulator_only(path) for _ in range(args.runs)]
        panes = [asyncio.run(shell_pane(path)) for _ in range(args.runs)]
        unskimmed = asyncio.run(shell_pane(path, skim=False))
        median_base = statistics.median(base)
        median_emu = statistics.median(emu)
        median_pane = statistics.median(p["seconds"] for p in panes)
        print(f"plain pty read loop : {', '.join(f'{t:.2f}s' for t in base)}  "
              f"({args.lines / median_base:,.0f} lines/s)")
        print(f"bittty Board only   : {', '.join(f'{t:.2f}s' for t in emu)}  "
              f"({args.lines / median_emu:,.0f} lines/s)")
        pane_times = ", ".join(f"{p['seconds']:.2f}s" for p in panes)
        print(f"ShellPane ({panes[0]['size']}): {pane_times}  "
              f"({args.lines / median_pane:,.0f} lines/s), target <= 5 s")
        for p in panes:
            print(f"  event-loop lag during the flood: p50 {p['lag_p50']:.1f} ms, p95 {p['lag_p95']:.1f} ms, "
                  f"max {p['lag_max']:.1f} ms")
        print(f"ShellPane, flood skimming off: {unskimmed['seconds']:.2f}s "
              f"({args.lines / unskimmed['seconds']:,.0f} lines/s), loop lag p95 {unskimmed['lag_p95']:.1f} ms, "
              f"max {unskimmed['lag_max']:.1f} ms")
        print(f"ShellPane / plain pty: x{median_pane / median_base:.1f} slower; "
              f"skimming makes the pane x{unskimmed['seconds'] / median_pane:.1f} faster")
        write_summary(args.summary, {"lines": args.lines, "cat_seconds": round(median_pane, 2),
                                     "plain_pty_seconds": round(median_base, 2)})


if __name__ == "__main__":
    main()
