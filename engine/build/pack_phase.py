"""The pack phase (genpack-behaviour.md §7): squashfs of the upper layer, EFI superfloppy when possible.

Outputs are written under a temporary name and renamed when complete, then handed back to the user
who ran sudo.
"""
from __future__ import annotations

import os
from pathlib import Path

from genpack_tui.engine.build.context import BuildContext, PhaseFailed
from genpack_tui.engine.build.fingerprint import Fingerprint, describe_changes, pack_fingerprint
from genpack_tui.engine.build.pack_commands import (
    SUPERFLOPPY_MAX_SQUASHFS, mksquashfs_argv, superfloppy_argvs, superfloppy_size,
)
from genpack_tui.engine.build.stamps import clear_stamp, read_stamp, write_stamp
from genpack_tui.engine.events import PhaseSkipped
from genpack_tui.engine.runtime.mounts import mounted_image
from genpack_tui.engine.runtime.ownership import give_back
from genpack_tui.engine.runtime.process import run_streaming

EFI_LOADER_DIR = "usr/lib/genpack-install"


def compression(ctx: BuildContext) -> str:
    return ctx.request.compression or ctx.derived.compression


def current_fingerprint(ctx: BuildContext, upper: Fingerprint) -> Fingerprint:
    inputs = dict(ctx.derived.phase_inputs["pack"])
    inputs["compression"] = compression(ctx)
    return pack_fingerprint(inputs, upper)


def output_paths(ctx: BuildContext) -> tuple[Path, Path]:
    squashfs = ctx.paths.artifact_dir / ctx.derived.outfile
    return squashfs, squashfs.with_suffix(".img")


def run_pack(ctx: BuildContext, upper: Fingerprint, *, always: bool) -> tuple[bool, list[Path]]:
    paths = ctx.paths
    for path, what in ((paths.lower_image, "Lower image"), (paths.upper_image, "Upper layer image")):
        if not path.exists():
            phase = "lower" if path == paths.lower_image else "upper"
            raise PhaseFailed(f"{what} {path} does not exist. Please run '{phase}' first.")
    squashfs, superfloppy = output_paths(ctx)
    fingerprint = current_fingerprint(ctx, upper)
    done = paths.done_marker("pack")
    stamp = read_stamp(done)
    changes = fingerprint.changes_since(stamp)
    if not always and stamp is not None and not changes and squashfs.exists():
        ctx.sink(PhaseSkipped(phase="pack", reason="up to date"))
        return False, [p for p in (squashfs, superfloppy) if p.exists()]
    ctx.say(f"Packing... ({'pack always runs when asked for' if always else describe_changes(changes) if stamp else 'never completed'})")
    clear_stamp(done)
    outputs = []
    with mounted_image(paths.upper_image, readonly=True) as upper_mount, \
            mounted_image(paths.lower_image, readonly=True) as lower_root:
        with ctx.step("squashfs", f"Creating SquashFS image: {squashfs.name} ({compression(ctx)})"):
            _make_squashfs(ctx, upper_mount / "upper", squashfs)
            outputs.append(squashfs)
        efi_loaders = sorted((lower_root / EFI_LOADER_DIR).glob("*.efi"))
        if efi_loaders:
            if squashfs.stat().st_size >= SUPERFLOPPY_MAX_SQUASHFS:
                ctx.say(f"Warning: {squashfs.name} is >= 4GiB, skipping superfloppy image.")
            else:
                with ctx.step("superfloppy", f"Creating EFI superfloppy image: {superfloppy.name}"):
                    _make_superfloppy(ctx, efi_loaders, squashfs, superfloppy)
                    outputs.append(superfloppy)
    for output in outputs:
        give_back(output, ctx.user)
    write_stamp(done, fingerprint)
    return True, outputs


def _run(ctx: BuildContext, argv: list[str], step: str) -> None:
    rc = run_streaming(argv, lambda text, stream: ctx.say(text, step))
    if rc != 0:
        raise PhaseFailed(f"{argv[0]} failed with exit status {rc}")


def _make_squashfs(ctx: BuildContext, upper_root: Path, squashfs: Path) -> None:
    tmp = squashfs.with_name(squashfs.name + ".tmp")
    tmp.unlink(missing_ok=True)
    try:
        _run(ctx, mksquashfs_argv(upper_root, tmp, compression(ctx)) + ["-no-progress"], "squashfs")
        os.replace(tmp, squashfs)
    finally:
        tmp.unlink(missing_ok=True)


def _make_superfloppy(ctx: BuildContext, efi_loaders: list[Path], squashfs: Path, image: Path) -> None:
    tmp = image.with_name(image.name + ".tmp")
    tmp.unlink(missing_ok=True)
    try:
        with open(tmp, "wb") as f:
            f.truncate(superfloppy_size(squashfs.stat().st_size))
        for argv in superfloppy_argvs(tmp, efi_loaders, squashfs):
            _run(ctx, argv, "superfloppy")
        os.replace(tmp, image)
        ctx.say(f"EFI superfloppy image created: {image.name}", "superfloppy")
    finally:
        tmp.unlink(missing_ok=True)

