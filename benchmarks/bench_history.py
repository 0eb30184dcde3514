"""Build-history benchmark. Prints figures; asserts nothing.

- recording overhead on a no-change build of the example (test bed, needs root): builds alternated
  with ``--history-limit 0`` (nothing recorded) and the default, medians and their ratio;
- recording cost on a cold build: reading the built example's image composition (the mounted upper
  layer and lower package database, as the pack phase does) and writing its record, timed directly,
  plus a cold build with and without recording;
- a generated 100 000-file image: ``read_composition`` of such a tree on disk (hashes included), the
  size of its record, and ``report`` on its history, in the process and as a command.

    sudo .venv/bin/python -m benchmarks.bench_history [--skip-builds]
"""
from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from genpack_tui.commands.report import run_report
from genpack_tui.engine.build.pack_commands import EXCLUDES
from genpack_tui.engine.history.model import BuildRecord, FileEntry, ImageComposition, PackageInImage
from genpack_tui.engine.history.record_composition import read_composition
from genpack_tui.engine.history.store import previous_image, write_record
from genpack_tui.engine.runtime.confined import ConfinedDir
from genpack_tui.engine.runtime.mounts import mounted_image

REPO = Path(__file__).resolve().parents[1]
FILES = 100_000


def build(mirror, artifact: Path, *args: str) -> float:
    argv = [sys.executable, "-m", "genpack_tui", "--headless", "-C", str(artifact), f"--mirror={mirror.mirror_url}",
            f"--overlay-url={mirror.overlay_url}", f"--keyring={mirror.keyring}", *args]
    started = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"build failed:\n{proc.stderr[-3000:]}")
    return time.monotonic() - started


def bench_builds(rounds: int) -> None:
    from genpack_tui.engine.testbed import MirrorServer, build_testbed

    with MirrorServer(build_testbed()) as mirror, tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        times: dict[str, list[float]] = {"off": [], "on": []}
        for label, limit in (("off", "0"), ("on", "20")):
            artifact = Path(tmp) / f"cold-{label}" / "hello"
            shutil.copytree(REPO / "examples" / "hello", artifact)
            times[f"cold-{label}"] = [build(mirror, artifact, "--history-limit", limit, "build")]
        artifact = Path(tmp) / "cold-on" / "hello"
        for n in range(rounds):  # alternated, and the order swapped every round, so drift counts for neither
            order = (("off", "0"), ("on", "20")) if n % 2 == 0 else (("on", "20"), ("off", "0"))
            for label, limit in order:
                times[label].append(build(mirror, artifact, "--history-limit", limit, "build"))
        off, on = statistics.median(times["off"]), statistics.median(times["on"])
        print(f"no-change build, nothing recorded   median {off:6.2f} s of {rounds}: "
              + " ".join(f"{t:.2f}" for t in times["off"]))
        print(f"no-change build, recorded           median {on:6.2f} s of {rounds}: "
              + " ".join(f"{t:.2f}" for t in times["on"]))
        print(f"  recording adds {100 * (on - off) / off:+.1f} % to a no-change build")
        cold_off, cold_on = times["cold-off"][0], times["cold-on"][0]
        print(f"cold build: {cold_off:.2f} s without recording, {cold_on:.2f} s with ({cold_on - cold_off:+.2f} s; "
              "one build each, binary packages cached)")
        work = artifact / "work/x86_64"
        with mounted_image(work / "upper.img", readonly=True) as upper, \
                mounted_image(work / "lower.img", readonly=True) as lower:
            started = time.perf_counter()
            with ConfinedDir(upper) as up, up.subdir("upper") as tree, ConfinedDir(lower, links="in_root") as db:
                image = read_composition(tree, db, excludes=EXCLUDES, squashfs_size=1)
            read = time.perf_counter() - started
        record = BuildRecord(id="20261202T000000.000000Z", artifact="hello", variant=None, arch="x86_64",
                             action="build", started=0.0, finished=1.0, ok=True, image=image)
        scratch = Path(tmp) / "scratch"
        scratch.mkdir()
        started = time.perf_counter()
        write_record(scratch, record, 20)
        written = time.perf_counter() - started
        started = time.perf_counter()
        previous_image(scratch, "x86_64", None, artifact / "hello-x86_64.squashfs", print)
        looked_up = time.perf_counter() - started
        print(f"the example's composition ({image.file_count} files, {len(image.packages)} packages): "
              f"read {read * 1000:.1f} ms, record written (fsynced) {written * 1000:.1f} ms, the last image "
              f"looked up (what a no-change build reads) {looked_up * 1000:.1f} ms")


