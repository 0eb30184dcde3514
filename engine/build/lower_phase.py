"""The lower phase (docs/genpack.md §5): sources, the lower image, Portage config, emerge."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from genpack_tui.engine.build import adoption, portage_config
from genpack_tui.engine.build.artifact_trees import LOWER_TREES, require_real_trees
from genpack_tui.engine.build.binhost import Binhost, BinhostError, chosen_binhost, probe
from genpack_tui.engine.build.context import BuildContext, PhaseFailed
from genpack_tui.engine.build.distcc import MASQUERADE_CHECK, Distcc, DistccError, chosen_distcc, merged_features
from genpack_tui.engine.build.emerge_output import EmergeOutputParser, cpv_name
from genpack_tui.engine.build.fingerprint import Fingerprint, describe_changes, lower_fingerprint, source_components
from genpack_tui.engine.build.plan import PlanStep
from genpack_tui.engine.build.profile_check import require_profile
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
    return lower_fingerprint(lower_inputs(ctx), ctx.paths.artifact_dir, source_components(identity),
                             ctx.request.overlay_override_path)


def run_lower(ctx: BuildContext, *, always: bool) -> bool:
    """Bring the lower image up to date; returns False when it was already (and ``always`` is false)."""
    paths = ctx.paths
    require_real_trees(paths.artifact_dir, LOWER_TREES)  # before anything is fetched or copied
    binhost, distcc = _binhost(ctx), _distcc(ctx)  # a bad URL or host list stops here, before any work
    create_work_root(paths.work_dir)
    _in_work(paths.arch_dir, ConfinedDir.make_dirs)
    genpack_image = adoption.is_genpack_image(paths)
    headers_before = adoption.source_headers(paths) if genpack_image else {}
    with ctx.host_step("sources"):
        identity = update_sources(paths.work_dir, ctx.resolution.arch, ctx.request.mirror,
                                  ctx.request.overlay_url, ctx.sink, keyring=ctx.request.keyring)
    require_profile(ctx)  # before any image is created or changed
    recorded = load_identity(paths.lower_image) if paths.lower_image.exists() else None
    fingerprint = current_fingerprint(ctx, identity)
    done = paths.done_marker("lower")
    stamp = read_stamp(done)
    if genpack_image:
        taken = adoption.adopt(paths, ctx.resolution.config_file, headers_before, identity)
        for line in taken.said:
            ctx.say(line, "adoption")
        recorded = taken.recorded
        if recorded is not None and taken.done_mtime is not None and not always:
            with mounted_image(paths.lower_image, readonly=True) as root:
                world_newer = _world_newer_than(portage_config.lower_image(root), done)
            if not world_newer:
                save_identity(paths.lower_image, identity)
                write_stamp(done, fingerprint)
                ctx.sink(PhaseSkipped(phase="lower", reason="adopted genpack's completed lower image"))
                return False
            ctx.say("The image's world file is newer than genpack's lower.done: lower runs on the adopted image",
                    "adoption")
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
        with ctx.host_step("portage-config"):
            portage_config.set_profile(ctx, image)
            portage_config.write_portage_files(ctx, image)
            portage_config.sync_portage_dirs(ctx, image)
            portage_config.write_binrepos(image, binhost.binrepos_conf() if binhost else None)
        usable_binhost = binhost if binhost is not None and _binhost_answers(ctx, binhost) else None
        distcc = distcc if distcc is None else _distcc_usable(ctx, root, distcc)
        _run_container_steps(ctx, root, binhost=usable_binhost, distcc=distcc)
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
    with ctx.host_step("lower-image"):
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
        with ctx.host_step("portage-tree"):
            _extract_tree(ctx, image, "var/db/repos/gentoo", ctx.paths.portage_snapshot)
    if recorded.overlay != identity.overlay:
        with ctx.host_step("overlay-tree"):
            _extract_tree(ctx, image, portage_config.OVERLAY_REPO, ctx.paths.overlay_tarball)


def _run_container_steps(ctx: BuildContext, root: Path, *, binhost: Binhost | None = None,
                         distcc: Distcc | None = None) -> None:
    """The lower plan's container steps in order (engine/build/plan.py), each when its condition holds;
    emerge takes binary packages from ``binhost`` and compiles on ``distcc`` when they are usable."""
    fresh = ctx.paths.lower_fresh.exists() or ctx.request.break_circular_deps
    results: dict[str, int] = {}
    for step in ctx.plan.lower:
        if not step.in_container or (step.when == "fresh-or-forced" and not fresh):
            continue
        if step.when == "breaker-available":
            if "break-circular-deps-probe" not in results:
                continue
            if results["break-circular-deps-probe"] != 0:
                ctx.sink(WarningEvent(phase="lower", message="genpack-break-circular-dep not available (genpack-progs "
                                      "too old?), skipping automatic circular dependency check."))
                continue
        if step.when == "depclean-failed":
            if results.get("depclean", 0) == 0:
                continue
            ctx.sink(WarningEvent(message="emerge --depclean failed; retrying with --with-bdeps=n", phase="lower"))
        if step.name == "circulardep-breaker" and "USE" not in step.setenv:
            ctx.sink(WarningEvent(message="circulardep_breaker use is not set, proceeding without setting USE flags.",
                                  phase="lower"))
        results[step.name] = rc = _run_step(ctx, root, step, binhost=binhost, distcc=distcc)
        if step.name == "manifests" and rc != 0:
            package = "/".join(Path(step.argv[1]).parts[-3:-1])
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


def _run_step(ctx: BuildContext, root: Path, step: PlanStep, *, binhost: Binhost | None = None,
              distcc: Distcc | None = None) -> int:
    """Run one plan step; a binary package Portage refuses (from a binhost) is built from source in a
    second run of the step."""
    if binhost is None:  # not configured, or it did not answer: the plan's --getbinpkg is dropped
        step = replace(step, argv=tuple(a for a in step.argv if a != "--getbinpkg"))
    binhost_url = binhost.url if binhost is not None else None
    parser = EmergeOutputParser("lower", binhost_url=binhost_url) if step.emerge else None
    try:
        return _run_once(ctx, root, step, parser, distcc)
    except PhaseFailed:
        if parser is None or not parser.rejected or not step.check:
            raise
    retry = _rebuilding_rejected(ctx, step, parser.rejected)
    return _run_once(ctx, root, retry, EmergeOutputParser("lower", binhost_url=binhost_url), distcc)


def _run_once(ctx: BuildContext, root: Path, step: PlanStep, parser: EmergeOutputParser | None,
              distcc: Distcc | None) -> int:
    env = {**step.setenv, **distfiles_mirror_env(ctx.request.mirror)}
    if step.binpkgs:  # the steps that emerge
        env = merged_features(env, distcc)

    def run() -> int:
        return ctx.container(root, step.argv, step=step.name, env=env, binpkgs=step.binpkgs,
                             download=step.download, overlay_override=step.overlay_override, parser=parser,
                             quiet=step.quiet)

    if step.quiet:  # a probe: no step of its own in the events
        return run()
    with ctx.step(step.name, step.title):
        rc = run()
        if step.check and rc != 0:
            failed = [f"{f.package} ({f.reason})" if f.reason else f.package for f in (parser.failures if parser else [])]
            detail = f" (failed: {', '.join(failed)})" if failed else ""
            raise PhaseFailed(f"{step.title.rstrip('.')} failed with exit status {rc}{detail}")
        return rc


def _rebuilding_rejected(ctx: BuildContext, step: PlanStep, rejected: dict[str, str]) -> PlanStep:
    """``step`` again, the binary packages Portage refused excluded, so they are built from source."""
    names = sorted({cpv_name(package) for package in rejected})
    for package, why in sorted(rejected.items()):
        ctx.sink(WarningEvent(phase="lower", message=f"Portage refused the binary package of {package} ({why}); "
                              "building it from source"))
    argv = (*step.argv[:-1], "--usepkg-exclude", " ".join(names), step.argv[-1])
    return replace(step, name=f"{step.name}-rebuild",
                   title=f"{step.title.rstrip('.')}, refused binary packages from source...", argv=argv)
