"""Nothing of the host reaches an image through the artifact's trees (kernel/ overlay/ files/ ...).

A tree that is itself a symlink out of the artifact is refused with an error naming the link, before
anything is copied or hashed; links inside a tree are content: copied as links, never read through.
Planted for real: the links, a host directory with a secret, a real mounted lower image, and the real
CLI for the phases.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from genpack_tui.engine.build import portage_config
from genpack_tui.engine.build.artifact_trees import LOWER_TREES, has_tree
from genpack_tui.engine.build.fingerprint import digest_tree
from genpack_tui.engine.build.paths import WorkPaths
from genpack_tui.engine.build.plan import local_overlay_packages_without_manifest
from genpack_tui.engine.build.status import WILL_RERUN, phase_statuses
from genpack_tui.engine.config import resolve
from genpack_tui.engine.runtime.confined import UnsafePathError
from tests.engine.build.hostile import SECRET, artifact, build_context, host, image_contains, inside, lower_root  # noqa: F401 (fixtures)
from tests.fixtures.build import REPO, record_successful_build

pytestmark = pytest.mark.root


def link_message(artifact: Path, name: str, target: Path) -> str:
    return rf"{artifact}/{name} is a symbolic link \(to {target}\); genpack-tui copies {name}/ into the image"


@pytest.mark.parametrize("name", LOWER_TREES)
def test_a_lower_tree_linked_out_of_the_artifact_is_refused_naming_it(name, artifact, host, lower_root, build_context):
    (artifact / name).symlink_to(host.dir("kernel-keys"))
    before = host.snapshot()
    with pytest.raises(UnsafePathError, match=link_message(artifact, name, host.dir("kernel-keys"))):
        portage_config.sync_portage_dirs(build_context(), portage_config.lower_image(lower_root))
    assert host.snapshot() == before
    assert image_contains(lower_root, SECRET) == []


def test_the_fingerprint_refuses_files_linked_to_the_host_root(artifact):
    (artifact / "files").symlink_to("/")
    with pytest.raises(UnsafePathError, match=link_message(artifact, "files", Path("/"))):
        digest_tree(artifact / "files")
    statuses = phase_statuses(resolve(artifact, arch="x86_64"),
                              paths=WorkPaths(artifact, "x86_64", None, artifact / "cache"))
    assert [s.state for s in statuses] == [WILL_RERUN] * 3
    assert statuses[0].reason.startswith("build will refuse: ") and "files is a symbolic link" in statuses[0].reason


def test_a_plain_file_where_a_tree_is_expected_counts_as_absent(artifact):
    (artifact / "kernel").write_text("not a directory\n")
    assert has_tree(artifact, "kernel") is False and digest_tree(artifact / "kernel") == "absent"


def test_links_inside_kernel_are_copied_as_links_and_never_read(artifact, host, lower_root, build_context):
    (artifact / "kernel" / "config.d").mkdir(parents=True)
    (artifact / "kernel" / "config.d" / "key").symlink_to(host.secret)
    (artifact / "kernel" / "keys").symlink_to(host.dir("kernel-keys"))
    before = host.snapshot()
    portage_config.sync_kernel_dir(build_context(), portage_config.lower_image(lower_root))
    assert host.snapshot() == before
    etc_kernel = lower_root / "etc/kernel"
    assert os.readlink(etc_kernel / "config.d" / "key") == str(host.secret)
    assert os.readlink(etc_kernel / "keys") == str(host.dir("kernel-keys"))
    assert image_contains(lower_root, SECRET) == []
    assert sorted(json.loads((lower_root / portage_config.KERNEL_RECORD).read_text())) == ["config.d/key", "keys"]


def test_an_arch_overlay_that_is_a_link_is_refused(artifact, host, lower_root, build_context):
    (artifact / "kernel").mkdir()
    (artifact / "kernel" / "arch-x86_64").symlink_to(host.dir("kernel-keys"))
    with pytest.raises(UnsafePathError, match=link_message(artifact, "kernel/arch-x86_64", host.dir("kernel-keys"))):
        portage_config.sync_kernel_dir(build_context(), portage_config.lower_image(lower_root))
    assert image_contains(lower_root, SECRET) == []


def test_a_metadata_link_committed_in_overlay_never_writes_the_host(artifact, host, lower_root, build_context):
    """overlay/metadata -> /<host>/meta-dir: copied as a link; layout.conf then lands inside the image."""
    (artifact / "overlay" / "app-misc" / "x").mkdir(parents=True)
    (artifact / "overlay" / "app-misc" / "x" / "x-1.ebuild").write_text("EAPI=8\n")
    (artifact / "overlay" / "metadata").symlink_to(host.dir("meta-dir"))
    before = host.snapshot()
    portage_config.sync_local_overlay(build_context(), portage_config.lower_image(lower_root))
    assert host.snapshot() == before
    repo = lower_root / portage_config.LOCAL_OVERLAY
    assert os.readlink(repo / "metadata") == str(host.dir("meta-dir"))
    assert (inside(lower_root, host.dir("meta-dir")) / "layout.conf").read_text() == "masters = gentoo\n"
    assert (repo / "profiles" / "repo_name").read_text() == "genpack-local-overlay\n"
    assert (lower_root / "etc/portage/repos.conf/genpack-local-overlay.conf").is_file()
    assert local_overlay_packages_without_manifest(artifact) == [("app-misc/x", "x-1.ebuild")]


def test_portage_dirs_are_mirrored_and_removed(artifact, lower_root, build_context):
    (artifact / "patches" / "app-misc" / "hello").mkdir(parents=True)
    (artifact / "patches" / "app-misc" / "hello" / "fix.patch").write_text("--- a\n+++ b\n")
    (lower_root / "etc/portage/patches/old").mkdir(parents=True)
    (lower_root / "etc/portage/env").mkdir()
    ctx = build_context()
    portage_config.sync_portage_dirs(ctx, portage_config.lower_image(lower_root))
    assert (lower_root / "etc/portage/patches/app-misc/hello/fix.patch").read_text() == "--- a\n+++ b\n"
    assert not (lower_root / "etc/portage/patches/old").exists()
    assert not (lower_root / "etc/portage/env").exists()  # absent from the artifact: removed, as genpack


def _cli(artifact: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "genpack_tui", "--headless", "-C", str(artifact), *args],
                          capture_output=True, text=True, env=env, timeout=300)


def test_upper_refuses_files_linked_to_root_before_anything_is_made(artifact, tmp_path):
    """The real CLI: ``upper`` with ``files -> /`` stops at once, naming the link; no upper image."""
    resolution = resolve(artifact, arch="x86_64")
    paths = WorkPaths(artifact, "x86_64", resolution.variant, tmp_path / "cache")
    paths.arch_dir.mkdir(parents=True)
    paths.lower_image.write_bytes(b"")  # a lower image and its stamp: upper would go ahead
    record_successful_build(resolution, paths)
    (artifact / "files").symlink_to("/")
    run = _cli(artifact, "--arch=x86_64", "upper")
    assert run.returncode != 0
    assert f"{artifact}/files is a symbolic link (to /)" in run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert not paths.upper_image.exists()


def test_lower_refuses_a_linked_kernel_before_fetching_anything(artifact, host):
    (artifact / "kernel").symlink_to(host.dir("kernel-keys"))
    run = _cli(artifact, "--arch=x86_64", "--mirror=http://127.0.0.1:9/", "lower")
    assert run.returncode != 0
    assert f"{artifact}/kernel is a symbolic link (to {host.dir('kernel-keys')})" in run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    work = artifact / "work"  # the runner's lock and the failed build's history record live there; nothing else
    assert not work.exists() or sorted(p.name for p in work.iterdir()) in ([".lock"], [".lock", "history"])
    assert not list(work.glob("*/*.img"))
