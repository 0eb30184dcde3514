"""Kill campaign (needs root and the offline test bed): SIGKILL a real headless build of the example
artifact at seeded points spread over the steps of lower, upper and pack, then check what it left and
build again. Prints one line per point (start, phase, step, event, kill moment, where it landed, what
was found, how long the teardown and the next build took) and totals. Asserts nothing.

    sudo .venv/bin/python -m benchmarks.kill_campaign [--seed N] [--per-phase N]

The points come from tests/engine/build/killed_build.py, which the suite uses for a smaller sample.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from genpack_tui.engine.testbed import MirrorServer, build_testbed
from tests.engine.build.killed_build import Campaign, choose_points
from tests.fixtures.build import Builder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--per-phase", type=int, default=10, help="points per phase (default 10: 30 in all)")
    options = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root")
    with MirrorServer(build_testbed()) as mirror, tempfile.TemporaryDirectory(prefix="kill-campaign-") as tmp:
        campaign = Campaign(Builder(mirror), Path(tmp))
        began = time.monotonic()
        campaign.prepare()
        print(f"reference builds (fresh, then forced): {time.monotonic() - began:.1f} s")
        points = choose_points(options.seed, options.per_phase, campaign.references)
        print(f"{len(points)} points, seed {options.seed}")
        print(f"{'#':>2} {'point':<42} {'kill at':>7}  {'landed':<32} {'settle':>6} {'next':>6}  found")
        results = []
        for i, point in enumerate(points):
            r = campaign.run_point(point, i)
            results.append(r)
            found = "; ".join(r.findings) or "nothing"
            stray = f" (strays after the kill, cleared by the next build: {', '.join(r.strays_after_kill)})" \
                if r.strays_after_kill else ""
            print(f"{i:>2} {str(point):<42} {r.killed_at:6.2f}s  {r.landed:<32} {r.settle:5.2f}s {r.recovery:5.1f}s"
                  f"  {found}{stray}", flush=True)
            campaign.discard(i)
        bad = [r for r in results if r.findings]
        print(f"points: {len(results)}; with leftovers: {len(bad)}; next build ok: "
              f"{sum(r.recovery_ok for r in results)}/{len(results)}; strays after the kill: "
              f"{sum(bool(r.strays_after_kill) for r in results)}")
        for phase in ("lower", "upper", "pack"):
            rs = [r for r in results if r.point.phase == phase]
            if rs:
                print(f"  {phase:<6} {len(rs):>2} points, {len({r.point.step for r in rs})} steps; settle median "
                      f"{statistics.median(r.settle for r in rs):.2f} s max {max(r.settle for r in rs):.2f} s; "
                      f"next build median {statistics.median(r.recovery for r in rs):.1f} s")


if __name__ == "__main__":
    main()
