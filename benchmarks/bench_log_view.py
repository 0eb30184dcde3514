"""Benchmark: BuildLog against Textual's stock Log under a flood of emerge-like output.

Prints figures; asserts nothing. Every scenario runs in its own Python process so peak RSS is its
own. Run:  .venv/bin/python -m benchmarks.bench_log_view [--lines 200000 1000000] [--no-tmux]

Per scenario: a producer thread appends pre-generated lines (~120 chars, 1 in 10 with SGR colours)
in chunks of 1000 as fast as it can, while a probe thread injects a key every 20 ms through the
driver (the path real input takes) and the bound action records when it ran. BuildLog is fed with
``append_lines`` from the thread; the stock ``Log`` (not thread-safe) gets a 10 Hz timer that
writes everything pending with ``write_lines``. The ingest rate is lines / (first append -> all
lines in the widget).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks.measure import percentile, tmux_launch_times
from benchmarks.summary import write_summary

ROOT = Path(__file__).resolve().parent.parent
CHILD = [sys.executable, "-m", "benchmarks.bench_log_view", "--child"]  # run from ROOT

SIZE = (120, 40)
CHUNK = 1000
PROBE_INTERVAL = 0.02


def make_lines(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    words = ["checking", "for", "gcc", "-O2", "-pipe", "-march=x86-64", "libtool:", "compile:",
             "x86_64-pc-linux-gnu-gcc", "-DHAVE_CONFIG_H", "-I.", "-I../include", "-fPIC", "src/",
             "yes", "no", "ok", "make[2]:", "Entering", "directory", "/var/tmp/portage/dev-libs/"]
    lines = []
    for n in range(count):
        body = " ".join(rng.choice(words) for _ in range(14))
        body = (body + " " + str(n)).ljust(118, ".")[:118]
        if n % 10 == 0:
            line = f" \x1b[32;01m*\x1b[0m {body[:40]}\x1b[33;01m{body[40:80]}\x1b[0m{body[80:]}"
        else:
            line = body
        lines.append(line)
    return lines


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for row in status:
            if row.startswith("VmRSS:"):
                return int(row.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- child scenarios


def build_app(widget: str, pending: list[str], lock: threading.Lock):
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.widgets import Log

    from genpack_tui.widgets.log.view import BuildLog

    class Host(App[None]):
        BINDINGS = [Binding("x", "probe", "probe")]

        def __init__(self) -> None:
            super().__init__()
            self.probe_times: list[float] = []
            self.search_finished: list[float] = []
            self.first_paint: float | None = None

        def compose(self) -> ComposeResult:
            yield BuildLog(id="log") if widget == "buildlog" else Log(id="log")

        def on_mount(self) -> None:
            self.query_one("#log").focus()
            self.call_after_refresh(self._painted)
            if widget == "log":
                self.set_interval(0.1, self._flush_stock_log)

        def _painted(self) -> None:
            self.first_paint = time.monotonic()

        def _flush_stock_log(self) -> None:
            with lock:
                batch = pending[:]
                pending.clear()
            if batch:
                self.query_one(Log).write_lines(batch)

        def action_probe(self) -> None:
            self.probe_times.append(time.perf_counter())

        def on_build_log_search_finished(self) -> None:
            self.search_finished.append(time.perf_counter())

    return Host()


def line_count(app, widget: str) -> int:
    log = app.query_one("#log")
    return log.line_count


def feed(widget: str, log, lines: list[str], lock, pending: list[str]) -> None:
    """Hand ``lines`` to the widget in CHUNK batches: BuildLog takes them itself (thread-safe);
    the stock Log baseline gets them through ``pending``, which its timer flushes."""
    for start in range(0, len(lines), CHUNK):
        chunk = lines[start : start + CHUNK]
        if widget == "buildlog":
            log.append_lines(chunk)
        else:
            with lock:
                pending.extend(chunk)

async def ingest(widget: str, count: int, probe: bool) -> dict:
    import asyncio

    from textual.events import Key

    lines = make_lines(count)
    gc.collect()
    base_rss = rss_mb()
    pending: list[str] = []
    lock = threading.Lock()
    app = build_app(widget, pending, lock)
    result: dict = {"widget": widget, "lines": count, "base_rss_mb": round(base_rss, 1)}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        log = app.query_one("#log")
        sent: list[float] = []
        stop = threading.Event()

        def producer() -> None:
            feed(widget, log, lines[:count], lock, pending)

        def prober() -> None:
            driver = app._driver
            while not stop.is_set():
                sent.append(time.perf_counter())
                driver.send_message(Key("x", "x"))
                time.sleep(PROBE_INTERVAL)

        probe_thread = threading.Thread(target=prober, daemon=True)
        producer_thread = threading.Thread(target=producer)
        started = time.perf_counter()
        if probe:
            probe_thread.start()
        producer_thread.start()
        while log.line_count < count:
            await asyncio.sleep(0.005)
        finished = time.perf_counter()
        stop.set()
        producer_thread.join()
        if probe:
            probe_thread.join()
        deadline = time.perf_counter() + 5
        while len(app.probe_times) < len(sent) and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        latencies = [(done - s) * 1000 for s, done in zip(sent, app.probe_times, strict=False)]
        result.update(
            seconds=round(finished - started, 3),
            lines_per_s=round(count / (finished - started)),
            probes=len(latencies),
            key_p50_ms=round(percentile(latencies, 50), 1),
            key_p95_ms=round(percentile(latencies, 95), 1),
            key_max_ms=round(max(latencies), 1) if latencies else None,
            peak_rss_mb=round(peak_rss_mb(), 1),
            rss_after_mb=round(rss_mb(), 1),
        )
        if widget == "buildlog":
            t0 = time.perf_counter()
            hits = log.search("Entering directory /var/tmp")
            result["search_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            result["search_hits"] = len(hits)
            t0 = time.perf_counter()
            log.first_error()
            result["first_error_scan_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            # what the workbench does: the same search on a thread; keys keep being probed meanwhile
            finished = app.search_finished
            sent.clear()
            app.probe_times.clear()
            stop.clear()
            probe_thread = threading.Thread(target=prober, daemon=True)
            probe_thread.start()
            t0 = time.perf_counter()
            log.start_search("Entering directory /var/tmp")
            result["start_search_ui_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            while not finished and time.perf_counter() - t0 < 30:
                await asyncio.sleep(0.005)
            stop.set()
            probe_thread.join()
            await asyncio.sleep(0.1)
            result["background_search_ms"] = round((finished[0] - t0) * 1000, 1) if finished else None
            during = [(done - s) * 1000 for s, done in zip(sent, app.probe_times, strict=False)]
            result["key_p95_during_search_ms"] = round(percentile(during, 95), 1) if during else None
    return result


async def retained(widget: str, count: int) -> dict:
    """tracemalloc view: memory the widget holds beyond the line strings the producer created."""
    import asyncio
    import tracemalloc

    lines = make_lines(count)
    string_bytes = sum(sys.getsizeof(line) for line in lines)
    gc.collect()
    pending: list[str] = []
    lock = threading.Lock()
    app = build_app(widget, pending, lock)
    tracemalloc.start()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        before = tracemalloc.get_traced_memory()[0]
        log = app.query_one("#log")
        feed(widget, log, lines[:count], lock, pending)
        while log.line_count < count:
            await asyncio.sleep(0.01)
        await pilot.pause(0.3)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return {
        "widget": widget,
        "lines": count,
        "retained_mb": round(held / 2**20, 1),
        "line_strings_mb": round(string_bytes / 2**20, 1),
        "bytes_per_line_total": round((held + string_bytes) / count),
    }


async def first_paint(spawned_at: float) -> dict:
    app = build_app("buildlog", [], threading.Lock())
    async with app.run_test(size=SIZE) as pilot:
        while app.first_paint is None:
            await pilot.pause(0.005)
        return {"first_paint_ms": round((app.first_paint - spawned_at) * 1000, 1)}


def tmux_app() -> None:
    """A real-terminal host: BuildLog with a READY marker, run under tmux by the parent."""
    from textual.app import App, ComposeResult

    from genpack_tui.widgets.log.view import BuildLog

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield BuildLog(id="log")

        def on_mount(self) -> None:
            self.query_one(BuildLog).append_lines([f"READY-H4 line {n}" for n in range(100)])

    Host().run()


# --------------------------------------------------------------------------- parent


def run_child(*args: str) -> dict:
    output = subprocess.run([*CHILD, *args], capture_output=True, text=True,
                            cwd=ROOT, timeout=900)
    if output.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{output.stderr[-3000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def measure_tmux_first_paint() -> float | None:
    seen = tmux_launch_times([*CHILD, "tmux-app"], ("READY-H4 line 99",))
    return None if not seen else round(seen["READY-H4 line 99"], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--no-tmux", action="store_true")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--summary", type=Path, help="also write the key figures to this JSON file")
    args = parser.parse_args()

    if args.child:
        import asyncio

        kind, *rest = args.child
        if kind == "ingest":
            print(json.dumps(asyncio.run(ingest(rest[0], int(rest[1]), probe=True))))
        elif kind == "retained":
            print(json.dumps(asyncio.run(retained(rest[0], int(rest[1])))))
        elif kind == "first-paint":
            print(json.dumps(asyncio.run(first_paint(float(rest[0])))))
        elif kind == "tmux-app":
            tmux_app()
        return

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, terminal {SIZE[0]}x{SIZE[1]} headless")
    print("\n== ingest from a producer thread, key probe every 20 ms ==")
    header = f"{'widget':9} {'lines':>9} {'lines/s':>9} {'key p50':>8} {'p95':>8} {'max':>8} {'peak RSS':>9} {'base RSS':>9}"
    print(header)
    results: dict[tuple[str, int], dict] = {}
    for count in args.lines:
        for widget in ("buildlog", "log"):
            r = run_child("ingest", widget, str(count))
            results[(widget, count)] = r
            print(f"{widget:9} {count:>9} {r['lines_per_s']:>9} {r['key_p50_ms']:>7}ms {r['key_p95_ms']:>6}ms "
                  f"{r['key_max_ms']:>6}ms {r['peak_rss_mb']:>7}MB {r['base_rss_mb']:>7}MB", flush=True)
    print("\n== BuildLog / Log ratios ==")
    for count in args.lines:
        b, s = results[("buildlog", count)], results[("log", count)]
        print(f"{count:>9} lines: ingest x{b['lines_per_s'] / s['lines_per_s']:.1f}, "
              f"key p95 x{s['key_p95_ms'] / max(b['key_p95_ms'], 0.1):.1f} lower, "
              f"peak RSS {b['peak_rss_mb'] - s['peak_rss_mb']:+.0f} MB")
    for count in args.lines:
        b = results[("buildlog", count)]
        print(f"BuildLog {count} lines: search {b['search_ms']} ms ({b['search_hits']} hits), "
              f"first_error scan {b['first_error_scan_ms']} ms (on the UI thread); on a thread as the "
              f"workbench does: UI blocked {b['start_search_ui_ms']} ms, result after {b['background_search_ms']} ms, "
              f"key p95 meanwhile {b['key_p95_during_search_ms']} ms")

    largest = max(args.lines)
    print(f"\n== retained memory at {largest} lines (tracemalloc, line strings made before tracing) ==")
    memory: dict[str, dict] = {}
    for widget in ("buildlog", "log"):
        r = memory[widget] = run_child("retained", widget, str(largest))
        print(f"{widget:9} retained {r['retained_mb']} MB beyond {r['line_strings_mb']} MB of line strings; "
              f"total {r['bytes_per_line_total']} bytes/line", flush=True)
    ours, stock = results[("buildlog", largest)], results[("log", largest)]
    write_summary(args.summary, {
        "lines": largest, "ingest_lines_per_s": ours["lines_per_s"], "key_p95_ms": ours["key_p95_ms"],
        "stock_log_ingest_lines_per_s": stock["lines_per_s"], "stock_log_key_p95_ms": stock["key_p95_ms"],
        "peak_rss_mb": ours["peak_rss_mb"], "bytes_per_line": memory["buildlog"]["bytes_per_line_total"],
        "stock_log_bytes_per_line": memory["log"]["bytes_per_line_total"],
    })

    print("\n== first paint ==")
    paints = [run_child("first-paint", repr(time.monotonic()))["first_paint_ms"] for _ in range(3)]
    print(f"headless, process start -> first frame: {', '.join(f'{p} ms' for p in paints)}")
    if not args.no_tmux:
        real = [measure_tmux_first_paint() for _ in range(3)]
        print(f"tmux 120x40, process start -> lines visible: {', '.join(f'{p} ms' for p in real)}")


if __name__ == "__main__":
    main()
