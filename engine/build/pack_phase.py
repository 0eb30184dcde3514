"""The pack phase (docs/genpack.md §7): squashfs of the upper layer, EFI superfloppy when possible.

As genpack, by the overlay's genpack-create-image in the lower container when the lower image has it
(docs/compatibility.md §13); else on the host. Outputs are written under a temporary name (or in a
private scratch directory) and renamed when complete, then handed back to the user who ran sudo. On
the host path the EFI loaders are read from the lower image with its links resolved inside it and
copied to a private temporary directory first: mcopy follows links on the host, so it never gets a
path into the image.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from pathlib import Path

from genpack_tui.engine.build.context import BuildContext, PhaseFailed
from genpack_tui.engine.build.fingerprint import Fingerprint, describe_changes, pack_fingerprint
from genpack_tui.engine.build.history_hook import record_image
from genpack_tui.engine.build.pack_commands import (
    CREATE_IMAGE,
    CREATE_IMAGE_PATH,
    SUPERFLOPPY_MAX_SQUASHFS,
    superfloppy_argvs,
    superfloppy_size,
)
from genpack_tui.engine.build.plan import squashfs_options
from genpack_tui.engine.build.stamps import clear_stamp, read_stamp, write_stamp
from genpack_tui.engine.build.upper_phase import UPPER_SUBDIR
from genpack_tui.engine.events import PhaseSkipped
from genpack_tui.engine.runtime import privileged, work_area
from genpack_tui.engine.runtime.confined import ConfinedDir, UnsafePathError, kind_of
from genpack_tui.engine.runtime.mounts import mounted_image
from genpack_tui.engine.runtime.nspawn import HOST_DIR
from genpack_tui.engine.runtime.ownership import give_back

EFI_LOADER_DIR = "usr/lib/genpack-install"


def compression(ctx: BuildContext) -> str:
    return ctx.plan.compression


def current_fingerprint(ctx: BuildContext, upper: Fingerprint) -> Fingerprint:
    inputs = dict(ctx.derived.phase_inputs["pack"])
    inputs["compression"] = compression(ctx)
    return pack_fingerprint(inputs, upper)


def output_paths(ctx: BuildContext) -> tuple[Path, Path]:
    squashfs = ctx.paths.artifact_dir / ctx.derived.outfile
    return squashfs, squashfs.with_suffix(".img")


def run_pack(ctx: BuildContext, upper: Fingerprint, *, rerun: str | None) -> tuple[bool, list[Path]]:
    """Pack the upper layer; ``rerun`` says why it runs whatever its fingerprint, or is None (upper
    was reused) to skip a pack whose inputs did not change and whose outputs are all still there."""
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
    missing = _missing_outputs(ctx, stamp, squashfs)
    if rerun is None and stamp is not None and not changes and not missing:
        ctx.sink(PhaseSkipped(phase="pack", reason="--reuse-upper: upper was reused and the outputs are up to date"))
        return False, [p for p in (squashfs, superfloppy) if p.exists()]
    if rerun:
        reason = rerun
    elif stamp is None:
        reason = "never completed"
    elif changes:
        reason = describe_changes(changes)
    else:
        reason = f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing"
    ctx.say(f"Packing... ({reason})")
    clear_stamp(done)
    with mounted_image(paths.lower_image, readonly=True) as lower_root:
        in_container = has_create_image(ConfinedDir(lower_root, links="in_root"))
    if in_container:
        ctx.say(f"Packing with the overlay's {CREATE_IMAGE} in the lower container (as genpack does)", "pack-path")
        outputs = _create_image_in_container(ctx, squashfs, superfloppy)
    else:
        ctx.say(f"The lower image has no /{CREATE_IMAGE_PATH} (an overlay without it): packing with mksquashfs "
                "and mtools on the host", "pack-path")
        outputs = _pack_on_host(ctx, squashfs, superfloppy)
    for output in outputs:
        give_back(output, ctx.user)
    write_stamp(done, dataclasses.replace(fingerprint, outputs=tuple(_relative(ctx, o) for o in outputs)))
    return True, outputs


def has_create_image(lower: ConfinedDir) -> bool:
    """The overlay's genpack-progs installed genpack-create-image (the real overlay does)."""
    return lower.is_file(CREATE_IMAGE_PATH, follow=True)


