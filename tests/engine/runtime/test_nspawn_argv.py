"""Golden systemd-nspawn command lines per host condition (pure argv building, no root needed)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from genpack_tui.engine.runtime.errors import PrivilegedOperationError
from genpack_tui.engine.runtime.host import HostInfo
from genpack_tui.engine.runtime.nspawn import NspawnSpec, escape_bind_path, nspawn_process_env

NO_SYSTEMD = HostInfo(
    is_root=True,
    systemd_pid1=False,
    udev=False,
    nspawn_path="/usr/bin/systemd-nspawn",
    nspawn_version=252,
    filesystems=frozenset({"ext4", "overlay", "squashfs"}),
    loop_control=True,
    machine="x86_64",
)
SYSTEMD_UDEV = dataclasses.replace(NO_SYSTEMD, systemd_pid1=True, udev=True, nspawn_version=257)


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    names = ["root", "art:ifact", "binpkgs", "download", "override", "extra", "upper"]
    made = {n: tmp_path / n for n in names}
    for p in made.values():
        p.mkdir()
    return made


def test_full_spec_without_systemd_pid1(dirs: dict[str, Path]) -> None:
    spec = NspawnSpec(
        root=dirs["root"],
        command=["emerge", "-uDN", "@world"],
        machine="genpack-42",
        artifact_dir=dirs["art:ifact"],
        binpkgs_dir=dirs["binpkgs"],
        download_dir=dirs["download"],
        overlay_override=dirs["override"],
        extra_dir=dirs["extra"],
        overlay_upper=dirs["upper"],
        env=[("VARIANT", "a"), ("ARTIFACT", "x"), ("VARIANT", "b")],
        console="pipe",
    )
    t = str(dirs["root"].parent)
    assert spec.argv(NO_SYSTEMD) == [
        "/usr/bin/systemd-nspawn",
        "-q",
        "--suppress-sync=true",
        "--as-pid2",
        "-M",
        "genpack-42",
        "--register=no",
        "--keep-unit",
        "-D",
        f"{t}/root",
        "--capability=CAP_MKNOD,CAP_SYS_ADMIN,CAP_NET_ADMIN",
        f"--bind={t}/art\\:ifact:/mnt/host",
        f"--bind={t}/binpkgs:/var/cache/binpkgs",
        f"--bind={t}/download:/var/cache/download",
        f"--bind-ro={t}/override:/var/db/repos/genpack-overlay",
        "--setenv=ARTIFACT=x",
        "--setenv=VARIANT=b",
        "--console=pipe",
        f"--overlay=+/:{t}/upper:/",
        f"--bind={t}/extra:/mnt/extra",
        "emerge",
        "-uDN",
        "@world",
    ]


def test_systemd_host_registers_and_may_use_image(tmp_path: Path) -> None:
    image = tmp_path / "lower.img"
    image.write_bytes(b"")
    spec = NspawnSpec(root=image, command=["true"], machine="genpack-1")
    assert spec.argv(SYSTEMD_UDEV) == [
        "/usr/bin/systemd-nspawn",
        "-q",
        "--suppress-sync=true",
        "--as-pid2",
        "-M",
        "genpack-1",
        f"--image={image}",
        "--capability=CAP_MKNOD,CAP_SYS_ADMIN,CAP_NET_ADMIN",
        "true",
    ]


def test_image_refused_without_udev(tmp_path: Path) -> None:
    image = tmp_path / "lower.img"
    image.write_bytes(b"")
    with pytest.raises(PrivilegedOperationError, match="--image= needs udev and systemd as PID 1"):
        NspawnSpec(root=image, command=["true"]).argv(NO_SYSTEMD)


def test_no_locale_or_other_variable_is_set_for_the_container(dirs: dict[str, Path]) -> None:
    """genpack sets only what a step asks for: a locale of ours would land in every package's
    environment.bz2 and binary package."""
    plain = NspawnSpec(root=dirs["root"], command=["true"]).argv(NO_SYSTEMD)
    assert [a for a in plain if a.startswith("--setenv")] == []
    argv = NspawnSpec(root=dirs["root"], command=["true"], env={"LC_ALL": "C"}).argv(NO_SYSTEMD)
    assert [a for a in argv if a.startswith("--setenv")] == ["--setenv=LC_ALL=C"]


def test_no_console_option_unless_asked(dirs: dict[str, Path]) -> None:
    argv = NspawnSpec(root=dirs["root"], command=["true"]).argv(NO_SYSTEMD)
    assert not [a for a in argv if a.startswith("--console")]


@pytest.mark.parametrize(("term", "expected"), [("xterm-ghostty", "xterm-256color"), ("xterm", None), (None, None)])
def test_term_fix_up_as_genpack(term: str | None, expected: str | None) -> None:
    environ = {"PATH": "/usr/bin", **({"TERM": term} if term else {})}
    env = nspawn_process_env(environ)
    if expected is None:
        assert env is None  # nspawn runs with our environment as it is
    else:
        assert env == {"PATH": "/usr/bin", "TERM": expected}


def test_machine_names_are_unique_per_spec(dirs: dict[str, Path]) -> None:
    a, b = NspawnSpec(root=dirs["root"], command=["true"]), NspawnSpec(root=dirs["root"], command=["true"])
    assert a.machine != b.machine and a.machine.startswith("genpack-")


def test_a_multi_line_script_is_one_command_argument(dirs: dict[str, Path]) -> None:
    script = "if true; then\n\techo a\nfi"
    argv = NspawnSpec(root=dirs["root"], command=["sh", "-c", script]).argv(NO_SYSTEMD)
    assert argv[-3:] == ["sh", "-c", script]


def test_escape_bind_path() -> None:
    assert escape_bind_path("/a:b\\c") == "/a\\:b\\\\c"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"command": []}, "no command given"),
        ({"command": ["--help"]}, "must not start with an option"),
        ({"command": ["echo", "a\0b"]}, "command argument contains a NUL character"),
        ({"console": "tty"}, "console mode 'tty' is not one of"),
        ({"volatile": "maybe"}, "volatile mode 'maybe'"),
        ({"env": {"BAD-KEY": "1"}}, "invalid environment variable name 'BAD-KEY'"),
        ({"env": {"K": "a\0b"}}, "NUL or newline"),
        ({"machine": "bad name"}, "invalid machine name"),
        ({"binpkgs_dir": Path("relative")}, "must be an absolute path"),
        ({"download_dir": Path("/nonexistent/dir")}, "not an existing directory"),
        ({"root": Path("/nonexistent/root")}, "neither a directory nor an image file"),
    ],
)
def test_invalid_specs_are_refused(dirs: dict[str, Path], change: dict, message: str) -> None:
    fields = {"root": dirs["root"], "command": ["true"], **change}
    with pytest.raises(PrivilegedOperationError, match=message) as info:
        NspawnSpec(**fields).argv(NO_SYSTEMD)
    assert str(info.value).startswith("systemd-nspawn")
