"""build_testbed()'s cache: keyed by the recipe hash, reused, never fed by an interrupted build."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from engine.testbed import TestbedArtifacts, build_testbed, recipe
from engine.testbed.stage3 import find_cached_stage3

REPO = Path(__file__).resolve().parents[2]


def test_recipe_hash_follows_the_inputs(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "a").mkdir(parents=True)
    (tree / "a/file").write_text("one\n")
    first = recipe.digest_tree(tree)
    assert recipe.digest_tree(tree) == first
    (tree / "a/file").write_text("two\n")
    second = recipe.digest_tree(tree)
    assert second != first
    (tree / "a/file").chmod(0o755)
    assert recipe.digest_tree(tree) != second
    assert len(recipe.recipe_hash()) == 16 and recipe.stage3_hash() != recipe.trees_hash()


def test_reuse_is_quick_and_stable(testbed_artifacts: TestbedArtifacts) -> None:
    start = time.monotonic()
    again = build_testbed()
    print(f"\nreusing the cached test bed: {time.monotonic() - start:.2f} s")
    assert again == testbed_artifacts
    assert again.recipe_hash == recipe.recipe_hash()
    assert again.directory.name == again.recipe_hash
    assert set(again.timings) >= {"debootstrap", "portage install"}


def test_interrupted_build_is_never_reused(testbed_artifacts: TestbedArtifacts, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    leftover = cache / "stage3" / f".tmp-{recipe.stage3_hash()}-99999"
    leftover.mkdir(parents=True)
    os.link(testbed_artifacts.stage3, leftover / testbed_artifacts.stage3.name)
    assert find_cached_stage3(cache) is None
    # a completed build (renamed into place) is found and used; the leftover is cleaned up
    done = cache / "stage3" / recipe.stage3_hash()
    done.mkdir()
    os.link(testbed_artifacts.stage3, done / testbed_artifacts.stage3.name)
    artifacts = build_testbed(cache)
    assert artifacts.stage3 == done / testbed_artifacts.stage3.name
    assert not leftover.exists()
    assert artifacts.portage_snapshot.read_bytes() == testbed_artifacts.portage_snapshot.read_bytes()
    assert artifacts.overlay_tarball.read_bytes() == testbed_artifacts.overlay_tarball.read_bytes()


def test_serve_testbed_prints_urls_and_stops_on_ctrl_c(testbed_artifacts: TestbedArtifacts) -> None:
    code = "from engine.testbed import serve_testbed; serve_testbed()"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        mirror = proc.stdout.readline().strip()
        overlay = proc.stdout.readline().strip()
        assert mirror.startswith("--mirror=http://127.0.0.1:") and mirror.endswith("/")
        assert overlay.startswith("--overlay-url=" + mirror.removeprefix("--mirror="))
        mirror_url = mirror.removeprefix("--mirror=")
        latest = httpx.get(mirror_url + "releases/amd64/autobuilds/latest-stage3-amd64-systemd.txt")
        assert testbed_artifacts.stage3.name in latest.text
        got = httpx.get(overlay.removeprefix("--overlay-url="))
        assert got.content == testbed_artifacts.overlay_tarball.read_bytes()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
