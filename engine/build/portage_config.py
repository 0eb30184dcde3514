"""Writes the Portage configuration straight into the mounted lower image (decisions.md §10).

genpack pipes a tar into a container per file group; we write from the host in one step. Contents
and targets are genpack's (genpack-behaviour.md §3.3, §5.3).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from genpack_tui.engine.build.context import BuildContext, PhaseFailed
from genpack_tui.engine.config.portage_files import RUNTIME_SET

OVERLAY_REPO = "var/db/repos/genpack-overlay"
LOCAL_OVERLAY = "var/db/repos/genpack-local-overlay"
KERNEL_RECORD = "var/lib/genpack-tui/kernel-files.json"
RSYNC = ["rsync", "-rlptD"]


def _run(ctx: BuildContext, argv: list[str], step: str) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True)
    for line in (proc.stdout + proc.stderr).splitlines():
        ctx.say(line, step)
    if proc.returncode != 0:
        raise PhaseFailed(f"{argv[0]} failed with exit status {proc.returncode}: {' '.join(argv)}")


def _inside(root: Path, relative: str) -> Path:
    path = root / relative
    if os.path.commonpath([os.path.realpath(path.parent), os.path.realpath(root)]) != os.path.realpath(root):
        raise PhaseFailed(f"{relative} would be written outside the lower image (a symlink in the image?)")
    return path


def set_profile(ctx: BuildContext, root: Path) -> None:
    """What ``eselect profile set genpack-overlay:genpack/<arch>[/<profile>]`` does: a relative link."""
    relative = ctx.derived.profile_path.split(":", 1)[1]
    repo = ctx.request.overlay_override_path or root / OVERLAY_REPO
    if not (repo / "profiles" / relative).is_dir():
        raise PhaseFailed(f"profile {ctx.derived.profile_path} does not exist in genpack-overlay; "
                          f"available: {', '.join(available_profiles(repo, ctx.derived.portage_arch)) or 'none'}")
    link = _inside(root, "etc/portage/make.profile")
    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.is_dir():
        shutil.rmtree(link)
    link.symlink_to(f"../../{OVERLAY_REPO}/profiles/{relative}")
    ctx.say(f"Setting gentoo profile to {ctx.derived.profile_path}...", "profile")


def available_profiles(repo: Path, portage_arch: str) -> list[str]:
    try:
        lines = (repo / "profiles" / "profiles.desc").read_text().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and fields[0] == portage_arch:
            found.append(fields[1])
    return found


def write_portage_files(ctx: BuildContext, root: Path) -> None:
    files = dict(ctx.derived.portage_files)
    if ctx.request.devel:  # decisions §15
        runtime = files[RUNTIME_SET]
        files[RUNTIME_SET] = runtime + ("\n" if runtime else "") + "genpack/devel"
    for relative, text in files.items():
        path = _inside(root, relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise PhaseFailed(f"/{relative} is a directory in the lower image; genpack writes a file there")
        tmp = path.with_name(path.name + ".genpack-tui")
        tmp.write_text(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)


def sync_portage_dirs(ctx: BuildContext, root: Path) -> None:
    artifact = ctx.paths.artifact_dir
    for name in ("savedconfig", "patches", "env"):
        target = _inside(root, f"etc/portage/{name}")
        if (artifact / name).is_dir():
            _run(ctx, [*RSYNC, "--delete", str(artifact / name), str(target.parent)], name)
        elif target.exists():
            ctx.say(f"Removing existing {name} directory", name)
            shutil.rmtree(target)
    sync_kernel_dir(ctx, root)
    sync_local_overlay(ctx, root)


def sync_kernel_dir(ctx: BuildContext, root: Path) -> None:
    source = ctx.paths.artifact_dir / "kernel"
    target = _inside(root, "etc/kernel")
    record = _inside(root, KERNEL_RECORD)
    previous = json.loads(record.read_text()) if record.is_file() else []
    if not source.is_dir():
        # decisions §10: remove only what we installed, not package-owned files in /etc/kernel
        for relative in previous:
            (target / relative).unlink(missing_ok=True)
        record.unlink(missing_ok=True)
        if previous:
            ctx.say(f"Removed {len(previous)} file(s) installed from kernel/ before", "kernel")
        return
    target.mkdir(parents=True, exist_ok=True)
    _run(ctx, [*RSYNC, "--exclude=/arch-*", f"{source}/", str(target)], "kernel")
    installed = {str(p.relative_to(source)) for p in source.rglob("*")
                 if not p.is_dir() and not p.relative_to(source).parts[0].startswith("arch-")}
    arch_dir = source / f"arch-{ctx.resolution.arch}"
    if arch_dir.is_dir():
        ctx.say(f"Overlaying per-arch kernel config (arch-{ctx.resolution.arch})...", "kernel")
        _run(ctx, [*RSYNC, "--ignore-times", f"{arch_dir}/", str(target)], "kernel")
        installed |= {str(p.relative_to(arch_dir)) for p in arch_dir.rglob("*") if not p.is_dir()}
    for relative in set(previous) - installed:
        (target / relative).unlink(missing_ok=True)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(sorted(installed)))


def sync_local_overlay(ctx: BuildContext, root: Path) -> None:
    source = ctx.paths.artifact_dir / "overlay"
    conf = _inside(root, "etc/portage/repos.conf/genpack-local-overlay.conf")
    if not source.is_dir():
        if conf.exists():
            ctx.say("Removing existing repos.conf for genpack-local-overlay", "overlay")
            conf.unlink()
        return
    repo = _inside(root, LOCAL_OVERLAY)
    repo.mkdir(parents=True, exist_ok=True)
    _run(ctx, [*RSYNC, "--delete", f"{source}/", str(repo)], "overlay")
    conf.parent.mkdir(parents=True, exist_ok=True)
    if not conf.exists():
        conf.write_text(f"[genpack-local-overlay]\nlocation=/{LOCAL_OVERLAY}\n")
    for relative, text in (("metadata/layout.conf", "masters = gentoo\n"),
                           ("profiles/repo_name", "genpack-local-overlay\n")):
        path = repo / relative
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)


def local_overlay_packages_without_manifest(artifact_dir: Path) -> list[str]:
    """cat/pkg directories of overlay/ with an ebuild and no Manifest (genpack regenerates those)."""
    overlay = artifact_dir / "overlay"
    found = []
    for ebuild in sorted(overlay.glob("*/*/*.ebuild")):
        pkg_dir = ebuild.parent
        if ebuild.is_file() and not (pkg_dir / "Manifest").exists():
            name = f"{pkg_dir.parent.name}/{pkg_dir.name}"
            if name not in found:
                found.append(name)
    return found


def setup_repos_conf(root: Path) -> None:
    conf = _inside(root, "etc/portage/repos.conf/genpack-overlay.conf")
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text(f"[genpack-overlay]\nlocation=/{OVERLAY_REPO}\n")


def fix_distfiles_ownership(root: Path) -> None:
    """genpack's ``chown portage /var/cache/distfiles; chmod g+w`` (Gentoo bug 734000), host-side."""
    distfiles = root / "var/cache/distfiles"
    distfiles.mkdir(parents=True, exist_ok=True)
    uid = _image_uid(root, "portage")
    if uid is not None:
        os.chown(distfiles, uid, -1)
    os.chmod(distfiles, os.stat(distfiles).st_mode | 0o020)


def _image_uid(root: Path, name: str) -> int | None:
    try:
        for line in (root / "etc/passwd").read_text().splitlines():
            fields = line.split(":")
            if len(fields) > 2 and fields[0] == name:
                return int(fields[2])
    except (OSError, ValueError):
        return None
    return None
