"""Two machines (network namespaces, tests/fixtures/netns.py): A builds the example and serves its binary
package cache with ``binhost serve``; B, with an empty cache, builds the same artifact with ``--binhost``.

Each machine runs its own test-bed mirror on its loopback; B reaches A only over the veth pair.
"""
from __future__ import annotations

import sys

import pytest

from tests.fixtures.build import copy_example, squashfs_listing
from tests.fixtures.netns import (
    MachinePair,
    build_on,
    cli_env,
    completed_origins,
    fresh_cache,
    mirror_on_machine,
    read_until,
)

BINHOST_PORT = 8765
REFUSED = "app-misc/hello-1.0"
IMAGE = "hello-x86_64.squashfs"


@pytest.fixture(scope="module")
def machine_a(two_machines: MachinePair, tmp_path_factory, testbed_artifacts):
    """A: a cold build of the example in A's empty cache, then ``binhost serve`` on A's address."""
    a = two_machines.a
    with mirror_on_machine(a, cli_env()) as mirror:
        artifact = copy_example(tmp_path_factory.mktemp("machine-a"))
        run = build_on(a, mirror, artifact)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    serve = a.start([sys.executable, "-m", "genpack_tui", "-C", str(artifact), "binhost", "serve",
                     "--bind", a.address, "--port", str(BINHOST_PORT)], env=cli_env())
    started = read_until(serve, "Serving ", timeout=300)
    yield artifact, run, serve, started
    a.stop(serve)


@pytest.fixture(scope="module")
def mirror_b(two_machines: MachinePair):
    with mirror_on_machine(two_machines.b, cli_env()) as mirror:
        yield mirror


def test_the_machines_reach_only_each_other(two_machines):
    for machine in (two_machines.a, two_machines.b):
        routes = two_machines.routes(machine)
        assert not [r for r in routes if r.startswith("default")], routes
        outside = [r for r in routes if "10.213.7." not in r and " lo " not in f" {r} " and "dev lo" not in r]
        assert not outside, routes


def test_b_with_an_empty_cache_builds_everything_from_the_binhost(two_machines, machine_a, mirror_b, tmp_path):
    a_artifact, a_run, serve, started = machine_a
    assert f"http://{two_machines.a.address}:{BINHOST_PORT}/" in started[-1]
    assert set(completed_origins(a_run).values()) == {"source"}  # A was cold
    b = two_machines.b
    fresh_cache(b)
    artifact = copy_example(tmp_path)
    run = build_on(b, mirror_b, artifact, f"--binhost=http://{two_machines.a.address}:{BINHOST_PORT}/")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    origins = completed_origins(run)
    assert origins and [p for p, where in origins.items() if where == "source"] == []
    assert set(origins.values()) == {"binhost"}
    assert squashfs_listing(artifact / IMAGE) == squashfs_listing(a_artifact / IMAGE)
    # A listed B's requests as they came, B's address first
    requests = read_until(serve, "GET /app-misc/hello/", timeout=30)
    assert any(line.startswith(f"{b.address} GET /Packages") for line in requests), requests


def test_b_warns_and_builds_from_source_when_the_binhost_is_down(two_machines, machine_a, mirror_b, tmp_path):
    b = two_machines.b
    fresh_cache(b)
    artifact = copy_example(tmp_path)
    down = f"http://{two_machines.a.address}:{BINHOST_PORT + 1}/"  # nothing listens there
    run = build_on(b, mirror_b, artifact, f"--binhost={down}")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    warnings = [w["message"] for w in run.kinds("warning")]
    assert any(f"binhost {down} (--binhost) is not usable: {down}Packages is unreachable" in w
               and "building from the local cache and from source" in w for w in warnings), warnings
    assert set(completed_origins(run).values()) == {"source"}
    assert "warning: binhost" in run.stdout + run.stderr


def test_a_corrupted_binary_package_is_rebuilt_from_source(two_machines, machine_a, mirror_b, tmp_path):
    a_artifact = machine_a[0]
    b = two_machines.b
    package = two_machines.a.cache / "x86_64/binpkgs/app-misc/hello/hello-1.0-1.gpkg.tar"
    original = package.read_bytes()
    corrupted = bytearray(original)
    corrupted[len(corrupted) // 2] ^= 0xFF  # same size: only the digests tell
    package.write_bytes(bytes(corrupted))
    try:
        fresh_cache(b)
        artifact = copy_example(tmp_path)
        run = build_on(b, mirror_b, artifact, f"--binhost=http://{two_machines.a.address}:{BINHOST_PORT}/")
    finally:
        package.write_bytes(original)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    failures = run.kinds("emerge_failure")
    assert [f["package"] for f in failures] == [REFUSED]
    assert failures[0]["reason"].startswith("digest verification failed: Failed on ")
    warnings = [w["message"] for w in run.kinds("warning")]
    assert any(w.startswith(f"Portage refused the binary package of {REFUSED} (digest verification failed")
               and w.endswith("building it from source") for w in warnings), warnings
    origins = completed_origins(run)
    assert origins[REFUSED] == "source"
    assert {where for p, where in origins.items() if p != REFUSED} == {"binhost"}
    assert run.kinds("build_finished")[-1]["ok"] is True
    assert squashfs_listing(artifact / IMAGE) == squashfs_listing(a_artifact / IMAGE)
