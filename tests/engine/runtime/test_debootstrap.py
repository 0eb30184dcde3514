"""privileged.debootstrap: bad arguments are refused before anything runs; a failing debootstrap
names its command line and shows its last output lines. (A full, successful debootstrap is the
test bed's stage3 build, tests/testbed.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from genpack_tui.engine.runtime import privileged
from genpack_tui.engine.runtime.errors import PrivilegedOperationError

MIRROR = "http://127.0.0.1:9/debian"  # never contacted: every call here is refused first


def refused(call, message: str) -> PrivilegedOperationError:
    with pytest.raises(PrivilegedOperationError) as info:
        call()
    assert info.value.operation == "debootstrap"
    assert message in str(info.value)
    return info.value


def test_relative_target_is_refused() -> None:
    err = refused(lambda: privileged.debootstrap("root", "bookworm", MIRROR), "path must be absolute")
    assert err.path == "root"


def test_not_root_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(privileged.os, "geteuid", lambda: 1000)
    refused(lambda: privileged.debootstrap(tmp_path / "root", "bookworm", MIRROR), "needs root privileges")


@pytest.mark.root
def test_target_must_be_absent_or_empty(tmp_path: Path, runtime_host) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "etc").mkdir()
    (tmp_path / "a-file").write_text("x")
    for target in (tmp_path / "full", tmp_path / "a-file"):
        err = refused(lambda target=target: privileged.debootstrap(target, "bookworm", MIRROR),
                      "absent or an empty directory")
        assert err.path == str(target)
    assert (tmp_path / "full" / "etc").is_dir() and (tmp_path / "a-file").read_text() == "x"


@pytest.mark.root
@pytest.mark.parametrize(
    "suite, include, message",
    [
        ("--foreign", (), "invalid Debian suite name '--foreign'"),
        ("Bookworm", (), "invalid Debian suite name 'Bookworm'"),
        ("bookworm", ("python3", "a,b"), "invalid Debian package name 'a,b'"),
        ("bookworm", ("--unpack-tarball=/x",), "invalid Debian package name '--unpack-tarball=/x'"),
        ("bookworm", ("",), "invalid Debian package name ''"),
    ],
)
def test_suite_and_package_names_are_checked(
    tmp_path: Path, runtime_host, suite: str, include: tuple[str, ...], message: str
) -> None:
    refused(lambda: privileged.debootstrap(tmp_path / "root", suite, MIRROR, include), message)
    assert not (tmp_path / "root").exists()


@pytest.mark.root
@pytest.mark.parametrize("mirror", ["ftp://example/debian", "/srv/debian", "http://a b/debian", ""])
def test_mirror_must_be_a_url(tmp_path: Path, runtime_host, mirror: str) -> None:
    refused(lambda: privileged.debootstrap(tmp_path / "root", "bookworm", mirror), "mirror must be an http://")


@pytest.mark.root
def test_variant_from_a_fixed_set(tmp_path: Path, runtime_host) -> None:
    refused(
        lambda: privileged.debootstrap(tmp_path / "root", "bookworm", MIRROR, variant="--print-debs"),
        "variant '--print-debs' is not one of buildd, fakechroot, minbase",
    )


@pytest.mark.root
@pytest.mark.skipif(shutil.which("debootstrap") is None, reason="debootstrap is not installed")
def test_a_failing_debootstrap_reports_its_command_and_output(tmp_path: Path, runtime_host) -> None:
    """A real debootstrap against an empty local archive: it fails at once, without network."""
    archive = tmp_path / "empty-archive"
    archive.mkdir()
    seen: list[tuple[str, str]] = []
    err = refused(
        lambda: privileged.debootstrap(
            tmp_path / "root", "bookworm", f"file://{archive}", ("python3",), lambda t, s: seen.append((t, s))
        ),
        "failed with exit code",
    )
    assert f"debootstrap --variant=minbase --include=python3 bookworm {tmp_path / 'root'} file://{archive}" in str(err)
    assert seen, "debootstrap's output reaches on_line"
    assert seen[-1][0] in str(err)  # the last lines are in the message