def _create_image_in_container(ctx: BuildContext, squashfs: Path, superfloppy: Path) -> list[Path]:
    """genpack's pack (docs/compatibility.md §13): ``genpack-create-image /mnt/extra/upper
    /mnt/host/<name> --compression C`` in the lower container, the upper image at /mnt/extra.

    /mnt/host is a fresh private directory under work/<arch>, not the artifact: the container sees
    nothing of the artifact, and what it made is moved into place only when it is a regular file, so
    an interrupted or hostile run leaves no half-written or linked output."""
    paths = ctx.paths
    scratch = paths.arch_dir / (f".pack-{paths.variant}.tmp" if paths.variant else ".pack.tmp")
    work, scratch_relative = work_area.confined(scratch)
    name = squashfs.name.removesuffix(".squashfs")
    step = ctx.plan.find("pack", "create-image")
    outputs = []
    with work:
        work.remove_tree(scratch_relative)
        work.mkdir(scratch_relative, mode=0o700)
        try:
            with mounted_image(paths.upper_image, readonly=True) as upper_mount, \
                    mounted_image(paths.lower_image) as lower_root, \
                    ctx.step(step.name, step.title):
                rc = ctx.container(lower_root, step.argv, step=step.name, host_dir=scratch, extra_dir=upper_mount,
                                   overlay_override=False)
                ctx.check(rc, CREATE_IMAGE)
                made = {f"{name}.squashfs": squashfs, f"{name}.img": superfloppy}
                found = {entry: _kind(work, f"{scratch_relative}/{entry}") for entry in made}
                for entry, kind in found.items():
                    if kind != "a regular file" and (kind != "nothing" or entry.endswith(".squashfs")):
                        raise PhaseFailed(f"{CREATE_IMAGE} left {kind} as {entry} in the lower container's "
                                          f"{HOST_DIR}, where a regular file was expected; no output was written")
                record_image(ctx, upper_mount, UPPER_SUBDIR, lower_root, scratch / f"{name}.squashfs")
            for entry, target in made.items():
                if found[entry] == "a regular file":
                    _move_into_artifact(ctx, scratch / entry, target)
                    outputs.append(target)
        finally:
            work.remove_tree(scratch_relative)
    return outputs


def _kind(work: ConfinedDir, relative: str) -> str:
    try:
        mode = work.lstat(relative).st_mode
    except FileNotFoundError:
        return "nothing"
    return kind_of(mode)


def _move_into_artifact(ctx: BuildContext, made: Path, target: Path) -> None:
    with ConfinedDir(ctx.paths.artifact_dir) as artifact:
        artifact.rename(str(made.relative_to(ctx.paths.artifact_dir)), _relative(ctx, target))


def _pack_on_host(ctx: BuildContext, squashfs: Path, superfloppy: Path) -> list[Path]:
    """The fallback for overlays without genpack-create-image: the same commands run on the host."""
    paths = ctx.paths
    outputs = []
    with mounted_image(paths.upper_image, readonly=True) as upper_mount, \
            mounted_image(paths.lower_image, readonly=True) as lower_root, \
            tempfile.TemporaryDirectory(prefix="genpack-tui-efi-") as scratch:
        # the loaders first: one that cannot be used fails the phase before any output is made
        efi_loaders = copy_efi_loaders(ConfinedDir(lower_root, links="in_root"), Path(scratch))
        with ctx.host_step("squashfs"):
            _make_squashfs(ctx, upper_mount / UPPER_SUBDIR, squashfs)
            outputs.append(squashfs)
        record_image(ctx, upper_mount, UPPER_SUBDIR, lower_root, squashfs)
        if efi_loaders:
            if squashfs.stat().st_size >= SUPERFLOPPY_MAX_SQUASHFS:
                ctx.say(f"Warning: {squashfs.name} is >= 4GiB, skipping superfloppy image.")
            else:
                with ctx.host_step("superfloppy"):
                    _make_superfloppy(ctx, efi_loaders, squashfs, superfloppy)
                    outputs.append(superfloppy)
    return outputs


