"""Host detection from (fake) /proc, /run and /dev trees, and the root requirement message."""

from __future__ import annotations

from pathlib import Path

import pytest

from genpack_tui.engine.runtime import host as host_module
from genpack_tui.engine.runtime.build_host import require_build_host
from genpack_tui.engine.runtime.errors import HostError
from genpack_tui.engine.runtime.host import detect_host, require_root


def fake_tree(
    tmp_path: Path, *, pid1: str, systemd_dir: bool, udev: bool, loop: bool, filesystems: str
) -> tuple[Path, Path, Path]:
    proc, run, dev = tmp_path / "proc", tmp_path / "run", tmp_path / "dev"
    (proc / "1").mkdir(parents=True)
    (proc / "1" / "comm").write_text(pid1 + "\n")
    (proc / "filesystems").write_text(filesystems)
    run.mkdir()
    dev.mkdir()
    if systemd_dir:
        (run / "systemd" / "system").mkdir(parents=True)
    if udev:
        (run / "udev").mkdir()
        (run / "udev" / "control").write_text("")
    if loop:
        (dev / "loop-control").write_text("")
    return proc, run, dev


ALL_FS = "nodev\tsysfs\n\text4\n\tsquashfs\nnodev\toverlay\n"


def test_container_like_host(tmp_path: Path) -> None:
    info = detect_host(
        *fake_tree(tmp_path, pid1="process_api", systemd_dir=False, udev=False, loop=True, filesystems=ALL_FS)
    )
    assert not info.systemd_pid1 and not info.udev and not info.can_use_image_option
    assert info.nspawn_registration_args == ["--register=no", "--keep-unit"]
    assert {"ext4", "squashfs", "overlay"} <= info.filesystems


def test_systemd_host(tmp_path: Path) -> None:
    info = detect_host(*fake_tree(tmp_path, pid1="systemd", systemd_dir=True, udev=True, loop=True, filesystems=ALL_FS))
    assert info.systemd_pid1 and info.udev and info.can_use_image_option
    assert info.nspawn_registration_args == []


def test_systemd_comm_without_run_dir_is_not_systemd(tmp_path: Path) -> None:
    info = detect_host(
        *fake_tree(tmp_path, pid1="systemd", systemd_dir=False, udev=True, loop=True, filesystems=ALL_FS)
    )
    assert not info.systemd_pid1


def test_problems_are_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    info = detect_host(
        *fake_tree(tmp_path, pid1="init", systemd_dir=False, udev=False, loop=False, filesystems="\text4\n")
    )
    problems = info.build_problems()
    assert "no loop device support (/dev/loop-control missing)" in problems
    assert not any("filesystem" in p for p in problems)  # tried by require_build_host, never refused from the list
    monkeypatch.setattr(host_module.os, "geteuid", lambda: 0)
    with pytest.raises(HostError, match=r"^This host cannot run 'build': .*loop-control missing"):
        require_build_host("build", info)


def test_require_root_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(host_module.os, "geteuid", lambda: 1000)
    with pytest.raises(HostError, match=r"^'lower' needs root privileges .* run it with sudo"):
        require_root("lower")


def test_this_host_is_detected() -> None:
    info = detect_host()
    assert info.machine and isinstance(info.filesystems, frozenset)
    if info.nspawn_path:
        assert info.nspawn_version is not None and info.nspawn_version > 200
