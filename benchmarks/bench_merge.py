"""Benchmark of the merge at scale (a script, not a test): prints figures, asserts nothing.

    .venv/bin/python -m benchmarks.bench_merge [--old-limit N]

For generated configurations of 10k, 40k, 100k packages and a packages list of 10 MB (each with a
variant removing every other package and overriding a third of the USE entries) it times validation
once and then the merge alone, with the indexed merger of engine/config/merge.py and, in the same
run, with the previous merger (a linear scan of the entries for every value), kept here only as the
reference. The previous one is run up to --old-limit packages (default 40k): it is quadratic, and a
10 MB list would take hours.
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from genpack_tui.engine.config.merge import _Merger
from genpack_tui.engine.config.provenance import Entry, Ignored, Override, Removal
from genpack_tui.engine.config.sourcemap import SourceMap
from genpack_tui.engine.config.validate import validate


class ScanningMerger(_Merger):
    """The merger before the indexes: every value scans the entries merged so far."""

    def finish(self) -> None:
        """The old merger had no indexes to drop when done."""

    def _append(self, fp: Any, value: Any, origin: Any, unique: bool) -> None:
        if unique and any(e.value == value for e in fp.entries):
            first = next(e for e in fp.entries if e.value == value)
            fp.ignored.append(Ignored(value, origin, f"already listed ({first.origin.path})"))
            return
        fp.entries.append(Entry(value, origin))

    def m_removal_list(self, name: str, items: Any, layer: str) -> None:
        fp = self.provenance(name)
        for path, value in items:
            origin = self.origin(layer, path)
            if value.startswith("-"):
                target = value[1:]
                hit = next((e for e in fp.entries if e.value == target), None)
                if hit is not None:
                    fp.entries.remove(hit)
                fp.removed.append(Removal(value, target, origin, hit))
            else:
                self._append(fp, value, origin, unique=True)

    def m_unique_list(self, name: str, items: Any, layer: str) -> None:
        fp = self.provenance(name)
        for path, value in items:
            self._append(fp, value, self.origin(layer, path), unique=True)

    def _replace_or_append(self, name: str, fp: Any, key: str, value: Any, origin: Any) -> None:
        for index, existing in enumerate(fp.entries):
            if existing.key == key:
                fp.entries[index] = Entry(value, origin, key,
                                          existing.overrides + [Override(existing.value, existing.origin)])
                return
        fp.entries.append(Entry(value, origin, key))


def generated(packages: int) -> dict[str, Any]:
    return {
        "packages": [f"app-misc/package{i}" for i in range(packages)],
        "use": {f"app-misc/package{i}": "flag -other" for i in range(0, packages, 10)},
        "variants": {"v": {
            "packages": [f"-app-misc/package{i}" for i in range(0, packages, 2)],
            "use": {f"app-misc/package{i}": "changed" for i in range(0, packages, 30)},
        }},
    }


def packages_for_bytes(size: int) -> int:
    per_entry = len('"app-misc/package100000", ')
    return size // per_entry


def merge_time(merger_class: type[_Merger], checked: Any) -> tuple[float, list[str]]:
    start = time.perf_counter()
    merger = merger_class(SourceMap(), None)
    for block in (checked.top, checked.variants["v"]):
        merger.apply(block)
    merger.finish()
    elapsed = time.perf_counter() - start
    return elapsed, [e.value for e in merger.fields["packages"].entries]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--old-limit", type=int, default=40_000)
    args = parser.parse_args()
    sizes = [("10k packages", 10_000), ("40k packages", 40_000), ("100k packages", 100_000),
             ("10 MB packages list", packages_for_bytes(10 * 1024 * 1024))]
    for label, count in sizes:
        data = generated(count)
        start = time.perf_counter()
        checked = validate(data)
        validation = time.perf_counter() - start
        if checked.problems:
            print(f"{label}: the generated configuration is invalid: {checked.problems[0]}")
            return 1
        new, new_packages = merge_time(_Merger, checked)
        line = (f"{label:>20} ({count:>7,} atoms): validate {validation:7.2f} s, "
                f"merge {new * 1000:8.1f} ms ({new / count * 1e6:.1f} µs per atom)")
        if count <= args.old_limit:
            old, old_packages = merge_time(ScanningMerger, checked)
            same = "same result" if old_packages == new_packages else "DIFFERENT RESULT"
            line += f", previous merge {old * 1000:9.1f} ms ({old / new:,.0f}x slower, {same})"
        else:
            line += ", previous merge not run (quadratic; above --old-limit)"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