def _missing_outputs(ctx: BuildContext, stamp: Fingerprint | None, squashfs: Path) -> list[str]:
    """The outputs the last pack made (the squashfs at least) that are gone now."""
    made = set(stamp.outputs if stamp is not None else ()) | {_relative(ctx, squashfs)}
    return sorted(name for name in made if not (ctx.paths.artifact_dir / name).exists())


def copy_efi_loaders(lower: ConfinedDir, scratch: Path) -> list[Path]:
    """Copies of the lower image's ``/usr/lib/genpack-install/*.efi`` in ``scratch``, sorted by name.

    A loader that is a link is read through it as the image sees it (a link to ``/usr/lib/...`` is
    the image's file); one whose target is not in the image, or is not a regular file, is an error
    naming it.
    """
    try:
        names = [n for n in lower.listdir(EFI_LOADER_DIR) if n.endswith(".efi") and not n.startswith(".")]
    except (FileNotFoundError, NotADirectoryError):
        return []
    copies = []
    for name in names:
        relative = f"{EFI_LOADER_DIR}/{name}"
        try:
            source = lower.open_read(relative, follow=True)
        except FileNotFoundError:
            target = lower.readlink(relative) if lower.is_symlink(relative) else "?"
            raise PhaseFailed(f"EFI loader /{relative} in the lower image is a symbolic link to {target}, which "
                              "does not exist inside the image") from None
        except (UnsafePathError, NotADirectoryError) as exc:
            raise PhaseFailed(f"EFI loader /{relative} in the lower image cannot be used: {exc}") from None
        with source, ConfinedDir(scratch) as copies_dir, copies_dir.open_new(name) as out:
            shutil.copyfileobj(source, out, 1 << 20)
        copies.append(scratch / name)
    return copies


def _make_squashfs(ctx: BuildContext, upper_root: Path, squashfs: Path) -> None:
    relative = _relative(ctx, squashfs)
    tmp = f"{relative}.tmp"
    with ConfinedDir(ctx.paths.artifact_dir) as artifact:
        artifact.unlink(tmp)  # a link planted there is removed, not written through; no container runs now
        try:
            privileged.make_squashfs(upper_root, artifact.shown(tmp), squashfs_options(compression(ctx)),
                                     lambda text, stream: ctx.say(text, "squashfs"))
            artifact.rename(tmp, relative)
        finally:
            artifact.unlink(tmp)


def _make_superfloppy(ctx: BuildContext, efi_loaders: list[Path], squashfs: Path, image: Path) -> None:
    relative = _relative(ctx, image)
    tmp = f"{relative}.tmp"
    with ConfinedDir(ctx.paths.artifact_dir) as artifact:
        artifact.unlink(tmp)
        try:
            fd = artifact.create_new(tmp)
            try:
                os.ftruncate(fd, superfloppy_size(squashfs.stat().st_size))
            finally:
                os.close(fd)
            for argv in superfloppy_argvs(Path(artifact.shown(tmp)), efi_loaders, squashfs):
                privileged.run_mtools(argv, lambda text, stream: ctx.say(text, "superfloppy"))
            artifact.rename(tmp, relative)
            ctx.say(f"EFI superfloppy image created: {image.name}", "superfloppy")
        finally:
            artifact.unlink(tmp)


def _relative(ctx: BuildContext, output: Path) -> str:
    """An output's path in the artifact (outfile: the configuration checks it stays there)."""
    return str(output.relative_to(ctx.paths.artifact_dir))
