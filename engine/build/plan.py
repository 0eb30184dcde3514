"""What a build of one (variant, arch) does, phase by phase, as data: the one source of truth.

Pure and headless: computed from the resolved configuration, the request and a read-only look at the
artifact directory, without root and without running anything. The phases (lower_phase.py,
upper_phase.py, pack_phase.py) run the container steps of this plan in order; ``genpack-tui plan``
prints it. A step that depends on what the build finds (a fresh lower image, a failed depclean) is in
the plan with ``when`` naming the condition (CONDITIONS) instead of being left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from genpack_tui.engine.build.artifact_trees import has_tree
from genpack_tui.engine.build.binhost import BinhostError, chosen_binhost
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
from genpack_tui.engine.build.pack_commands import CREATE_IMAGE, create_image_argv, mksquashfs_options
from genpack_tui.engine.build.request import BuildRequest
from genpack_tui.engine.build.upper_commands import FILES_AND_BUILD_SCRIPTS, groupadd_argv, upper_env, useradd_argv
from genpack_tui.engine.config import Derived
from genpack_tui.engine.config.portage_files import RUNTIME_SET
from genpack_tui.engine.runtime.confined import ConfinedDir
from genpack_tui.engine.runtime.nspawn import NspawnSpec

PLAN_SCHEMA = "1.0"  # the --json object's MAJOR.MINOR, versioned as docs/events.md says
LOWER, UPPER, HOST = "lower", "upper", "host"  # where a step runs
LOCAL_OVERLAY = "var/db/repos/genpack-local-overlay"
UPPER_LAYER = "<upper layer>"  # how the plan shows the mounted upper layer's directory
# genpack's `which` before the automatic breaker: its exit status decides whether the breaker runs
BREAKER_PROBE = Step("break-circular-deps-probe", "Looking for genpack-break-circular-dep...",
                     ["which", "genpack-break-circular-dep"], check=False)

# when-keys: the run-time conditions a step waits for, and how the plan shows them
CONDITIONS = {
    "new-lower-image": "no lower image yet, or a new stage3",
    "portage-changed": "the lower image exists and the Portage snapshot changed",
    "overlay-changed": "the lower image exists and the genpack-overlay changed",
    "fresh-or-forced": "a freshly extracted lower image (lower.fresh), or --break-circular-deps",
    "breaker-available": "genpack-break-circular-dep exists in the lower image (the 'which' before succeeded)",
    "depclean-failed": "the plain depclean failed",
    "create-image": f"the lower image has /usr/bin/{CREATE_IMAGE} (genpack's pack, docs/compatibility.md §13)",
    "no-create-image": f"the lower image has no /usr/bin/{CREATE_IMAGE}: pack runs on the host",
    "efi-loaders": f"pack runs on the host (no {CREATE_IMAGE}), the lower image has /usr/lib/genpack-install/*.efi "
                   "and the squashfs is under 4 GiB",
}


@dataclass(frozen=True)
class PlanStep:
    """One unit of work. ``setenv`` is what we pass the container; ``env`` what it gets (nspawn.py)."""

    name: str
    title: str
    where: str  # LOWER, UPPER (the lower image with the upper layer over it) or HOST
    argv: tuple[str, ...] = ()  # empty: an operation genpack-tui does in-process, on the host
    setenv: dict[str, str] = field(default_factory=dict)
    stdin: str | None = None
    when: str | None = None  # a CONDITIONS key
    check: bool = True  # a failure stops the phase
    binpkgs: bool = False  # /var/cache/binpkgs bound (unless independent binpkgs)
    download: bool = False  # /var/cache/download bound
    emerge: bool = False  # the output is emerge's (parsed for progress and failures)
    quiet: bool = False  # output not shown (a probe)
    overlay_override: bool = False  # --overlay-override bound read-only over the genpack-overlay

    @property
    def in_container(self) -> bool:
        return self.where != HOST

    @property
    def env(self) -> dict[str, str]:
        if not self.in_container:
            return {}
        # the container's whole environment, computed as nspawn.py computes it for --setenv
        return NspawnSpec(root=Path("/"), command=list(self.argv), machine="plan", env=self.setenv).environment()

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "where": self.where, "argv": list(self.argv),
                "env": self.env, "stdin": self.stdin, "when": self.when,
                "condition": CONDITIONS[self.when] if self.when else None, "check": self.check,
                "binds": self.binds}

    @property
    def binds(self) -> list[str]:
        """What the container gets bound besides the artifact at /mnt/host."""
        return [name for name, on in (("binpkgs", self.binpkgs), ("download", self.download),
                                      ("overlay-override", self.overlay_override)) if on]


@dataclass(frozen=True)
class BuildPlan:
    name: str
    variant: str | None
    arch: str
    emulated: bool
    profile: str
    portage_files: dict[str, str]
    lower: list[PlanStep]
    upper: list[PlanStep]
    pack: list[PlanStep]
    outfile: str
    compression: str

    def phase(self, phase: str) -> list[PlanStep]:
        return {"lower": self.lower, "upper": self.upper, "pack": self.pack}[phase]

    def find(self, phase: str, name: str) -> PlanStep:
        """The first step called ``name`` in ``phase``."""
        return next(step for step in self.phase(phase) if step.name == name)

    def host(self, name: str) -> PlanStep:
        """The host step called ``name`` (host step names are unique across the phases)."""
        return next(step for step in self.lower + self.upper + self.pack if step.name == name and not step.in_container)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": PLAN_SCHEMA, "name": self.name, "variant": self.variant, "arch": self.arch,
            "emulated": self.emulated, "profile": self.profile, "portage_files": dict(self.portage_files),
            "lower": [s.to_json() for s in self.lower], "upper": [s.to_json() for s in self.upper],
            "pack": {"outfile": self.outfile, "compression": self.compression,
                     "steps": [s.to_json() for s in self.pack]},
        }


def effective_compression(request: BuildRequest, derived: Derived) -> str:
    return request.compression or derived.compression


def portage_files(derived: Derived, devel: bool) -> dict[str, str]:
    """The Portage files written into the lower image, target (relative to /) to exact content."""
    files = dict(derived.portage_files)
    if devel:  # docs/compatibility.md §15
        runtime = files[RUNTIME_SET]
        files[RUNTIME_SET] = runtime + ("\n" if runtime else "") + "genpack/devel"
    return files


def emerge_options(request: BuildRequest, derived: Derived, cpu_count: int) -> EmergeOptions:
    return EmergeOptions(
        getbinpkg=_binhost_given(request),
        parallel_jobs=cpu_count if request.parallel else None,
        binpkg_excludes=tuple(derived.binpkg_excludes),
        deep_depclean=request.deep_depclean,
        independent_binpkgs=request.independent_binpkgs or derived.independent_binpkgs,
    )


def _binhost_given(request: BuildRequest) -> bool:
    """A binhost is configured (--binhost, GENPACK_BINHOST): emerge gets --getbinpkg, which the lower
    phase drops when the binhost does not answer (engine/build/lower_phase.py)."""
    try:
        return chosen_binhost(request.binhost) is not None
    except BinhostError:  # the lower phase refuses it, naming it, before anything runs
        return False


def emulation_env(emulated: bool) -> dict[str, str]:
    """Gentoo bug 703278: portage's pid-sandbox breaks under qemu-user emulation."""
    return {"FEATURES": "-pid-sandbox"} if emulated else {}


