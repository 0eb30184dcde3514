"""genpack's cross-arch check against a fake binfmt_misc directory (the scan root is a parameter)."""

from __future__ import annotations

from pathlib import Path

import pytest

from genpack_tui.engine.runtime.binfmt import (
    check_cross_arch_executability,
    describe,
    is_emulated_build,
    parse_binfmt_entry,
)
from genpack_tui.engine.runtime.errors import HostError

AARCH64_MAGIC = "7f454c460201010000000000000000000200b700"
RISCV_MAGIC = "7f454c460201010000000000000000000200f300"
MASK = "ffffffffffffff00fffffffffffffffffeffffff"


def entry(
    magic: str,
    flags: str = "POCF",
    interpreter: str = "/usr/libexec/qemu-binfmt/aarch64-binfmt-P",
    enabled: bool = True,
) -> str:
    return (
        f"{'enabled' if enabled else 'disabled'}\ninterpreter {interpreter}\nflags: {flags}\n"
        f"offset 0\nmagic {magic}\nmask {MASK}\n"
    )


@pytest.fixture
def binfmt(tmp_path: Path) -> Path:
    (tmp_path / "register").write_text("")
    (tmp_path / "status").write_text("enabled\n")
    return tmp_path


def test_native_and_i686_on_x86_64_are_not_emulated(binfmt: Path) -> None:
    assert not is_emulated_build("x86_64", "x86_64")
    assert not is_emulated_build("i686", "x86_64")
    assert is_emulated_build("aarch64", "x86_64")
    assert check_cross_arch_executability("i686", "x86_64", binfmt) is None


def test_registration_with_fix_binary_flag_is_found(binfmt: Path) -> None:
    (binfmt / "qemu-riscv64").write_text(entry(RISCV_MAGIC, interpreter="/usr/bin/qemu-riscv64-static"))
    (binfmt / "qemu-aarch64").write_text(entry(AARCH64_MAGIC, flags="F"))
    found = check_cross_arch_executability("aarch64", "x86_64", binfmt)
    assert found is not None and found.name == "qemu-aarch64" and found.e_machine == 0xB7
    assert (
        describe("aarch64", found)
        == "aarch64 binaries will run via /usr/libexec/qemu-binfmt/aarch64-binfmt-P (binfmt flags: F)"
    )


def test_missing_registration_message(binfmt: Path) -> None:
    (binfmt / "qemu-riscv64").write_text(entry(RISCV_MAGIC))
    (binfmt / "qemu-aarch64").write_text(entry(AARCH64_MAGIC, enabled=False))
    with pytest.raises(HostError) as info:
        check_cross_arch_executability("aarch64", "x86_64", binfmt)
    assert str(info.value) == (
        "Cross building for aarch64 requires a binfmt_misc registration of static qemu-user. Install qemu with "
        "static user-mode emulation for aarch64 and register it with the 'F' (fix-binary) flag (e.g. via systemd-binfmt)."
    )


def test_registration_without_f_flag_message(binfmt: Path) -> None:
    (binfmt / "qemu-aarch64").write_text(entry(AARCH64_MAGIC, flags="PO"))
    with pytest.raises(
        HostError, match=r"registered without the 'F' \(fix-binary\) flag\. systemd-nspawn requires fix-binary"
    ):
        check_cross_arch_executability("aarch64", "x86_64", binfmt)


def test_missing_binfmt_directory_means_no_registration(tmp_path: Path) -> None:
    with pytest.raises(HostError, match="requires a binfmt_misc registration"):
        check_cross_arch_executability("riscv64", "x86_64", tmp_path / "not-mounted")


def test_unknown_arch_is_a_clear_error(binfmt: Path) -> None:
    with pytest.raises(HostError, match="Unknown target architecture 'sparc'"):
        check_cross_arch_executability("sparc", "x86_64", binfmt)


@pytest.mark.parametrize(
    "text",
    [
        "",  # empty file
        "disabled\nmagic " + AARCH64_MAGIC,
        "enabled\nmagic 4d5a",  # not ELF
        "enabled\nmagic 7f454c46",  # too short
        "enabled\nextension .exe",  # extension registration, no magic
        "enabled\nmagic 7f454c460201010000000000000000000200zz00",  # not hex
    ],
)
def test_unusable_entries_are_skipped(text: str) -> None:
    assert parse_binfmt_entry("x", text) is None
