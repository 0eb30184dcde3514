"""Benchmark of the configuration engine (a script, not a test): prints figures, asserts nothing.

    .venv/bin/python -m benchmarks.bench_config [--runs N] [--corpus DIR]

The corpus is a directory of artifacts: --corpus, else $GENPACK_TUI_CORPUS.

Times load (json5 parse + source map) + validate + merge for the largest corpus config and for a
generated config 20x its size, then the whole `genpack-tui config --json` process in a corpus dir.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import json5

from benchmarks.corpus import add_corpus_argument, corpus_dir
from genpack_tui.engine.config import load_document, merge_document, resolve
from genpack_tui.engine.config.sourcemap import scan

REPO = Path(__file__).resolve().parents[1]


def median_time(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def scaled(data: dict[str, Any], factor: int) -> dict[str, Any]:
    """``data`` with every atom list and atom dict repeated ``factor`` times under renamed packages."""
    out = dict(data)
    for key in ("packages", "buildtime_packages", "mask"):
        if key in data:
            out[key] = [f"{atom}{i}" if i else atom for i in range(factor) for atom in data[key]]
    for key in ("accept_keywords", "use", "license", "env"):
        if key in data:
            out[key] = {(f"{atom}{i}" if i else atom): value for i in range(factor) for atom, value in data[key].items()}
    if "variants" in data:
        out["variants"] = {f"{name}{i}": body for i in range(factor) for name, body in data["variants"].items()}
    return out


def load_validate_merge(text: str, variant: str | None) -> None:
    doc = load_document(text, "genpack.json5")
    merge_document(doc, variant=variant, arch="x86_64", artifact_name="bench")


def report(label: str, text: str, runs: int) -> float:
    variants = json5.loads(text).get("variants") or {}
    variant = next(iter(variants), None)
    total = median_time(lambda: load_validate_merge(text, variant), runs)
    parse = median_time(lambda: json5.loads(text), runs)
    source_map = median_time(lambda: scan(text), runs)
    doc = load_document(text, "genpack.json5")
    merge = median_time(lambda: merge_document(doc, variant=variant, arch="x86_64", artifact_name="bench"), runs)
    print(f"{label}: {len(text):,} characters, {text.count(chr(10)) + 1:,} lines, variant {variant!r}")
    print(f"  load+validate+merge  median {total * 1000:8.2f} ms  (json5 parse {parse * 1000:.2f} ms, "
          f"source map {source_map * 1000:.2f} ms, validate+merge {merge * 1000:.2f} ms)")
    return total


def whole_process(directory: Path, runs: int) -> float:
    argv = [sys.executable, "-m", "genpack_tui", "-C", str(directory), "config", "--json"]

    def once() -> None:
        subprocess.run(argv, cwd=REPO, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    once()  # warm the page cache and __pycache__
    return median_time(once, runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    add_corpus_argument(parser)
    args = parser.parse_args()
    corpus = corpus_dir(parser, args.corpus)
    largest = max(corpus.rglob("genpack.json5"), key=lambda p: p.stat().st_size)
    text = largest.read_text()
    print(f"largest corpus config: {largest.resolve().relative_to(corpus.resolve())}")
    base = report("corpus", text, args.runs)
    data = json5.loads(text)
    target, factor = 20 * len(text), 20
    big_text = json5.dumps(scaled(data, factor), indent=4)
    while len(big_text) < target:  # the copies carry no comments, so more of them are needed
        factor += 1
        big_text = json5.dumps(scaled(data, factor), indent=4)
    big = report(f"generated (x{len(big_text) / len(text):.1f} size)", big_text, max(3, args.runs // 3))
    print(f"  ratio generated/corpus: {big / base:.1f}x time for {len(big_text) / len(text):.1f}x size")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "big"
        directory.mkdir()
        (directory / "genpack.json5").write_text(big_text)
        start = time.perf_counter()
        res = resolve(directory, variant=None, arch="x86_64")
        print(f"  resolve() of the generated config: {(time.perf_counter() - start) * 1000:.1f} ms, "
              f"{len(res.errors)} errors, {len(res.merged['packages']):,} packages")
    proc = whole_process(largest.parent, max(3, args.runs // 3))
    print(f"whole process `python -m genpack_tui config --json` ({largest.parent.name}): median {proc * 1000:.0f} ms")
    bare = median_time(lambda: subprocess.run([sys.executable, "-c", "pass"], check=False), 5)
    print(f"  (bare interpreter start-up for comparison: {bare * 1000:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
