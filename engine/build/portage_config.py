"""Writes the Portage configuration straight into the mounted lower image (docs/compatibility.md §10).

genpack pipes a tar into a container per file group; we write from the host in one step. Contents
and targets are genpack's (docs/genpack.md §3, §5.3).

Both sides are someone else's: the image holds what the mirror's stage3 and every emerge put there,
the artifact is a repository. So every operation goes through a ConfinedDir: the image's links are
resolved as inside the image (``links="in_root"``, an absolute link never reaches the host), and the
artifact's trees (savedconfig/ patches/ env/ kernel/ overlay/) are copied with links as links; such a
tree being itself a link out of the artifact is an error naming it.
"""
from __future__ import annotations

import json
from pathlib import Path

from genpack_tui.engine.build.artifact_trees import has_tree
from genpack_tui.engine.build.context import BuildContext, PhaseFailed
from genpack_tui.engine.build.plan import LOCAL_OVERLAY
from genpack_tui.engine.runtime.confined import ConfinedDir, UnsafePathError

OVERLAY_REPO = "var/db/repos/genpack-overlay"
KERNEL_RECORD = "var/lib/genpack-tui/kernel-files.json"
KERNEL_DIR = "etc/kernel"


def lower_image(root: Path) -> ConfinedDir:
    """The mounted lower image at ``root``, its links resolved as if it were ``/``."""
    return ConfinedDir(root, links="in_root")


def set_profile(ctx: BuildContext, image: ConfinedDir) -> None:
    """What ``eselect profile set genpack-overlay:genpack/<arch>[/<profile>]`` does: a relative link."""
    relative = ctx.derived.profile_path.split(":", 1)[1]
    override = ctx.request.overlay_override_path
    # --overlay-override is the user's own directory on the host (only read here); else the image's repo
    tree, repo = (ConfinedDir(override, links="in_root"), "") if override is not None else (image, OVERLAY_REPO)
    if not tree.is_dir(f"{repo}/profiles/{relative}", follow=True):
        available = available_profiles(tree, repo, ctx.derived.portage_arch)
        raise PhaseFailed(f"profile {ctx.derived.profile_path} does not exist in genpack-overlay; "
                          f"available: {', '.join(available) or 'none'}")
    link = "etc/portage/make.profile"
    image.make_dirs("etc/portage")
    if image.is_dir(link):
        image.remove_tree(link)
    image.symlink(f"../../{OVERLAY_REPO}/profiles/{relative}", link)
    ctx.say(f"Setting gentoo profile to {ctx.derived.profile_path}...", "profile")


def available_profiles(tree: ConfinedDir, repo: str, portage_arch: str) -> list[str]:
    """Profiles for ``portage_arch`` listed in ``<repo>/profiles/profiles.desc`` below ``tree``."""
    try:
        lines = tree.read_text(f"{repo}/profiles/profiles.desc", follow=True).splitlines()
    except (OSError, UnicodeDecodeError, UnsafePathError):
        return []
    found = []
    for line in lines:
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and fields[0] == portage_arch:
            found.append(fields[1])
    return found


def write_portage_files(ctx: BuildContext, image: ConfinedDir) -> None:
    for relative, text in ctx.plan.portage_files.items():
        if image.is_dir(relative, follow=True):
            raise PhaseFailed(f"/{relative} is a directory in the lower image; genpack writes a file there")
        image.write_text(relative, text, mode=0o644, make_parents=True)


def sync_portage_dirs(ctx: BuildContext, image: ConfinedDir) -> None:
    artifact = ConfinedDir(ctx.paths.artifact_dir)
    for name in ("savedconfig", "patches", "env"):
        target = f"etc/portage/{name}"
        if has_tree(ctx.paths.artifact_dir, name):
            image.copy_tree_from(artifact, name, target, delete=True)
        elif image.exists(target):
            ctx.say(f"Removing existing {name} directory", name)
            image.remove_tree(target)
    sync_kernel_dir(ctx, image)
    sync_local_overlay(ctx, image)


def _kernel_record(image: ConfinedDir) -> list[str]:
    """The files genpack-tui installed into /etc/kernel before; the record lives in the image, so an
    entry that is not a plain path below /etc/kernel is refused rather than removed."""
    where = f"/{KERNEL_RECORD} in the lower image"
    try:
        entries = json.loads(image.read_text(KERNEL_RECORD))
    except FileNotFoundError:
        return []
    except ValueError as exc:  # not UTF-8, or not JSON
        raise PhaseFailed(f"{where} is not valid JSON ({exc}); remove the lower image to start afresh") from None
    if not isinstance(entries, list):
        raise PhaseFailed(f"{where} must be a list of paths below /{KERNEL_DIR}")
    for entry in entries:
        parts = entry.split("/") if isinstance(entry, str) else []
        if not parts or entry.startswith("/") or "\0" in entry or any(p in ("", ".", "..") for p in parts):
            raise PhaseFailed(f"{where} lists {entry!r}, which is not a path below /{KERNEL_DIR}; refusing to "
                              "remove it (was the image changed by something else?); remove the lower image "
                              "to start afresh")
    return entries


