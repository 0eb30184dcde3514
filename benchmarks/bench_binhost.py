"""Binhost and distcc benchmark: two machines in network namespaces on this host (needs root).
Prints figures; asserts nothing.

- machine A: a cold build (empty cache), then ``binhost serve``;
- machine B, empty cache: the same artifact with ``--binhost`` (A's), and the ratio to A's cold build;
- the packages built from source on each (from the events);
- machine B, empty cache, no binhost: a build without and with ``--distcc`` (distccd on A), and the
  compile jobs distccd took (from its log). Both machines share this host's cores, so the point is
  that it works; the figure says what it costs here.

    sudo .venv/bin/python -m benchmarks.bench_binhost [--artifact DIR]

The default artifact is the test bed's compiled one (tests/data/artifacts/compiled) when it exists,
else the example.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from tests.fixtures.netns import Machine, cli_env, fresh_cache, make_pair, mirror_on_machine, read_until

REPO = Path(__file__).resolve().parents[1]
COMPILED = REPO / "tests" / "data" / "artifacts" / "compiled"
EXAMPLE = REPO / "examples" / "hello"
PORT = 8765
DISTCC_PORT = 3632


def build(machine: Machine, mirror: list[str], source: Path, workdir: Path, name: str,
          *args: str) -> tuple[float, list[dict]]:
    """A fresh copy of ``source`` built on ``machine`` with an empty cache: seconds, events."""
    fresh_cache(machine)
    artifact = workdir / name / source.name
    shutil.copytree(source, artifact, symlinks=True)
    events = workdir / name / "events.jsonl"
    argv = [sys.executable, "-m", "genpack_tui", "--headless", "-C", str(artifact), *mirror,
            "--events", str(events), *args, "build"]
    started = time.monotonic()
    proc = machine.run(argv, timeout=3600, env=cli_env())
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"{name}: build failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return elapsed, [json.loads(line) for line in events.read_text().splitlines()]


def origins(events: list[dict]) -> str:
    done = {e["package"]: e.get("origin", "") for e in events
            if e["kind"] == "emerge_progress" and e["stage"] == "completed"}
    counts = {where: sum(1 for w in done.values() if w == where) for where in ("source", "cache", "binhost")}
    return f"{counts['source']} from source, {counts['cache']} from the local cache, {counts['binhost']} from the binhost"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artifact", type=Path, default=COMPILED if COMPILED.is_dir() else EXAMPLE)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root")
    if shutil.which("distccd") is None:
        sys.exit("distccd is missing (Debian's distcc; scripts/setup.sh installs it)")
    with tempfile.TemporaryDirectory(prefix="bench-binhost-") as tmp:
        workdir = Path(tmp)
        pair = make_pair(workdir, f"{os.getpid() % 100000}")
        try:
            a, b = pair.a, pair.b
            with mirror_on_machine(a, cli_env()) as mirror_a, mirror_on_machine(b, cli_env()) as mirror_b:
                cold, cold_events = build(a, mirror_a, args.artifact, workdir, "a-cold")
                artifact_a = workdir / "a-cold" / args.artifact.name
                serve = a.start([sys.executable, "-m", "genpack_tui", "-C", str(artifact_a), "binhost", "serve",
                                 "--bind", a.address, "--port", str(PORT)], env=cli_env())
                read_until(serve, "Serving ", timeout=600)
                second, second_events = build(b, mirror_b, args.artifact, workdir, "b-binhost",
                                              f"--binhost=http://{a.address}:{PORT}/")
                a.stop(serve)

                plain, plain_events = build(b, mirror_b, args.artifact, workdir, "b-plain")
                log = workdir / "distccd.log"  # written by distccd as nobody
                workdir.chmod(0o755)
                log.touch(mode=0o666)
                log.chmod(0o666)
                distccd = a.start(["distccd", "--no-detach", "--daemon", "--listen", a.address, "--port",
                                   str(DISTCC_PORT), "--allow", f"{b.address}/32", "--log-file", str(log),
                                   "--log-level", "info", "--jobs", "2", "--user", "nobody"])
                time.sleep(1)  # distccd has no readiness line; the build's first compile is seconds away
                with_distcc, distcc_events = build(b, mirror_b, args.artifact, workdir, "b-distcc",
                                                   f"--distcc={a.address}:{DISTCC_PORT}/2")
                a.stop(distccd)
                jobs = log.read_text().count("COMPILE_OK") if log.exists() else 0
        finally:
            pair.remove()
    print(f"artifact: {args.artifact.relative_to(REPO) if args.artifact.is_relative_to(REPO) else args.artifact}")
    print(f"A cold build                  {cold:8.1f} s   ({origins(cold_events)})")
    print(f"B build with A's binhost      {second:8.1f} s   ratio to cold {second / cold:.3f}   "
          f"({origins(second_events)})")
    print(f"B build, no binhost, local    {plain:8.1f} s   ({origins(plain_events)})")
    print(f"B build, no binhost, distcc   {with_distcc:8.1f} s   ratio to local {with_distcc / plain:.3f}   "
          f"(distccd on A compiled {jobs} jobs; {origins(distcc_events)})")


if __name__ == "__main__":
    main()
