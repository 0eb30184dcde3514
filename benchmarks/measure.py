"""Measuring helpers shared by the benchmarks: percentiles, and launches timed in a real terminal."""
from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile, ``pct`` from 0 to 100; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def tmux_launch_times(command: list[str], needles: tuple[str, ...]) -> dict[str, float] | None:
    """Launch ``command`` in a new tmux session (120x40, started in the project's root, so
    ``python -m benchmarks.NAME`` and ``python -m genpack_tui`` import this tree) and time, from
    launch, when each needle is first on the screen (interpreter start and imports included), in
    ms; needles never seen are missing. None without tmux."""
    if shutil.which("tmux") is None:
        return None
    session = f"gpt-bench-{time.time_ns()}"
    for _attempt in range(5):  # the tmux server may still be exiting after the last kill-session
        t0 = time.perf_counter()
        started = subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40",
                                  "-c", str(ROOT), "env", "TERM=xterm-256color", *command])
        if started.returncode == 0:
            break
        time.sleep(0.2)
    else:
        raise SystemExit("tmux new-session keeps failing")
    seen: dict[str, float] = {}
    try:
        while time.perf_counter() - t0 < 20 and len(seen) < len(needles):
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                                    text=True).stdout
            now = (time.perf_counter() - t0) * 1000
            for needle in needles:
                if needle in screen and needle not in seen:
                    seen[needle] = now
            time.sleep(0.01)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    return seen