def sync_kernel_dir(ctx: BuildContext, image: ConfinedDir) -> None:
    artifact = ConfinedDir(ctx.paths.artifact_dir)
    previous = _kernel_record(image)
    if not has_tree(ctx.paths.artifact_dir, "kernel"):
        # docs/compatibility.md §10: remove only what we installed, not package-owned files in /etc/kernel
        for relative in previous:
            image.unlink(f"{KERNEL_DIR}/{relative}")
        image.unlink(KERNEL_RECORD)
        if previous:
            ctx.say(f"Removed {len(previous)} file(s) installed from kernel/ before", "kernel")
        return
    installed = set(image.copy_tree_from(artifact, "kernel", KERNEL_DIR, skip_top=lambda n: n.startswith("arch-")))
    arch_dir = f"kernel/arch-{ctx.resolution.arch}"
    if has_tree(ctx.paths.artifact_dir, arch_dir):
        ctx.say(f"Overlaying per-arch kernel config (arch-{ctx.resolution.arch})...", "kernel")
        installed |= set(image.copy_tree_from(artifact, arch_dir, KERNEL_DIR, always=True))
    for relative in set(previous) - installed:
        image.unlink(f"{KERNEL_DIR}/{relative}")
    image.write_text(KERNEL_RECORD, json.dumps(sorted(installed)), make_parents=True)


def sync_local_overlay(ctx: BuildContext, image: ConfinedDir) -> None:
    conf = "etc/portage/repos.conf/genpack-local-overlay.conf"
    if not has_tree(ctx.paths.artifact_dir, "overlay"):
        if image.exists(conf):
            ctx.say("Removing existing repos.conf for genpack-local-overlay", "overlay")
            image.unlink(conf)
        return
    image.copy_tree_from(ConfinedDir(ctx.paths.artifact_dir), "overlay", LOCAL_OVERLAY, delete=True)
    if not image.exists(conf):
        image.write_text(conf, f"[genpack-local-overlay]\nlocation=/{LOCAL_OVERLAY}\n", make_parents=True)
    for relative, text in (("metadata/layout.conf", "masters = gentoo\n"),
                           ("profiles/repo_name", "genpack-local-overlay\n")):
        # a link committed in overlay/ (metadata -> /somewhere) is now a link in the image: resolved there
        path = f"{LOCAL_OVERLAY}/{relative}"
        if not image.exists(path):
            image.write_text(path, text, make_parents=True)


def setup_repos_conf(image: ConfinedDir) -> None:
    image.write_text("etc/portage/repos.conf/genpack-overlay.conf", f"[genpack-overlay]\nlocation=/{OVERLAY_REPO}\n",
                     make_parents=True)


def fix_distfiles_ownership(image: ConfinedDir) -> None:
    """genpack's ``chown portage /var/cache/distfiles; chmod g+w`` (Gentoo bug 734000), host-side; a
    link there is followed as the container would follow it: to a directory inside the image."""
    distfiles = "var/cache/distfiles"
    image.make_dirs(distfiles)
    uid = _image_uid(image, "portage")
    if uid is not None:
        image.chown(distfiles, uid, -1, follow=True)
    image.chmod(distfiles, image.stat(distfiles).st_mode & 0o7777 | 0o020, follow=True)


def _image_uid(image: ConfinedDir, name: str) -> int | None:
    try:
        for line in image.read_text("etc/passwd", follow=True).splitlines():
            fields = line.split(":")
            if len(fields) > 2 and fields[0] == name:
                return int(fields[2])
    except (OSError, ValueError, UnsafePathError):  # ValueError: not UTF-8, or not a number
        return None
    return None


BINREPOS_CONF = "etc/portage/binrepos.conf/genpack-tui-binhost.conf"


def write_binrepos(image: ConfinedDir, text: str | None) -> None:
    """Our binrepos.conf entry (engine/build/binhost.py), or none when the build has no binhost; the
    stage3's own entries in /etc/portage/binrepos.conf are left as they are."""
    if text is None:
        image.unlink(BINREPOS_CONF)
        return
    if image.is_file("etc/portage/binrepos.conf", follow=True):
        raise PhaseFailed("/etc/portage/binrepos.conf is a file in the lower image; --binhost adds a file to "
                          "that directory (a single-file binrepos.conf cannot take a second entry)")
    image.write_text(BINREPOS_CONF, text, mode=0o644, make_parents=True)