def make_tree(root: Path, count: int) -> None:
    rng = random.Random(13)
    directories = [root / f"usr/share/d{i // 100:03d}/s{i % 100:02d}" for i in range(count // 100)]
    for directory in directories:
        directory.mkdir(parents=True)
    for i in range(count):
        (directories[i % len(directories)] / f"file{i:06d}.dat").write_bytes(rng.randbytes(rng.randint(0, 2048)))


def generated_record(count: int) -> BuildRecord:
    rng = random.Random(7)
    files = tuple(FileEntry(f"/usr/share/d{i % 1000:03d}/s{i % 97:02d}/file{i:06d}.dat", rng.randint(0, 1 << 20),
                            0o100644, 0, 0, f"{rng.getrandbits(256):064x}") for i in range(count))
    files = tuple(sorted(files, key=lambda f: f.path))
    packages = tuple(PackageInImage(f"cat-{p % 20}/pkg{p}-1.{p}", f"1.{p}", ("extra",) if p % 3 else (),
                                    sum(files[i].size for i in range(p, count, 500)), tuple(range(p, count, 500)))
                     for p in range(499))
    unowned = tuple(range(499, count, 500))
    directories: dict[str, int] = {"/": sum(f.size for f in files)}
    for f in files:
        parent = f.path.rsplit("/", 1)[0]
        while parent:
            directories[parent] = directories.get(parent, 0) + f.size
            parent = parent.rsplit("/", 1)[0]
    image = ImageComposition(count, directories["/"], directories["/"] // 2, files, packages, unowned, directories)
    return BuildRecord(id="20261202T000000.000000Z", artifact="big", variant=None, arch="x86_64", action="build",
                       started=0.0, finished=600.0, ok=True, image=image)


def bench_large() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        tree = Path(tmp) / "tree"
        started = time.perf_counter()
        make_tree(tree, FILES)
        print(f"generated a {FILES}-file tree in {time.perf_counter() - started:.1f} s")
        os.sync()
        started = time.perf_counter()
        with ConfinedDir(tree) as root:
            image = read_composition(root, None, excludes=EXCLUDES)
        print(f"read_composition of {image.file_count} files ({image.byte_size / 1e6:.0f} MB, all hashed): "
              f"{time.perf_counter() - started:.2f} s (page cache warm)")
        started = time.perf_counter()
        with ConfinedDir(tree) as root:
            read_composition(root, None, excludes=EXCLUDES, known=image)
        print(f"read_composition again, hashes of unchanged files reused: {time.perf_counter() - started:.2f} s")
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

        artifact = Path(tmp) / "big"
        artifact.mkdir()
        (artifact / "genpack.json5").write_text('{ name: "big", packages: [] }\n')
        record = generated_record(FILES)
        started = time.perf_counter()
        path = write_record(artifact, record, 20)
        print(f"record of a {FILES}-file image: {path.stat().st_size / 1e6:.1f} MB gzip, written in "
              f"{time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        rc = run_report(artifact, None, "x86_64", False, 10, io.StringIO(), io.StringIO())
        print(f"report on it, in the process: {time.perf_counter() - started:.2f} s (exit {rc})")
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "genpack_tui", "-C", str(artifact), "--arch", "x86_64", "report"],
                              capture_output=True, text=True, cwd=REPO)
        print(f"genpack-tui report on it, as a command: {time.perf_counter() - started:.2f} s (exit {proc.returncode}, "
              "interpreter start included)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-builds", action="store_true", help="only the generated 100k-file figures")
    parser.add_argument("--rounds", type=int, default=6, help="no-change builds per setting (default 6)")
    args = parser.parse_args()
    bench_large()
    if not args.skip_builds:
        if os.geteuid() != 0:
            sys.exit("the build figures need root (or --skip-builds)")
        bench_builds(args.rounds)


if __name__ == "__main__":
    main()
