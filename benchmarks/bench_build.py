"""Build benchmark on the offline test bed (needs root). Prints figures; asserts nothing.

- cold build (fresh artifact dir; the shared binpkg cache is moved aside for the run), no-op build
  (upper and pack rerun, as genpack's), no-op build with --reuse-upper (every phase skipped) and
  services-edit build of the example artifact, with ratios against the cold build;
- systemd-nspawn starts per phase (from the events);
- pack time against a raw ``mksquashfs`` of the same upper tree with the same options;
- both pack paths: the overlay's genpack-create-image in the lower container (as genpack packs) and
  the host fallback (mksquashfs and mtools on the host, taken when the lower image has no
  genpack-create-image; moved aside in the image for that run).

    sudo .venv/bin/python -m benchmarks.bench_build [--pack-only]

``--pack-only`` skips the cold build (which moves the shared binary-package cache aside) and measures
the two pack paths on a build made with the cache as it is.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from genpack_tui.engine.build.pack_commands import mksquashfs_argv
from genpack_tui.engine.runtime.mounts import mounted_image
from genpack_tui.engine.runtime.ownership import invoking_user
from genpack_tui.engine.testbed import MirrorServer, build_testbed

REPO = Path(__file__).resolve().parents[1]
CREATE_IMAGE = "usr/bin/genpack-create-image"


def run(mirror: MirrorServer, artifact: Path, *args: str) -> tuple[float, list[dict]]:
    events = artifact.parent / "events.jsonl"
    argv = [sys.executable, "-m", "genpack_tui", "--headless", "-C", str(artifact), f"--mirror={mirror.mirror_url}",
            f"--overlay-url={mirror.overlay_url}", f"--keyring={mirror.keyring}", "--events", str(events), *args]
    started = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"build failed:\n{proc.stderr[-3000:]}")
    return elapsed, [json.loads(line) for line in events.read_text().splitlines()]


def containers(events: list[dict]) -> str:
    counts = {e["phase"]: e.get("containers", 0) for e in events if e["kind"] == "phase_finished"}
    return ", ".join(f"{phase} {n}" for phase, n in counts.items()) or "none"


def phase_time(events: list[dict], phase: str) -> float:
    return next(e["duration"] for e in events if e["kind"] == "phase_finished" and e["phase"] == phase)


def pack_paths(mirror: MirrorServer, artifact: Path, rounds: int = 3) -> None:
    """Time the pack phase both ways, ``rounds`` times each, on the same built artifact."""
    lower = artifact / "work/x86_64/lower.img"
    figures: dict[str, list[float]] = {"genpack-create-image in the lower container": [], "host mksquashfs": []}
    starts: dict[str, int] = {}
    for label, aside in (("genpack-create-image in the lower container", False), ("host mksquashfs", True)):
        if aside:
            with mounted_image(lower) as root:
                os.rename(root / CREATE_IMAGE, root / f"{CREATE_IMAGE}.bench-aside")
        try:
            for _ in range(rounds):
                _, events = run(mirror, artifact, "pack")
                figures[label].append(phase_time(events, "pack"))
                starts[label] = next(e.get("containers", 0) for e in events if e["kind"] == "phase_finished")
        finally:
            if aside:
                with mounted_image(lower) as root:
                    os.rename(root / f"{CREATE_IMAGE}.bench-aside", root / CREATE_IMAGE)
    for label, seconds in figures.items():
        print(f"pack via {label:45} median {sorted(seconds)[len(seconds) // 2]:6.2f} s   "
              f"(runs: {', '.join(f'{t:.2f}' for t in seconds)}; containers: {starts[label]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pack-only", action="store_true", help="only the two pack paths (no cold build)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root")
    artifacts = build_testbed()
    if args.pack_only:
        with MirrorServer(artifacts) as mirror, tempfile.TemporaryDirectory(prefix="bench-pack-") as tmp:
            artifact = Path(tmp) / "hello"
            shutil.copytree(REPO / "examples" / "hello", artifact)
            run(mirror, artifact, "build")
            pack_paths(mirror, artifact)
        return
    binpkgs = invoking_user().binpkgs_dir("x86_64")
    aside = binpkgs.with_name("binpkgs.bench-aside")
    with MirrorServer(artifacts) as mirror, tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        artifact = Path(tmp) / "hello"
        shutil.copytree(REPO / "examples" / "hello", artifact)
        if binpkgs.exists():
            binpkgs.rename(aside)
        try:
            cold, cold_events = run(mirror, artifact, "build")
        finally:
            if aside.exists():
                shutil.rmtree(binpkgs, ignore_errors=True)
                aside.rename(binpkgs)
        noop, noop_events = run(mirror, artifact, "build")
        reuse, reuse_events = run(mirror, artifact, "--reuse-upper", "build")
        config = artifact / "genpack.json5"
        config.write_text(config.read_text().replace('services: ["hello-greeter.service"]', "services: []"))
        edit, edit_events = run(mirror, artifact, "build")

        print(f"cold build           {cold:8.1f} s   (containers: {containers(cold_events)})")
        print(f"no-op build          {noop:8.1f} s   ratio to cold {noop / cold:.3f}   (containers: {containers(noop_events)})")
        print(f"no-op --reuse-upper  {reuse:8.1f} s   ratio to cold {reuse / cold:.3f}   "
              f"(containers: {containers(reuse_events)})")
        print(f"services-edit build  {edit:8.1f} s   ratio to cold {edit / cold:.3f}   (containers: {containers(edit_events)})")

        pack_seconds = phase_time(edit_events, "pack")
        with mounted_image(artifact / "work/x86_64/upper.img", readonly=True) as upper:
            out = Path(tmp) / "raw.squashfs"
            started = time.monotonic()
            subprocess.run(mksquashfs_argv(upper / "upper", out, "gzip") + ["-no-progress"], check=True,
                           capture_output=True)
            raw = time.monotonic() - started
        print(f"pack phase           {pack_seconds:8.2f} s   raw mksquashfs {raw:.2f} s   ratio {pack_seconds / raw:.2f}")
        pack_paths(mirror, artifact)


if __name__ == "__main__":
    main()
