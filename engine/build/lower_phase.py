"""The lower phase (genpack-behaviour.md §5): sources, the lower image, Portage config, emerge."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from genpack_tui.engine.build import portage_config
from genpack_tui.engine.build.context import BuildContext, PhaseFailed
from genpack_tui.engine.build.emerge_commands import (
    EmergeOptions, Step, automatic_breaker_step, buildtime_first_step, circulardep_breaker_step,
    depclean_fallback_step, genpack_progs_step, main_emerge_step, post_emerge_steps,
)
from genpack_tui.engine.build.fingerprint import Fingerprint, describe_changes, lower_fingerprint, source_components
from genpack_tui.engine.build.stamps import clear_stamp, read_stamp, write_stamp
from genpack_tui.engine.emerge_output import EmergeOutputParser
from genpack_tui.engine.events import PhaseSkipped, WarningEvent
from genpack_tui.engine.runtime import privileged
from genpack_tui.engine.runtime.images import create_ext4_image, create_work_root
from genpack_tui.engine.runtime.mounts import mounted_image
from genpack_tui.engine.sources.fetch_all import update_sources
from genpack_tui.engine.sources.identity import SourceIdentity, load_identity, save_identity

GIB = 1024 ** 3


def lower_inputs(ctx: BuildContext) -> dict:
    inputs = dict(ctx.derived.phase_inputs["lower"])
    inputs["devel"] = ctx.request.devel
    return inputs


def current_fingerprint(ctx: BuildContext, identity: SourceIdentity | None) -> Fingerprint:
    return lower_fingerprint(lower_inputs(ctx), ctx.paths.artifact_dir, source_components(identity))


def run_lower(ctx: BuildContext, *, always: bool) -> bool:
    """Bring the lower image up to date; returns False when it was already (and ``always`` is false)."""
    paths = ctx.paths
    create_work_root(paths.work_dir)
    paths.arch_dir.mkdir(parents=True, exist_ok=True)
    with ctx.step("sources", "Checking stage3, Portage snapshot and genpack-overlay..."):
        identity = update_sources(paths.work_dir, ctx.resolution.arch, ctx.request.mirror,
                                  ctx.request.overlay_url, ctx.sink, keyring=ctx.request.keyring)
    recorded = load_identity(paths.lower_image) if paths.lower_image.exists() else None
    fingerprint = current_fingerprint(ctx, identity)
    done = paths.done_marker("lower")
    stamp = read_stamp(done)
    new_image = recorded is None or recorded.stage3 != identity.stage3 or not paths.lower_image.exists()

    if not always and not new_image and stamp is not None and not fingerprint.changes_since(stamp):
        with mounted_image(paths.lower_image, readonly=True) as root:
            world_newer = _world_newer_than(root, done)
        if not world_newer:
            ctx.sink(PhaseSkipped(phase="lower", reason="up to date"))
            return False
        reason = "the world file changed since the last lower build (emerge run in a shell?)"
    elif always:
        reason = "lower always runs when asked for"
    elif new_image:
        reason = "no lower image yet" if recorded is None else "the stage3 changed: new lower image"
    else:
        reason = describe_changes(fingerprint.changes_since(stamp)) if stamp else "never completed"
    ctx.say(f"Processing lower layer... ({reason})")
    clear_stamp(done)

    if new_image:
        _create_lower_image(ctx, identity)
    with mounted_image(paths.lower_image) as root:
        if not new_image and recorded is not None:
            _replace_changed_trees(ctx, root, recorded, identity)
        save_identity(paths.lower_image, identity)
        with ctx.step("portage-config", "Writing the Portage configuration..."):
            portage_config.set_profile(ctx, root)
            portage_config.write_portage_files(ctx, root)
            portage_config.sync_portage_dirs(ctx, root)
        _regenerate_local_manifests(ctx, root)
        _emerge_sequence(ctx, root)
    write_stamp(done, fingerprint)
    paths.lower_fresh.unlink(missing_ok=True)
    return True


def _world_newer_than(root: Path, done: Path) -> bool:
    try:
        return int((root / "var/lib/portage/world").stat().st_mtime) > int(done.stat().st_mtime)
    except OSError:
        return True


def _create_lower_image(ctx: BuildContext, identity: SourceIdentity) -> None:
    paths = ctx.paths
    size = ctx.derived.lower_capacity_gib * GIB
    with ctx.step("lower-image", f"Creating the lower image ({ctx.derived.lower_capacity_gib} GiB, sparse)..."):
        paths.lower_fresh.unlink(missing_ok=True)
        create_ext4_image(paths.lower_image, size, replace=True)
        try:
            with mounted_image(paths.lower_image) as root:
                ctx.say("Extracting stage3...", "lower-image")
                privileged.extract_tar(paths.stage3, root)
                _extract_tree(ctx, root, "var/db/repos/gentoo", paths.portage_snapshot)
                _extract_tree(ctx, root, "var/db/repos/genpack-overlay", paths.overlay_tarball)
                portage_config.setup_repos_conf(root)
                portage_config.fix_distfiles_ownership(root)
                save_identity(paths.lower_image, identity)
        except BaseException:
            paths.lower_image.unlink(missing_ok=True)
            raise
        paths.lower_fresh.touch()


def _extract_tree(ctx: BuildContext, root: Path, relative: str, tarball: Path) -> None:
    target = root / relative
    if target.exists():
        ctx.say(f"Replacing /{relative}", "sources")
        shutil.rmtree(target)  # decisions §8: replaced trees are deleted, not accumulated
    target.mkdir(parents=True)
    privileged.extract_tar(tarball, target, strip_components=1)


def _replace_changed_trees(ctx: BuildContext, root: Path, recorded: SourceIdentity, identity: SourceIdentity) -> None:
    for change in recorded.changes(identity):
        ctx.say(change, "sources")
    if recorded.portage != identity.portage:
        with ctx.step("portage-tree", "Replacing the Portage tree..."):
            _extract_tree(ctx, root, "var/db/repos/gentoo", ctx.paths.portage_snapshot)
    if recorded.overlay != identity.overlay:
        with ctx.step("overlay-tree", "Replacing genpack-overlay..."):
            _extract_tree(ctx, root, "var/db/repos/genpack-overlay", ctx.paths.overlay_tarball)


def _regenerate_local_manifests(ctx: BuildContext, root: Path) -> None:
    packages = portage_config.local_overlay_packages_without_manifest(ctx.paths.artifact_dir)
    if not packages:
        return
    with ctx.step("manifests", f"Regenerating Manifests for local overlay: {packages}"):
        for package in packages:
            pkg_dir = root / portage_config.LOCAL_OVERLAY / package
            for ebuild in sorted(pkg_dir.glob("*.ebuild"))[:1]:
                inside = f"/{portage_config.LOCAL_OVERLAY}/{package}/{ebuild.name}"
                rc = ctx.container(root, ["ebuild", inside, "manifest"], step="manifests")
                if rc != 0:
                    ctx.sink(WarningEvent(message=f"ebuild manifest failed for {package} (exit {rc})", phase="lower"))


def _emerge_options(ctx: BuildContext) -> EmergeOptions:
    return EmergeOptions(
        parallel_jobs=(os.cpu_count() or 1) if ctx.request.parallel else None,
        binpkg_excludes=tuple(ctx.derived.binpkg_excludes),
        deep_depclean=ctx.request.deep_depclean,
        independent_binpkgs=ctx.derived_independent,
    )


def _run_step(ctx: BuildContext, root: Path, step: Step, *, parser: EmergeOutputParser | None = None) -> int:
    with ctx.step(step.name, step.title):
        env = {**ctx.emulation_env(), **step.setenv}
        rc = ctx.container(root, step.argv, step=step.name, env=env, binpkgs=True, parser=parser)
        if step.check and rc != 0:
            failed = [f.package for f in (parser.failures if parser else [])]
            detail = f" (failed: {', '.join(failed)})" if failed else ""
            raise PhaseFailed(f"{step.title.rstrip('.')} failed with exit status {rc}{detail}")
        return rc


def _emerge_sequence(ctx: BuildContext, root: Path) -> None:
    opts = _emerge_options(ctx)
    breaker = ctx.derived.circulardep_breaker or {}
    if breaker.get("packages"):
        if not breaker.get("use"):
            ctx.sink(WarningEvent(message="circulardep_breaker use is not set, proceeding without setting USE flags.",
                                  phase="lower"))
        _run_step(ctx, root, circulardep_breaker_step(list(breaker["packages"]), breaker.get("use"), opts),
                  parser=EmergeOutputParser("lower"))
    if ctx.paths.lower_fresh.exists() or ctx.request.break_circular_deps:
        _run_step(ctx, root, genpack_progs_step(), parser=EmergeOutputParser("lower"))
        if ctx.container(root, ["which", "genpack-break-circular-dep"], step="break-circular-deps",
                         quiet=True) == 0:
            _run_step(ctx, root, automatic_breaker_step(opts))
        else:
            ctx.sink(WarningEvent(phase="lower", message="genpack-break-circular-dep not available (genpack-progs "
                                  "too old?), skipping automatic circular dependency check."))
    if ctx.derived.buildtime_packages_first and ctx.derived.buildtime_packages:
        _run_step(ctx, root, buildtime_first_step(opts), parser=EmergeOutputParser("lower"))
    _run_step(ctx, root, main_emerge_step(opts), parser=EmergeOutputParser("lower"))
    for step in post_emerge_steps(opts):
        rc = _run_step(ctx, root, step, parser=EmergeOutputParser("lower") if step.argv[0] == "emerge" else None)
        if step.name == "depclean" and rc != 0:
            ctx.sink(WarningEvent(message="emerge --depclean failed; retrying with --with-bdeps=n", phase="lower"))
            _run_step(ctx, root, depclean_fallback_step())
