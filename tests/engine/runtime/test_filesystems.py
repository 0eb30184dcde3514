"""Preflight never refuses a healthy host: a filesystem missing from /proc/filesystems (a module not
loaded yet) is tried with a real scratch mount; only the trial's failure refuses, with its error."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from genpack_tui.engine.runtime import build_host, privileged
from genpack_tui.engine.runtime.errors import HostError
from genpack_tui.engine.runtime.filesystems import BUILD_FILESYSTEMS, filesystem_problems, probe_mount
from genpack_tui.engine.runtime.host import HostInfo, detect_host

# a freshly booted Debian: ext4 and overlay are modules nobody has mounted yet; no squashfs either
FRESH_DEBIAN = "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\n\tvfat\n"


def fresh_host(tmp_path: Path) -> HostInfo:
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "filesystems").write_text(FRESH_DEBIAN)
    return detect_host(proc=proc)


def test_the_listing_is_read_from_the_given_proc(tmp_path: Path) -> None:
    host = fresh_host(tmp_path)
    assert host.filesystems == {"sysfs", "tmpfs", "proc", "vfat"}


def test_listed_filesystems_need_no_trial() -> None:
    def never(fs: str) -> str | None:
        raise AssertionError(f"{fs} was tried although listed")

    assert filesystem_problems({"ext4", "overlay"}, never) == []


def test_squashfs_is_not_required() -> None:
    assert filesystem_problems({"ext4", "overlay"}, lambda fs: "must not be asked") == []


@pytest.mark.root
def test_a_fresh_host_passes_when_the_trial_mounts_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real trial (a scratch ext4 image on a loop device, a scratch overlay), with the listing of
    a host that has loaded neither driver."""
    real = detect_host()
    if real.build_problems() or not set(BUILD_FILESYSTEMS) <= real.filesystems:
        pytest.skip("this host cannot build at all: " + "; ".join(real.build_problems() or ["no ext4/overlay"]))
    host = fresh_host(tmp_path)
    tried: list[str] = []

    def real_probe(fs: str) -> str | None:
        tried.append(fs)
        return probe_mount(fs)

    assert build_host.require_build_host("build", host, real_probe) is host
    assert tried == ["ext4", "overlay"]
    assert [m for m in privileged.mountpoints_under("/tmp") if "genpack-tui-probe-" in m] == []  # unmounted
    assert not list(Path("/tmp").glob("genpack-tui-probe-*"))


def test_a_failing_trial_refuses_naming_the_filesystem_and_the_error(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    host = dataclasses.replace(fresh_host(tmp_path), is_root=True, nspawn_path="/usr/bin/systemd-nspawn",
                               nspawn_version=252, loop_control=True)
    monkeypatch.setattr(build_host, "require_root", lambda action: None)
    errors = {"ext4": None, "overlay": "mount: unknown filesystem type 'overlay'"}
    with pytest.raises(HostError) as caught:
        build_host.require_build_host("build", host, errors.__getitem__)
    message = str(caught.value)
    assert message.startswith("This host cannot run 'build': the kernel cannot mount overlay: it is not in "
                              "/proc/filesystems")
    assert "a trial mount failed: mount: unknown filesystem type 'overlay'" in message
    assert "ext4" not in message and "squashfs" not in message


@pytest.mark.root
def test_the_trial_reports_the_real_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A trial that cannot mount gives the mount command's own message (here: overlayfs refuses an
    upper directory inside its lower one... made impossible by a lower that is a file)."""
    from genpack_tui.engine.runtime import filesystems

    def broken_overlay(scratch: Path) -> None:
        (scratch / "lower").write_text("not a directory\n")
        privileged.overlay_mount([scratch / "lower"], scratch / "lower", scratch / "lower", scratch / "lower")

    monkeypatch.setattr(filesystems, "_probe_overlay", broken_overlay)
    error = probe_mount("overlay")
    assert error is not None and "lower" in error


def test_only_build_filesystems_are_tried() -> None:
    with pytest.raises(ValueError, match="no trial mount for 'squashfs'"):
        probe_mount("squashfs")
