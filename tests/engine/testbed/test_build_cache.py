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

from genpack_tui.engine.testbed import TestbedArtifacts, build_testbed, recipe
from genpack_tui.engine.testbed.stage3 import find_cached_stage3

REPO = Path(__file__).resolve().parents[3]


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
    again = build_testbed(real_genpack_progs=testbed_artifacts.real_genpack_progs)
    print(f"\nreusing the cached test bed: {time.monotonic() - start:.2f} s")
    assert again == testbed_artifacts
    assert again.recipe_hash == recipe.recipe_hash(testbed_artifacts.real_genpack_progs)
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
    artifacts = build_testbed(cache, real_genpack_progs=testbed_artifacts.real_genpack_progs)
    assert artifacts.stage3 == done / testbed_artifacts.stage3.name
    assert artifacts.signing_key is not None and artifacts.signing_key.exists()
    assert not leftover.exists()
    assert artifacts.portage_snapshot.read_bytes() == testbed_artifacts.portage_snapshot.read_bytes()
    assert artifacts.overlay_tarball.read_bytes() == testbed_artifacts.overlay_tarball.read_bytes()


def test_serve_testbed_prints_urls_and_stops_on_ctrl_c(testbed_artifacts: TestbedArtifacts) -> None:
    progs = testbed_artifacts.real_genpack_progs
    code = ("from pathlib import Path; from genpack_tui.engine.testbed import serve_testbed; "
            f"serve_testbed(real_genpack_progs={str(progs) if progs else None!r} and Path({str(progs)!r}))")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        mirror = proc.stdout.readline().strip()
        overlay = proc.stdout.readline().strip()
        keyring = proc.stdout.readline().strip()
        assert keyring == f"--keyring={testbed_artifacts.keyring}" and testbed_artifacts.keyring.is_file()
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


def test_stage3_content_is_what_genpack_expects(testbed_artifacts: TestbedArtifacts) -> None:
    listing = subprocess.run(["tar", "tvJf", str(testbed_artifacts.stage3)], capture_output=True, text=True,
                             check=True).stdout.splitlines()
    names = {line.split()[5].removeprefix("./").rstrip("/"): line for line in listing}
    for required in ("opt/portage/bin/emerge", "usr/bin/emerge", "usr/bin/ebuild", "usr/bin/python",
                     "usr/bin/systemctl", "usr/sbin/useradd", "usr/bin/mksquashfs", "usr/bin/mformat",
                     "usr/bin/rsync", "usr/bin/patch", "usr/bin/make", "etc/portage/make.conf",
                     "etc/portage/repos.conf/gentoo.conf", "var/cache/distfiles", "var/lib/portage/world"):
        assert required in names, required
    assert names["usr/bin/gtar"].startswith("l") and names["share"].startswith("l")
    assert "-> ../../var/db/repos/gentoo/profiles/default/linux/amd64/23.0/systemd" in names["etc/portage/make.profile"]
    assert not [n for n in names if n.startswith(("var/db/repos/gentoo/", "var/db/repos/genpack-overlay"))]
    assert not [n for n in names if n.startswith("etc/portage/package.") or n.startswith("etc/portage/sets")]
    assert not [n for n in names if n.startswith("usr/share/doc/") or n.startswith("var/lib/apt/lists/")]
    assert "250/250" in names["var/cache/distfiles"]  # chowned to portage, as genpack's lower expects


def test_restamped_stage3_is_a_new_release_of_the_same_root(testbed_artifacts: TestbedArtifacts) -> None:
    again = testbed_artifacts.restamped_stage3("20991231T235959Z")
    assert again.name == "stage3-amd64-systemd-20991231T235959Z.tar.xz"
    assert again.stat().st_size == testbed_artifacts.stage3.stat().st_size
    with pytest.raises(ValueError, match="timestamp"):
        testbed_artifacts.restamped_stage3("yesterday")


def test_entries_of_other_recipes_are_pruned_once_unused_for_a_while(tmp_path: Path) -> None:
    from genpack_tui.engine.testbed.build import prune_unused_entries

    def entry(*parts: str, age_days: float) -> Path:
        path = tmp_path.joinpath(*parts)
        path.mkdir(parents=True)
        (path / "stage3-amd64-systemd-x.tar.xz").write_bytes(b"x")
        stamp = time.time() - age_days * 86400
        os.utime(path, (stamp, stamp))
        return path

    current_stage3 = entry("stage3", "aaaaaaaaaaaaaaaa", age_days=30)
    current_trees = entry("bbbbbbbbbbbbbbbb", age_days=30)
    old_stage3 = entry("stage3", "cccccccccccccccc", age_days=20)
    old_trees = entry("dddddddddddddddd", age_days=15)
    recent_other = entry("stage3", "eeeeeeeeeeeeeeee", age_days=2)  # another checkout's recipe, in use
    unrelated = entry("wheels", age_days=100)
    in_progress = entry("stage3", ".tmp-ffffffffffffffff-1", age_days=100)

    removed = prune_unused_entries(tmp_path, keep={current_stage3.name, current_trees.name})
    assert sorted(removed) == sorted([old_stage3, old_trees])
    assert not old_stage3.exists() and not old_trees.exists()
    for kept in (current_stage3, current_trees, recent_other, unrelated, in_progress):
        assert kept.is_dir(), kept


def test_build_testbed_touches_what_it_uses(testbed_artifacts: TestbedArtifacts) -> None:
    for used in (testbed_artifacts.stage3.parent, testbed_artifacts.directory):
        os.utime(used, (0, 0))
    again = build_testbed(real_genpack_progs=testbed_artifacts.real_genpack_progs)
    for used in (again.stage3.parent, again.directory):
        assert time.time() - used.stat().st_mtime < 60, used


def test_a_cache_made_before_signing_gets_a_key_once(testbed_artifacts: TestbedArtifacts, tmp_path: Path) -> None:
    """An old cache (stage3 and trees, no key) is upgraded in place: nothing is rebuilt, a key is made
    once and kept, and the test bed's mirror signs with it."""
    from genpack_tui.engine.testbed.build import SIGNING_KEY_DIR
    cache = tmp_path / "cache"
    done = cache / "stage3" / recipe.stage3_hash()
    done.mkdir(parents=True)
    os.link(testbed_artifacts.stage3, done / testbed_artifacts.stage3.name)
    trees = cache / recipe.recipe_hash(testbed_artifacts.real_genpack_progs)
    trees.mkdir()
    for tarball in (testbed_artifacts.portage_snapshot, testbed_artifacts.overlay_tarball):
        os.link(tarball, trees / tarball.name)
    assert not (cache / SIGNING_KEY_DIR).exists()
    first = build_testbed(cache, real_genpack_progs=testbed_artifacts.real_genpack_progs)
    assert first.keyring == cache / SIGNING_KEY_DIR / "keyring.gpg" and first.keyring.is_file()
    assert first.portage_snapshot.stat().st_ino == testbed_artifacts.portage_snapshot.stat().st_ino  # not rebuilt
    keys = first.keyring.read_bytes()
    assert build_testbed(cache, real_genpack_progs=testbed_artifacts.real_genpack_progs).keyring.read_bytes() == keys  # the same key next time
    assert not list(cache.glob(".tmp-*"))
