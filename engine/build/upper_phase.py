"""The upper phase (docs/genpack.md §6): a fresh upper image over the lower layer."""
from __future__ import annotations

from pathlib import Path

from genpack_tui.engine.build.artifact_trees import UPPER_TREES, require_real_trees
from genpack_tui.engine.build.context import BuildContext, PhaseFailed
from genpack_tui.engine.build.fingerprint import Fingerprint, describe_changes, upper_fingerprint
from genpack_tui.engine.build.stamps import clear_stamp, read_stamp, write_stamp
from genpack_tui.engine.build.upper_commands import FILES_AND_BUILD_SCRIPTS, groupadd_argv, upper_env, useradd_argv
from genpack_tui.engine.events import PhaseSkipped
from genpack_tui.engine.runtime import privileged
from genpack_tui.engine.runtime.confined import ConfinedDir
from genpack_tui.engine.runtime.images import create_ext4_image
from genpack_tui.engine.runtime.mounts import mounted_image, upper_layer

GIB = 1024 ** 3
UPPER_SIZE = 20 * GIB
UPPER_SUBDIR = "upper"


def current_fingerprint(ctx: BuildContext, lower: Fingerprint) -> Fingerprint:
    return upper_fingerprint(ctx.derived.phase_inputs["upper"], ctx.paths.artifact_dir, lower)


def run_upper(ctx: BuildContext, lower: Fingerprint, *, rerun: str | None) -> bool:
    """Build a fresh upper layer; ``rerun`` says why it runs whatever its fingerprint, or is None
    (``--reuse-upper``) to skip an upper whose inputs did not change. Returns whether it ran."""
    paths = ctx.paths
    if not paths.lower_image.exists() or read_stamp(paths.done_marker("lower")) is None:
        raise PhaseFailed(f"Lower image {paths.lower_image} or lower completion marker "
                          f"{paths.done_marker('lower')} does not exist. Please run 'genpack-tui lower' first.")
    # files/ reaches the upper layer inside the container (cp -rd from /mnt/host, the artifact bound
    # there), so a link in it resolves in the container, not on the host; files/ itself being a link
    # is refused here, before the fingerprint hashes it or anything is copied
    require_real_trees(paths.artifact_dir, UPPER_TREES)
    fingerprint = current_fingerprint(ctx, lower)
    done = paths.done_marker("upper")
    stamp = read_stamp(done)
    changes = fingerprint.changes_since(stamp)
    if rerun is None and stamp is not None and not changes and paths.upper_image.exists():
        ctx.sink(PhaseSkipped(phase="upper", reason="--reuse-upper: its inputs did not change since the last upper "
                                                    "(build.d scripts and setup_commands were not rerun)"))
        return False
    reason = rerun or (describe_changes(changes) if stamp else "never completed")
    ctx.say(f"Processing upper layer... ({reason})")
    clear_stamp(done)
    if paths.upper_image.exists():
        ctx.say(f"Removing existing upper image {paths.upper_image.name} for fresh rebuild.")
    with ctx.step("upper-image", "Creating a fresh upper image (20 GiB, sparse)..."):
        create_ext4_image(paths.upper_image, UPPER_SIZE, replace=True)
    with mounted_image(paths.lower_image) as lower_root, upper_layer(paths.upper_image, UPPER_SUBDIR) as upper:
        _populate(ctx, lower_root, upper)
    write_stamp(done, fingerprint)
    return True


def _populate(ctx: BuildContext, lower_root: Path, upper: Path) -> None:
    d = ctx.derived
    env = {**ctx.emulation_env(), **upper_env(d.name, d.profile, d.variant)}
    plain_env = ctx.emulation_env()

    def run(step: str, title: str, argv: list[str], *, with_env: bool, stdin: bytes | None = None,
            download: bool = False) -> None:
        with ctx.step(step, title):
            rc = ctx.container(lower_root, argv, step=step, env=env if with_env else plain_env, stdin=stdin,
                               download=download, overlay_upper=upper)
            ctx.check(rc, title.rstrip("."))

    run("package-scripts", "Executing package scripts and generating metadata...",
        ["genpack-exec-package-scripts"], with_env=True, download=True)
    for group in d.groups:
        run("groups", f"Creating group {group['name']}...", groupadd_argv(group), with_env=False)
    for user in d.users:
        run("users", f"Creating user {user['name']}...", useradd_argv(user), with_env=False)
    run("files", "Copying files/ and running build scripts...", ["sh"], with_env=True,
        stdin=FILES_AND_BUILD_SCRIPTS.encode(), download=True)
    for command in d.setup_commands:
        run("setup-commands", f"Executing setup command: {command}", ["sh", "-c", command], with_env=True,
            download=True)
    if d.services:
        run("services", f"Enabling services: {' '.join(d.services)}", ["systemctl", "enable", *d.services],
            with_env=False)
    run("copyup", "Triggering overlayfs copy-up for runtime package files...", ["genpack-copyup"], with_env=False)
    with ctx.step("copyup-dev", "Copying /dev from lower image to upper image..."):
        copy_dev(lower_root, upper)


def copy_dev(lower_root: Path, upper: Path) -> None:
    """``cp -a`` of the lower image's /dev into the upper layer; both ends are reached inside their
    image, so a /dev link in either never leads cp to the host's /dev."""
    with ConfinedDir(lower_root, links="in_root").subdir("dev") as source, \
            ConfinedDir(upper, links="in_root").subdir("dev", create=True) as target:
        privileged.copy_tree_preserving(source, target)
