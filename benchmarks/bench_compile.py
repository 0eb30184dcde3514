"""The test bed's compiled packages (needs root). Prints figures; asserts nothing.

- dev-util/testbed-bigc's compile (``make``, -O2 -pipe as the profile sets) inside a test-bed root,
  single-threaded and with ``-j<cpu count>``;
- emerging the compiled artifact's packages (tbcalc, libtbmath, testbed-bigc and their
  dependencies) on a fresh root from source with ``-b`` (distfiles fetched from the test bed
  mirror through GENTOO_MIRRORS), then on another fresh root from those binary packages (``-k``),
  and their ratio. The binary package directory is the benchmark's own, never the shared cache.

    sudo .venv/bin/python -m benchmarks.bench_compile
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from genpack_tui.engine.testbed import MirrorServer, build_testbed
from genpack_tui.engine.testbed.compiled_packages import compiled_package
from genpack_tui.engine.testbed.distfiles import distfile_bytes
from tests.fixtures.testbed import EMERGE_WORLD, mounted_lower_root, nspawn_in, write_portage_config

PACKAGES = "app-misc/tbcalc\ndev-util/testbed-bigc\n"


def timed(root: Path, command: list[str], **spec: object) -> tuple[float, list[str]]:
    start = time.monotonic()
    rc, lines = nspawn_in(root, command, **spec)  # type: ignore[arg-type]
    elapsed = time.monotonic() - start
    if rc != 0:
        raise SystemExit(f"{' '.join(command)} failed ({rc}):\n" + "\n".join(lines[-40:]))
    return elapsed, lines


def bigc_make(artifacts, work: Path) -> None:
    bigc = compiled_package("dev-util/testbed-bigc")
    with mounted_lower_root(artifacts, work) as root:
        (root / "var/tmp/bigc.tar.gz").write_bytes(distfile_bytes(bigc))
        timed(root, ["tar", "-C", "/var/tmp", "-xzf", "/var/tmp/bigc.tar.gz"])
        src = f"/var/tmp/{bigc.p}"
        jobs = os.cpu_count() or 1
        for n in (1, jobs):
            timed(root, ["sh", "-c", f"rm -f {src}/src/*.o {src}/testbed-bigc"])
            # bash's times: the CPU the compile used, which other load on the machine barely changes
            elapsed, lines = timed(root, ["bash", "-c", f"make -s -C {src} -j{n} 'CFLAGS=-O2 -pipe' && times"])
            cpu = sum(_seconds(word) for word in lines[-1].split())  # children's user and system time
            print(f"testbed-bigc: make -j{n} (-O2 -pipe, {jobs} CPUs here): {elapsed:.1f} s wall, "
                  f"{cpu:.1f} s CPU (load average {os.getloadavg()[0]:.1f})")


def _seconds(word: str) -> float:
    """``1m2.500s`` (bash's times) in seconds."""
    minutes, _, rest = word.partition("m")
    return int(minutes) * 60 + float(rest.rstrip("s"))


def emerge_twice(artifacts, mirror: MirrorServer, work: Path) -> None:
    pkgdir = work / "binpkgs"
    pkgdir.mkdir()
    env = {"GENTOO_MIRRORS": mirror.mirror_url.rstrip("/")}
    figures = {}
    for label, flags in (("from source (-b)", ["-b"]), ("from binary packages (-k)", ["-k"])):
        scratch = work / label.split()[1]
        scratch.mkdir()
        with mounted_lower_root(artifacts, scratch) as root:
            write_portage_config(root, {"sets/genpack-runtime": PACKAGES, "sets/genpack-buildtime": ""})
            argv = [*EMERGE_WORLD[:3], *flags, *EMERGE_WORLD[4:]]  # EMERGE_WORLD has -bk at [3]
            elapsed, lines = timed(root, argv, setenv=env, binpkgs_dir=pkgdir)
            source = sum(1 for line in lines if line.startswith(">>> Emerging ("))
            binary = sum(1 for line in lines if line.startswith(">>> Emerging binary ("))
            figures[label] = elapsed
            print(f"emerge {label}: {elapsed:.1f} s ({source} from source, {binary} binary)")
    cold, warm = figures.values()
    print(f"binary packages / source: {warm / cold:.2f} ({cold / warm:.1f}x faster)")


def main() -> None:
    argparse.ArgumentParser(prog="python -m benchmarks.bench_compile", description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    artifacts = build_testbed()
    with MirrorServer(artifacts) as mirror, tempfile.TemporaryDirectory(prefix="bench-compile-") as tmp:
        work = Path(tmp)
        (work / "make").mkdir()
        bigc_make(artifacts, work / "make")
        emerge_twice(artifacts, mirror, work)
    print(f"host: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