def build_plan(request: BuildRequest, derived: Derived, *, emulated: bool, cpu_count: int) -> BuildPlan:
    """The plan of ``request`` (its options; the phases it names do not matter) for ``derived``."""
    override = request.overlay_override is not None

    def bound(steps: list[PlanStep]) -> list[PlanStep]:
        return [replace(s, overlay_override=override and s.in_container) for s in steps]

    return BuildPlan(
        name=derived.name, variant=derived.variant, arch=derived.arch, emulated=emulated,
        profile=derived.profile_path, portage_files=portage_files(derived, request.devel),
        lower=bound(lower_steps(request, derived, request.artifact_path, emulated=emulated, cpu_count=cpu_count)),
        upper=bound(upper_steps(derived, emulated=emulated)),
        pack=pack_steps(derived.outfile, effective_compression(request, derived)),
        outfile=derived.outfile, compression=effective_compression(request, derived),
    )


def lower_steps(request: BuildRequest, derived: Derived, artifact_dir: Path, *, emulated: bool,
                cpu_count: int) -> list[PlanStep]:
    steps = [
        PlanStep("sources", "Checking stage3, Portage snapshot and genpack-overlay...", HOST),
        PlanStep("lower-image", f"Creating the lower image ({derived.lower_capacity_gib} GiB, sparse)...", HOST,
                 when="new-lower-image"),
        PlanStep("portage-tree", "Replacing the Portage tree...", HOST, when="portage-changed"),
        PlanStep("overlay-tree", "Replacing genpack-overlay...", HOST, when="overlay-changed"),
        PlanStep("portage-config", "Writing the Portage configuration...", HOST),
    ]
    steps += manifest_steps(artifact_dir)
    return steps + emerge_steps(request, derived, emulated=emulated, cpu_count=cpu_count)


def manifest_steps(artifact_dir: Path) -> list[PlanStep]:
    """``ebuild … manifest`` for each local-overlay package that has an ebuild and no Manifest; the
    lower image's local overlay is an exact copy of overlay/ by then. Links in overlay/ are never followed."""
    steps = []
    for package, ebuild in local_overlay_packages_without_manifest(artifact_dir):
        steps.append(PlanStep("manifests", f"Regenerating Manifests for local overlay: {package}", LOWER,
                              ("ebuild", f"/{LOCAL_OVERLAY}/{package}/{ebuild}", "manifest"), check=False))
    return steps


