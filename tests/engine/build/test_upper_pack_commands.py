from pathlib import Path

import pytest

from genpack_tui.engine.build.pack_commands import mksquashfs_argv, superfloppy_argvs, superfloppy_size
from genpack_tui.engine.build.upper_commands import groupadd_argv, upper_env, useradd_argv


def test_useradd_option_order_matches_genpack():
    user = {"name": "alice", "uid": 1000, "comment": "Alice", "home": "/home/a", "initial_group": "users",
            "additional_groups": ["wheel", "video"], "shell": "/bin/bash", "create_home": True,
            "empty_password": True}
    assert useradd_argv(user) == ["useradd", "-u", "1000", "-c", "Alice", "-d", "/home/a", "-g", "users",
                                  "-G", "wheel,video", "-s", "/bin/bash", "-m", "-p", "", "alice"]
    assert useradd_argv({"name": "bob", "create_home": False, "additional_groups": "audio"}) == [
        "useradd", "-G", "audio", "bob"]
    assert useradd_argv({"name": "carol"}) == ["useradd", "-m", "carol"]


def test_groupadd():
    assert groupadd_argv({"name": "g", "gid": 1002}) == ["groupadd", "-g", "1002", "g"]
    assert groupadd_argv({"name": "g"}) == ["groupadd", "g"]


def test_upper_env_only_set_values():
    assert upper_env("hello", None, None) == {"ARTIFACT": "hello"}
    assert upper_env("hello", "paravirt", "quiet") == {"ARTIFACT": "hello", "PROFILE": "paravirt", "VARIANT": "quiet"}


@pytest.mark.parametrize("compression,opts", [
    ("gzip", ["-Xcompression-level", "1"]), ("xz", ["-comp", "xz", "-b", "1M"]),
    ("lzo", ["-comp", "lzo"]), ("none", ["-no-compression"])])
def test_mksquashfs_options_and_excludes(compression, opts):
    argv = mksquashfs_argv(Path("/u"), Path("/o.squashfs"), compression)
    assert argv == ["mksquashfs", "/u", "/o.squashfs", "-wildcards", "-noappend", "-no-exports", *opts,
                    "-e", "build", "build.d", "build.d/*", "var/log/*.log", "var/tmp/*"]


def test_unknown_compression_is_refused():
    with pytest.raises(ValueError, match="expected one of gzip, xz, lzo, none"):
        mksquashfs_argv(Path("/u"), Path("/o"), "zstd")


def test_superfloppy_size_and_commands():
    assert superfloppy_size(1) == 101 * 1024 * 1024
    assert superfloppy_size(1024 * 1024) == 101 * 1024 * 1024
    assert superfloppy_size(1024 * 1024 + 1) == 102 * 1024 * 1024
    argvs = superfloppy_argvs(Path("/x.img.tmp"), [Path("/l/bootx64.efi")], Path("/x.squashfs"))
    assert argvs[0] == ["mformat", "-i", "/x.img.tmp", "-F", "-h", "255", "-t", "4096", "-n", "32", "::"]
    assert ["mcopy", "-i", "/x.img.tmp", "/l/bootx64.efi", "::/EFI/BOOT/bootx64.efi"] in argvs
    assert argvs[-1] == ["mcopy", "-i", "/x.img.tmp", "/x.squashfs", "::/system.img"]
