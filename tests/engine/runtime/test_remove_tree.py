"""mounts.remove_tree_detaching_mounts: a tree with mounts inside is deleted without deleting
through them (what an interrupted debootstrap leaves: /proc, /sys mounted in its target)."""

from __future__ import annotations

from pathlib import Path

import pytest

from genpack_tui.engine.runtime import mounts, privileged

pytestmark = pytest.mark.root


def test_mounts_are_detached_before_the_tree_is_deleted(tmp_path: Path, runtime_host) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious").write_text("keep me\n")
    work = tmp_path / "work"
    (work / "root/proc").mkdir(parents=True)
    privileged.bind_mount(outside, work / "root/proc")
    privileged.bind_mount(outside, work / "root/proc")  # stacked twice, as a repeated mount would be
    (outside / "sub").mkdir()
    privileged.bind_mount(outside, work / "root/proc/sub")  # and one nested inside it
    assert sorted(privileged.mountpoints_under(str(work))) == [str(work / "root/proc")] * 2 + [
        str(work / "root/proc/sub")
    ]
    mounts.remove_tree_detaching_mounts(work)
    assert not work.exists()
    assert (outside / "precious").read_text() == "keep me\n"
    assert privileged.mountpoints_under(str(tmp_path)) == []


def test_a_missing_tree_is_nothing_to_do(tmp_path: Path) -> None:
    mounts.remove_tree_detaching_mounts(tmp_path / "absent")
    assert tmp_path.exists()