def local_overlay_packages_without_manifest(artifact_dir: Path) -> list[tuple[str, str]]:
    """(cat/pkg, first ebuild by name) of the overlay/ packages with an ebuild and no Manifest."""
    if not has_tree(artifact_dir, "overlay"):
        return []
    found = []
    with ConfinedDir(artifact_dir).subdir("overlay") as overlay:
        for category in sorted(overlay.listdir()):
            if not overlay.is_dir(category):
                continue
            for package in sorted(overlay.listdir(category)):
                pkg_dir = f"{category}/{package}"
                if not overlay.is_dir(pkg_dir) or overlay.exists(f"{pkg_dir}/Manifest"):
                    continue
                ebuilds = sorted(n for n in overlay.listdir(pkg_dir)
                                 if n.endswith(".ebuild") and overlay.is_file(f"{pkg_dir}/{n}"))
                if ebuilds:
                    found.append((pkg_dir, ebuilds[0]))
    return found


def emerge_steps(request: BuildRequest, derived: Derived, *, emulated: bool, cpu_count: int) -> list[PlanStep]:
    opts = emerge_options(request, derived, cpu_count)
    steps: list[tuple[Step, str | None]] = []
    breaker = derived.circulardep_breaker or {}
    if breaker.get("packages"):
        steps.append((circulardep_breaker_step(list(breaker["packages"]), breaker.get("use"), opts), None))
    steps.append((genpack_progs_step(opts), "fresh-or-forced"))
    steps.append((BREAKER_PROBE, "fresh-or-forced"))
    steps.append((automatic_breaker_step(opts), "breaker-available"))
    if derived.buildtime_packages_first and derived.buildtime_packages:
        steps.append((buildtime_first_step(opts), None))
    steps.append((main_emerge_step(opts), None))
    for step in post_emerge_steps(opts):
        steps.append((step, None))
        if step.name == "depclean" and not step.check:
            steps.append((depclean_fallback_step(), "depclean-failed"))
    env = emulation_env(emulated)
    return [PlanStep(step.name, step.title, LOWER, tuple(step.argv), {**env, **step.setenv}, when=when,
                     check=step.check, binpkgs=not opts.independent_binpkgs, emerge=step.argv[0] == "emerge",
                     quiet=step is BREAKER_PROBE)
            for step, when in steps]



def upper_steps(derived: Derived, *, emulated: bool) -> list[PlanStep]:
    env = {**emulation_env(emulated), **upper_env(derived.name, derived.profile, derived.variant)}
    plain = emulation_env(emulated)
    steps = [
        PlanStep("upper-image", "Creating a fresh upper image (20 GiB, sparse)...", HOST),
        PlanStep("package-scripts", "Executing package scripts and generating metadata...", UPPER,
                 ("genpack-exec-package-scripts",), env, download=True),
    ]
    steps += [PlanStep("groups", f"Creating group {g['name']}...", UPPER, tuple(groupadd_argv(g)), plain)
              for g in derived.groups]
    steps += [PlanStep("users", f"Creating user {u['name']}...", UPPER, tuple(useradd_argv(u)), plain)
              for u in derived.users]
    steps.append(PlanStep("files", "Copying files/ and running build scripts...", UPPER, ("sh",), env,
                          stdin=FILES_AND_BUILD_SCRIPTS, download=True))
    steps += [PlanStep("setup-commands", f"Executing setup command: {command}", UPPER, ("sh", "-c", command), env,
                       download=True) for command in derived.setup_commands]
    if derived.services:
        steps.append(PlanStep("services", f"Enabling services: {' '.join(derived.services)}", UPPER,
                              ("systemctl", "enable", *derived.services), plain))
    steps.append(PlanStep("copyup", "Triggering overlayfs copy-up for runtime package files...", UPPER,
                          ("genpack-copyup",), plain))
    steps.append(PlanStep("copyup-dev", "Copying /dev from lower image to upper image...", HOST))
    return steps



def pack_steps(outfile: str, compression: str) -> list[PlanStep]:
    image = str(Path(outfile).with_suffix(".img"))
    return [
        PlanStep("create-image", f"Creating SquashFS image: {Path(outfile).name} ({compression}) with {CREATE_IMAGE}",
                 LOWER, tuple(create_image_argv(outfile, compression)), when="create-image"),
        PlanStep("squashfs", f"Creating SquashFS image: {Path(outfile).name} ({compression})", HOST,
                 ("mksquashfs", UPPER_LAYER, f"{outfile}.tmp", *squashfs_options(compression)), when="no-create-image"),
        PlanStep("superfloppy", f"Creating EFI superfloppy image: {Path(image).name}", HOST, when="efi-loaders"),
    ]


def squashfs_options(compression: str) -> list[str]:
    """Everything after ``mksquashfs <upper> <output>`` as pack runs it (no progress bar in a log)."""
    return mksquashfs_options(compression) + ["-no-progress"]
