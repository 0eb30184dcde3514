"""The pack phase's commands (docs/genpack.md §7): mksquashfs and the EFI superfloppy.

genpack runs these inside the lower container through the overlay's genpack-create-image, and so does
genpack-tui when the lower image has it (engine/build/pack_phase.py); for an overlay without it, these
same commands run on the host against the mounted upper layer (runtime/privileged.py make_squashfs and
run_mtools). Options, excludes and sizes are genpack's.
"""
from __future__ import annotations

from pathlib import Path

from genpack_tui.engine.runtime.nspawn import EXTRA_DIR, HOST_DIR

COMPRESSION_OPTIONS = {
    "gzip": ["-Xcompression-level", "1"],
    "xz": ["-comp", "xz", "-b", "1M"],
    "lzo": ["-comp", "lzo"],
    "none": ["-no-compression"],
}
EXCLUDES = ["build", "build.d", "build.d/*", "var/log/*.log", "var/tmp/*"]
SUPERFLOPPY_MAX_SQUASHFS = 4 * 1024 ** 3
SUPERFLOPPY_HEADROOM = 100 * 1024 * 1024
MIB = 1024 * 1024
CREATE_IMAGE = "genpack-create-image"
CREATE_IMAGE_PATH = f"usr/bin/{CREATE_IMAGE}"
UPPER_IN_LOWER_CONTAINER = f"{EXTRA_DIR}/upper"  # the upper image is bound at /mnt/extra; its layer is upper/


def create_image_argv(outfile: str, compression: str) -> list[str]:
    """genpack's pack in the lower container: ``genpack-create-image <upper> /mnt/host/<name> --compression C``."""
    name = Path(outfile).name.removesuffix(".squashfs")
    return [CREATE_IMAGE, UPPER_IN_LOWER_CONTAINER, f"{HOST_DIR}/{name}", "--compression", compression]


def mksquashfs_options(compression: str) -> list[str]:
    """Everything after ``mksquashfs <upper> <output>``."""
    if compression not in COMPRESSION_OPTIONS:
        raise ValueError(f"unknown compression {compression!r}; expected one of {', '.join(COMPRESSION_OPTIONS)}")
    return ["-wildcards", "-noappend", "-no-exports", *COMPRESSION_OPTIONS[compression], "-e", *EXCLUDES]


def mksquashfs_argv(upper_root: Path, output: Path, compression: str) -> list[str]:
    return ["mksquashfs", str(upper_root), str(output), *mksquashfs_options(compression)]


def superfloppy_size(squashfs_size: int) -> int:
    """The squashfs plus 100 MiB, rounded up to a whole MiB."""
    return ((squashfs_size + SUPERFLOPPY_HEADROOM + MIB - 1) // MIB) * MIB


def superfloppy_argvs(image: Path, efi_loaders: list[Path], squashfs: Path) -> list[list[str]]:
    """mtools commands that format ``image`` (already truncated to size) and fill it."""
    i = str(image)
    argvs = [
        ["mformat", "-i", i, "-F", "-h", "255", "-t", "4096", "-n", "32", "::"],
        ["mmd", "-i", i, "::/EFI"],
        ["mmd", "-i", i, "::/EFI/BOOT"],
    ]
    argvs += [["mcopy", "-i", i, str(efi), f"::/EFI/BOOT/{efi.name}"] for efi in efi_loaders]
    argvs.append(["mcopy", "-i", i, str(squashfs), "::/system.img"])
    return argvs
