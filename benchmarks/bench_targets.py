"""The workbench's performance targets (issues 4 and 13) in one table: runs bench_log_view,
bench_shell_pane, bench_image_pane and bench_workbench (their full output is printed as they go), then each
target beside the figure measured and the baseline measured in the same run.

    .venv/bin/python -m benchmarks.bench_targets [--quick] [--corpus DIR]

--quick: 200k log lines instead of 1M, 30 saves instead of 100, 7 launches instead of 15.
Prints figures; "met" says whether the figure is inside the target on this run, nothing asserts.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.corpus import add_corpus_argument, corpus_dir

ROOT = Path(__file__).resolve().parents[1]


def run(script: str, summary: Path, *args: str) -> dict:
    print(f"\n######## {script} {' '.join(args)}", flush=True)
    subprocess.run([sys.executable, "-m", f"benchmarks.{script}", "--summary", str(summary), *args],
                   cwd=ROOT, check=True)
    return json.loads(summary.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    add_corpus_argument(parser)  # for bench_workbench; checked before anything runs
    opts = parser.parse_args()
    corpus = ("--corpus", str(corpus_dir(parser, opts.corpus)))
    lines = "200000" if opts.quick else "1000000"
    with tempfile.TemporaryDirectory() as tmp:
        log = run("bench_log_view", Path(tmp) / "log.json", "--lines", lines)
        shell = run("bench_shell_pane", Path(tmp) / "shell.json")
        image = run("bench_image_pane", Path(tmp) / "image.json")
        bench = run("bench_workbench", Path(tmp) / "workbench.json", *corpus,
                    "--saves", "30" if opts.quick else "100", "--runs", "7" if opts.quick else "15")
    n = f"{log['lines']:,}"
    rows = [
        (f"log ingest, {n} lines", "≥ 200,000 lines/s", f"{log['ingest_lines_per_s']:,} lines/s",
         f"stock Log {log['stock_log_ingest_lines_per_s']:,}", log["ingest_lines_per_s"] >= 200_000),
        ("key latency p95 during the burst", "≤ 100 ms", f"{log['key_p95_ms']} ms",
         f"stock Log {log['stock_log_key_p95_ms']} ms", log["key_p95_ms"] <= 100),
        (f"memory at {n} lines", "bounded (stated)", f"{log['bytes_per_line']} B/line, peak RSS {log['peak_rss_mb']} MB",
         f"stock Log {log['stock_log_bytes_per_line']} B/line", None),
        (f"save → tree updated p95 ({bench['config_bytes']:,} B config)", "≤ 100 ms", f"{bench['save_p95_ms']} ms",
         f"median {bench['save_median_ms']} ms", bench["save_p95_ms"] is not None and bench["save_p95_ms"] <= 100),
    ]
    if "first_paint_median_ms" in bench:
        rows.append(("first paint (tmux, launch → tree)", "≤ 500 ms",
                     f"median {bench['first_paint_median_ms']} ms, p95 {bench['first_paint_p95_ms']} ms",
                     f"minimal Textual app {bench['minimal_app_median_ms']} ms "
                     f"(x{bench['first_paint_ratio_to_minimal_app']})",
                     bench["first_paint_median_ms"] <= 500))
    rows.append((f"cat of {shell['lines']:,} lines in the shell pane", "≤ 5 s", f"{shell['cat_seconds']} s",
                 f"plain pty {shell['plain_pty_seconds']} s", shell["cat_seconds"] <= 5))
    rows.append((f"Image pane, {image['image_files']:,}-file image: first paint", "≤ 500 ms",
                 f"{image['image_first_paint_ms']} ms", f"records → view {image['image_adapter_ms']} ms (a thread)",
                 image["image_first_paint_ms"] <= 500))
    rows.append(("Image pane key latency p95", "≤ 100 ms", f"{image['image_key_p95_ms']} ms",
                 f"7-file image {image['baseline_key_p95_ms']} ms", image["image_key_p95_ms"] <= 100))
    print("\n######## targets")
    widths = [max(len(str(row[i])) for row in rows) for i in range(4)]
    for row in rows:
        met = "" if row[4] is None else ("met" if row[4] else "NOT met")
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row[:4], widths, strict=False)) + "  " + met)


if __name__ == "__main__":
    main()
