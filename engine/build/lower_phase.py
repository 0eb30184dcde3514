"""The lower phase (docs/genpack.md §5): sources, the lower image, Portage config, emerge."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from genpack_tui.engine.build import portage_config
from genpack_tui.engine.build.artifact_trees import LOWER_TREES, require_real_trees
from genpack_tui.engine.build.binhost import Binhost, BinhostError, chosen_binhost, probe
from genpack_tui.engine.build.context import BuildContext, PhaseFailed
from genpack_tui.engine.build.distcc import MASQUERADE_CHECK, Distcc, DistccError, chosen_distcc, merged_features
from genpack_tui.engine.build.emerge_commands import (
    EmergeOptions,
    Step,
    automatic_breaker_step,
    buildtime_first_step,
    circulardep_breaker_step,
    depclean_fallback_step,
    genpack_progs_step,
    main_emerge_step,
    post_emerge_steps,
)
from genpack_tui.engine.build.emerge_output import EmergeOutputParser, cpv_name
from genpack_tui.engine.build.fingerprint import Fingerprint, describe_changes, lower_fingerprint, source_components
from genpack_tui.engine.build.stamps import clear_stamp, read_stamp, write_stamp
from genpack_tui.engine.events import PhaseSkipped, WarningEvent
from genpack_tui.engine.runtime import privileged, work_area
from genpack_tui.engine.runtime.confined import ConfinedDir, UnsafePathError
from genpack_tui.engine.runtime.images import create_ext4_image, create_work_root
from genpack_tui.engine.runtime.mounts import mounted_image
from genpack_tui.engine.sources.fetch_all import update_sources
from genpack_tui.engine.sources.identity import SourceIdentity, load_identity, save_identity
from genpack_tui.engine.sources.locations import distfiles_mirror_env

GIB = 1024 ** 3


def lower_inputs(ctx: BuildContext) -> dict[str, Any]:
    inputs = dict(ctx.derived.phase_inputs["lower"])
    inputs["devel"] = ctx.request.devel
    binhost = _binhost(ctx)
    if binhost is not None:  # only when given, so a build without one keeps its old fingerprint
        inputs["binhost"] = binhost.url
    return inputs


def _binhost(ctx: BuildContext) -> Binhost | None:
    try:
        return chosen_binhost(ctx.request.binhost)
    except BinhostError as exc:
        raise PhaseFailed(str(exc)) from None


def _distcc(ctx: BuildContext) -> Distcc | None:
    try:
        return chosen_distcc(ctx.request.distcc)
    except DistccError as exc:
        raise PhaseFailed(str(exc)) from None


def current_fingerprint(ctx: BuildContext, identity: SourceIdentity | None) -> Fingerprint:
    return lower_fingerprint(lower_inputs(ctx), ctx.paths.artifact_dir, source_components(identity))


def run_lower(ctx: BuildContext, *, always: bool) -> bool:
    """Bring the lower image up to date; returns False when it was already (and ``always`` is false)."""
    paths = ctx.paths
    require_real_trees(paths.artifact_dir, LOWER_TREES)  # before anything is fetched or copied
    binhost, distcc = _binhost(ctx), _distcc(ctx)  # a bad URL or host list stops here, before any work
    create_work_root(paths.work_dir)
    _in_work(paths.arch_dir, ConfinedDir.make_dirs)
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
            world_newer = _world_newer_than(portage_config.lower_image(root), done)
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
        image = portage_config.lower_image(root)
        if not new_image and recorded is not None:
            _replace_changed_trees(ctx, image, recorded, identity)
        save_identity(paths.lower_image, identity)
        with ctx.step("portage-config", "Writing the Portage configuration..."):
            portage_config.set_profile(ctx, image)
            portage_config.write_portage_files(ctx, image)
            portage_config.sync_portage_dirs(ctx, image)
            portage_config.write_binrepos(image, binhost.binrepos_conf() if binhost else None)
        _regenerate_local_manifests(ctx, image)
        usable_binhost = binhost if binhost is not None and _binhost_answers(ctx, binhost) else None
        distcc = distcc if distcc is None else _distcc_usable(ctx, root, distcc)
        _emerge_sequence(ctx, root, binhost=usable_binhost, distcc=distcc)
    write_stamp(done, fingerprint)
    _in_work(paths.lower_fresh, ConfinedDir.unlink)
    return True


def _in_work(path: Path, operation: Callable[[ConfinedDir, str], object]) -> None:
    """``operation(dir, relative)`` on a path under ``work/``, no link there followed (runtime/work_area.py)."""
    directory, relative = work_area.confined(path)
    with directory:
        operation(directory, relative)


def _touch(work: ConfinedDir, relative: str) -> None:
    work.write_bytes(relative, b"")


def _world_newer_than(image: ConfinedDir, done: Path) -> bool:
    try:
        return int(image.stat("var/lib/portage/world").st_mtime) > int(done.stat().st_mtime)
    except (OSError, UnsafePathError):
        return True


def _create_lower_image(ctx: BuildContext, identity: SourceIdentity) -> None:
    paths = ctx.paths
    size = ctx.derived.lower_capacity_gib * GIB
    with ctx.step("lower-image", f"Creating the lower image ({ctx.derived.lower_capacity_gib} GiB, sparse)..."):
        _in_work(paths.lower_fresh, ConfinedDir.unlink)
        create_ext4_image(paths.lower_image, size, replace=True)
        try:
            with mounted_image(paths.lower_image) as root:
                ctx.say("Extracting stage3...", "lower-image")
                privileged.extract_tar(paths.stage3, root)
                image = portage_config.lower_image(root)
                _extract_tree(ctx, image, "var/db/repos/gentoo", paths.portage_snapshot)
                _extract_tree(ctx, image, portage_config.OVERLAY_REPO, paths.overlay_tarball)
                portage_config.setup_repos_conf(image)
                portage_config.fix_distfiles_ownership(image)
                save_identity(paths.lower_image, identity)
        except BaseException:
            _in_work(paths.lower_image, ConfinedDir.unlink)
            raise
        _in_work(paths.lower_fresh, _touch)


def _extract_tree(ctx: BuildContext, image: ConfinedDir, relative: str, tarball: Path) -> None:
    """Replace /relative in the image by the tarball's tree; a link on the way or at /relative itself
    is resolved (or, at the end, removed) inside the image, and tar gets the directory, not a path."""
    if image.exists(relative):
        ctx.say(f"Replacing /{relative}", "sources")
        image.remove_tree(relative)  # docs/compatibility.md §8: replaced trees are deleted, not accumulated
    with image.subdir(relative, create=True) as target:
        privileged.extract_tar(tarball, target, strip_components=1)


def _replace_changed_trees(ctx: BuildContext, image: ConfinedDir, recorded: SourceIdentity,
                           identity: SourceIdentity) -> None:
    for change in recorded.changes(identity):
        ctx.say(change, "sources")
    if recorded.portage != identity.portage:
        with ctx.step("portage-tree", "Replacing the Portage tree..."):
            _extract_tree(ctx, image, "var/db/repos/gentoo", ctx.paths.portage_snapshot)
    if recorded.overlay != identity.overlay:
        with ctx.step("overlay-tree", "Replacing genpack-overlay..."):
            _extract_tree(ctx, image, portage_config.OVERLAY_REPO, ctx.paths.overlay_tarball)


def _regenerate_local_manifests(ctx: BuildContext, image: ConfinedDir) -> None:
    packages = portage_config.local_overlay_packages_without_manifest(ctx.paths.artifact_dir)
    if not packages:
        return
    with ctx.step("manifests", f"Regenerating Manifests for local overlay: {packages}"):
        for package in packages:
            pkg_dir = f"{portage_config.LOCAL_OVERLAY}/{package}"
            try:
                ebuilds = [n for n in image.listdir(pkg_dir) if n.endswith(".ebuild")]
            except (FileNotFoundError, NotADirectoryError):
                ebuilds = []
            for name in ebuilds[:1]:
                inside = f"/{pkg_dir}/{name}"
                rc = ctx.container(image.path, ["ebuild", inside, "manifest"], step="manifests",
                                   env=distfiles_mirror_env(ctx.request.mirror))
                if rc != 0:
                    ctx.sink(WarningEvent(message=f"ebuild manifest failed for {package} (exit {rc})", phase="lower"))


def _binhost_answers(ctx: BuildContext, binhost: Binhost) -> bool:
    with ctx.step("binhost", f"Checking the binhost {binhost.url}..."):
        problem = probe(binhost)
    if problem is None:
        ctx.say(f"Binary packages from {binhost.url} (emerge --getbinpkg)", "binhost")
        return True
    ctx.sink(WarningEvent(phase="lower", message=f"binhost {binhost.url} ({binhost.origin}) is not usable: "
                          f"{problem}; building from the local cache and from source"))
    return False


def _distcc_usable(ctx: BuildContext, root: Path, distcc: Distcc) -> Distcc | None:
    """``distcc`` when the lower has distcc and its masquerade directory; else a warning and None."""
    if ctx.container(root, ["sh", "-c", MASQUERADE_CHECK], step="distcc", quiet=True) == 0:
        ctx.say(f"Compiling with distcc on {' '.join(distcc.hosts)} ({distcc.origin})", "distcc")
        return distcc
    ctx.sink(WarningEvent(phase="lower", message=f"{distcc.origin}: distcc is not installed in the lower image "
                          "(no distcc program or /usr/lib*/distcc masquerade directory; the genpack-overlay "
                          "profile or buildtime_packages must provide sys-devel/distcc); compiling locally"))
    return None


def _emerge_options(ctx: BuildContext, *, getbinpkg: bool = False) -> EmergeOptions:
    return EmergeOptions(
        getbinpkg=getbinpkg,
        parallel_jobs=(os.cpu_count() or 1) if ctx.request.parallel else None,
        binpkg_excludes=tuple(ctx.derived.binpkg_excludes),
        deep_depclean=ctx.request.deep_depclean,
        independent_binpkgs=ctx.derived_independent,
    )


def _run_step(ctx: BuildContext, root: Path, step: Step, *, parser: EmergeOutputParser | None = None,
              distcc: Distcc | None = None) -> int:
    with ctx.step(step.name, step.title):
        env = merged_features({**ctx.emulation_env(), **distfiles_mirror_env(ctx.request.mirror), **step.setenv},
                              distcc)
        rc = ctx.container(root, step.argv, step=step.name, env=env, binpkgs=True, parser=parser)
        if step.check and rc != 0:
            failed = [f"{f.package} ({f.reason})" if f.reason else f.package for f in (parser.failures if parser else [])]
            detail = f" (failed: {', '.join(failed)})" if failed else ""
            raise PhaseFailed(f"{step.title.rstrip('.')} failed with exit status {rc}{detail}")
        return rc


def _rebuilding_rejected(ctx: BuildContext, step: Step, rejected: dict[str, str]) -> Step:
    """``step`` again, the binary packages Portage refused excluded, so they are built from source."""
    names = sorted({cpv_name(package) for package in rejected})
    for package, why in sorted(rejected.items()):
        ctx.sink(WarningEvent(phase="lower", message=f"Portage refused the binary package of {package} ({why}); "
                              "building it from source"))
    argv = [*step.argv[:-1], "--usepkg-exclude", " ".join(names), step.argv[-1]]
    return Step(f"{step.name}-rebuild", f"{step.title.rstrip('.')}, refused binary packages from source...",
                argv, setenv=step.setenv, check=step.check)


def _emerge_sequence(ctx: BuildContext, root: Path, *, binhost: Binhost | None = None,
                    distcc: Distcc | None = None) -> None:
    """genpack's emerge sequence; with a binhost that answered, emerge takes its binary packages too."""
    opts = _emerge_options(ctx, getbinpkg=binhost is not None)
    binhost_url = binhost.url if binhost else None

    def emerge_step(step: Step) -> int:
        parser = EmergeOutputParser("lower", binhost_url=binhost_url)
        try:
            return _run_step(ctx, root, step, parser=parser, distcc=distcc)
        except PhaseFailed:
            if not parser.rejected or not step.check:
                raise
        return _run_step(ctx, root, _rebuilding_rejected(ctx, step, parser.rejected),
                         parser=EmergeOutputParser("lower", binhost_url=binhost_url), distcc=distcc)

    breaker = ctx.derived.circulardep_breaker or {}
    if breaker.get("packages"):
        if not breaker.get("use"):
            ctx.sink(WarningEvent(message="circulardep_breaker use is not set, proceeding without setting USE flags.",
                                  phase="lower"))
        emerge_step(circulardep_breaker_step(list(breaker["packages"]), breaker.get("use"), opts))
    if ctx.paths.lower_fresh.exists() or ctx.request.break_circular_deps:
        emerge_step(genpack_progs_step(opts))
        if ctx.container(root, ["which", "genpack-break-circular-dep"], step="break-circular-deps",
                         quiet=True) == 0:
            _run_step(ctx, root, automatic_breaker_step(opts), distcc=distcc)
        else:
            ctx.sink(WarningEvent(phase="lower", message="genpack-break-circular-dep not available (genpack-progs "
                                  "too old?), skipping automatic circular dependency check."))
    if ctx.derived.buildtime_packages_first and ctx.derived.buildtime_packages:
        emerge_step(buildtime_first_step(opts))
    emerge_step(main_emerge_step(opts))
    for step in post_emerge_steps(opts):
        rc = emerge_step(step) if step.argv[0] == "emerge" else _run_step(ctx, root, step)
        if step.name == "depclean" and rc != 0:
            ctx.sink(WarningEvent(message="emerge --depclean failed; retrying with --with-bdeps=n", phase="lower"))
            _run_step(ctx, root, depclean_fallback_step())
