"""The lower phase's check that distcc is installed, run by real systemd-nspawn in a busybox root with
and without a distcc program and masquerade directory (a real Gentoo lower lacks both unless
sys-devel/distcc is installed; the test bed's has Debian's, tests/engine/build/test_binhost_distcc.py)."""
from __future__ import annotations

import shutil
from pathlib import Path

from genpack_tui.engine.build.distcc import MASQUERADE_CHECK
from genpack_tui.engine.runtime import privileged
from genpack_tui.engine.runtime.nspawn import NspawnSpec


def check(root: Path, runtime_host) -> int:
    lines: list[str] = []
    return privileged.run_nspawn(NspawnSpec(root=root, command=["sh", "-c", MASQUERADE_CHECK]),
                                 lambda text, _stream: lines.append(text), host=runtime_host)


def test_a_root_without_distcc_fails_the_check(busybox_root, runtime_host):
    assert check(busybox_root, runtime_host) == 1


def test_distcc_and_its_masquerade_directory_pass_it(busybox_root, runtime_host, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(busybox_root, root, symlinks=True)
    (root / "usr/bin/distcc").write_text("#!/bin/sh\nexit 0\n")
    (root / "usr/bin/distcc").chmod(0o755)
    assert check(root, runtime_host) == 1  # the program alone: Portage would find no masquerade directory
    (root / "usr/lib/distcc").mkdir(parents=True)
    (root / "usr/lib/distcc/gcc").symlink_to("../../bin/distcc")
    assert check(root, runtime_host) == 0
