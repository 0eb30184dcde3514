"""engine/build/plan.py: the steps a build runs, and the phases running exactly those steps."""
from __future__ import annotations

from pathlib import Path

import pytest

from genpack_tui.engine.build import lower_phase, upper_phase
from genpack_tui.engine.build.context import BuildContext, PhaseFailed
from genpack_tui.engine.build.paths import WorkPaths
from genpack_tui.engine.build.plan import CONDITIONS, HOST, build_plan
from genpack_tui.engine.build.request import BuildRequest
from genpack_tui.engine.config import resolve
from genpack_tui.engine.events import WarningEvent
from genpack_tui.engine.runtime.confined import UnsafePathError
from genpack_tui.engine.runtime.host import HostInfo
from genpack_tui.engine.runtime.nspawn import NspawnSpec
from genpack_tui.engine.runtime.ownership import InvokingUser

CONFIG = """{
  name: "demo", profile: "paravirt",
  packages: ["app-misc/hello"], buildtime_packages: ["dev-util/tool"], buildtime_packages_first: true,
  circulardep_breaker: {packages: ["dev-libs/a"], use: "-b"},
  users: [{name: "alice", uid: 1000}], groups: [{name: "g", gid: 50}],
  setup_commands: ["echo one"], services: ["sshd"],
  variants: {v: {profile: "baremetal"}},
}
"""


@pytest.fixture
def artifact(make_artifact) -> Path:
    return make_artifact(CONFIG)


def plan_of(artifact: Path, *, variant=None, emulated=False, **options):
    res = resolve(artifact, variant=variant, arch="x86_64")
    assert res.errors == []
    request = BuildRequest(action="build", artifact_dir=str(artifact), variant=variant, **options)
    return build_plan(request, res.derived, emulated=emulated, cpu_count=3)


def names(steps) -> list[str]:
    return [s.name for s in steps]


def test_lower_order_and_conditions(artifact: Path) -> None:
    plan = plan_of(artifact)
    assert names(plan.lower) == [
        "sources", "lower-image", "portage-tree", "overlay-tree", "portage-config",
        "circulardep-breaker", "genpack-progs", "break-circular-deps-probe", "break-circular-deps",
        "emerge-buildtime-first", "emerge-world", "rebuild-kernel-modules", "preserved-rebuild", "unmerge-masked",
        "depclean", "depclean-bdeps", "cleanup"]
    when = {s.name: s.when for s in plan.lower if s.when}
    assert when == {"lower-image": "new-lower-image", "portage-tree": "portage-changed",
                    "overlay-tree": "overlay-changed", "genpack-progs": "fresh-or-forced",
                    "break-circular-deps-probe": "fresh-or-forced", "break-circular-deps": "breaker-available",
                    "depclean-bdeps": "depclean-failed"}
    assert set(when.values()) <= set(CONDITIONS)
    breaker = plan.find("lower", "circulardep-breaker")
    assert breaker.setenv == {"USE": "-b"} and breaker.argv[-1] == "dev-libs/a" and breaker.binds == ["binpkgs"]


def test_host_steps_have_unique_names(artifact: Path) -> None:
    plan = plan_of(artifact)
    hosts = [s.name for s in plan.lower + plan.upper + plan.pack if s.where == HOST]
    assert len(hosts) == len(set(hosts)) == 9
    assert plan.host("squashfs").argv[0] == "mksquashfs" and plan.host("copyup-dev").title.startswith("Copying /dev")


def test_container_env_is_what_nspawn_gives(artifact: Path) -> None:
    plan = plan_of(artifact, emulated=True)
    for step in plan.lower + plan.upper:
        if step.in_container:
            spec = NspawnSpec(root=Path("/"), command=list(step.argv), machine="x", env=step.setenv)
            assert step.env == spec.environment()
            assert step.env["FEATURES"] == "-pid-sandbox"  # every container of an emulated build
        else:
            assert step.env == {} and step.where == HOST
    package_scripts = plan.find("upper", "package-scripts")
    assert {k: package_scripts.env[k] for k in ("ARTIFACT", "PROFILE")} == {"ARTIFACT": "demo", "PROFILE": "paravirt"}
    assert "ARTIFACT" not in plan.find("upper", "users").env  # groups, users, services, copy-up: no build env


def test_upper_steps(artifact: Path) -> None:
    plan = plan_of(artifact, variant="v")
    assert names(plan.upper) == ["upper-image", "package-scripts", "groups", "users", "files", "setup-commands",
                                 "services", "copyup", "copyup-dev"]
    assert plan.find("upper", "users").argv == ("useradd", "-u", "1000", "-m", "alice")
    assert plan.find("upper", "setup-commands").argv == ("sh", "-c", "echo one")
    files = plan.find("upper", "files")
    assert files.stdin.startswith("set -e\n") and files.stdin.endswith("touch /usr")
    assert files.binds == ["download"] and plan.find("upper", "package-scripts").env["VARIANT"] == "v"
    assert plan.profile == "genpack-overlay:genpack/amd64/baremetal"


def test_options_reach_the_plan(artifact: Path, tmp_path: Path) -> None:
    plan = plan_of(artifact, parallel=True, independent_binpkgs=True, deep_depclean=True, devel=True,
                   compression="xz", overlay_override=str(tmp_path))
    world = plan.find("lower", "emerge-world")
    assert "--jobs=3" in world.argv and "--load-average=3" in world.argv
    assert world.binds == ["overlay-override"]  # independent binpkgs: no shared cache bound
    assert "depclean-bdeps" not in names(plan.lower)
    assert plan.find("lower", "depclean").argv[-1] == "--with-bdeps=n"
    assert "eclean-pkg -d" in plan.find("lower", "cleanup").argv[-1]
    assert plan.portage_files["etc/portage/sets/genpack-runtime"].endswith("\ngenpack/devel")
    assert plan.compression == "xz" and "xz" in plan.find("pack", "squashfs").argv
    assert plan.to_json()["pack"] == {"outfile": "demo-x86_64.squashfs", "compression": "xz",
                                      "steps": [s.to_json() for s in plan.pack]}


def test_manifests_from_overlay_without_following_links(artifact: Path, tmp_path: Path) -> None:
    for package, files in (("cat/one", ["one-2.ebuild", "one-1.ebuild"]), ("cat/two", ["two-1.ebuild", "Manifest"]),
                           ("cat/three", ["README"])):
        (artifact / "overlay" / package).mkdir(parents=True)
        for name in files:
            (artifact / "overlay" / package / name).touch()
    outside = tmp_path / "outside-pkg"
    outside.mkdir()
    (outside / "evil-1.ebuild").touch()
    (artifact / "overlay" / "cat" / "evil").symlink_to(outside)  # a planted link: never listed through
    (artifact / "overlay" / "cat" / "four").mkdir()
    (artifact / "overlay" / "cat" / "four" / "four-1.ebuild").symlink_to(outside / "evil-1.ebuild")
    manifests = [s for s in plan_of(artifact).lower if s.name == "manifests"]
    assert [s.argv for s in manifests] == [
        ("ebuild", "/var/db/repos/genpack-local-overlay/cat/one/one-1.ebuild", "manifest")]
    assert not manifests[0].check and manifests[0].env == NspawnSpec(root=Path("/"), command=["x"], machine="x").environment()
    assert sorted(p.name for p in outside.iterdir()) == ["evil-1.ebuild"]


def test_overlay_linked_out_of_the_artifact_is_refused(artifact: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (artifact / "overlay").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UnsafePathError, match="overlay is a symbolic link"):
        plan_of(artifact)


class RecordingContext(BuildContext):
    """A real BuildContext whose containers are recorded and answered instead of run."""

    def __init__(self, *args, answers=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ran: list[dict] = []
        self.answers = answers or {}

    def container(self, root, command, *, step, env=None, **kwargs) -> int:
        self.ran.append({"argv": tuple(command), "env": dict(env or {}), "step": step,
                         "stdin": kwargs.get("stdin"), "binpkgs": kwargs.get("binpkgs", False),
                         "download": kwargs.get("download", False)})
        return self.answers.get(step, 0)


def recording_context(artifact: Path, tmp_path: Path, events: list, **answers) -> RecordingContext:
    res = resolve(artifact, variant=None, arch="x86_64")
    host = HostInfo(is_root=True, systemd_pid1=False, udev=False, nspawn_path="systemd-nspawn", nspawn_version=255,
                    filesystems=frozenset(), loop_control=True, machine="x86_64")
    user = InvokingUser(uid=0, gid=0, name="root", home=tmp_path)
    paths = WorkPaths(artifact, "x86_64", None, tmp_path / ".cache")
    return RecordingContext(request=BuildRequest(action="build", artifact_dir=str(artifact)), resolution=res,
                            paths=paths, host=host, user=user, sink=events.append, phase="lower", answers=answers)


def expected(ctx: BuildContext, phase: str, skip: set[str]) -> list[tuple]:
    return [s.argv for s in ctx.plan.phase(phase) if s.in_container and s.name not in skip]


def test_lower_runs_exactly_the_plan(artifact: Path, tmp_path: Path) -> None:
    events: list = []
    ctx = recording_context(artifact, tmp_path, events)
    ctx.paths.arch_dir.mkdir(parents=True)
    ctx.paths.lower_fresh.touch()  # a fresh lower image: the breaker steps run
    lower_phase._run_container_steps(ctx, tmp_path)
    assert [r["argv"] for r in ctx.ran] == expected(ctx, "lower", {"depclean-bdeps"})
    assert [r["env"] for r in ctx.ran] == [s.setenv for s in ctx.plan.lower if s.in_container
                                           and s.name != "depclean-bdeps"]
    assert all(r["binpkgs"] for r in ctx.ran)

    events.clear()
    ctx = recording_context(artifact, tmp_path, events, **{"break-circular-deps-probe": 1, "depclean": 1})
    lower_phase._run_container_steps(ctx, tmp_path)  # still fresh; no breaker found; depclean fails
    assert [r["step"] for r in ctx.ran if r["step"].startswith(("break", "depclean"))] == [
        "break-circular-deps-probe", "depclean", "depclean-bdeps"]
    warnings = [e.message for e in events if isinstance(e, WarningEvent)]
    assert any("genpack-break-circular-dep not available" in w for w in warnings)
    assert any("retrying with --with-bdeps=n" in w for w in warnings)

    ctx.paths.lower_fresh.unlink()  # not fresh: no breaker at all
    ctx = recording_context(artifact, tmp_path, [])
    lower_phase._run_container_steps(ctx, tmp_path)
    assert [r["argv"] for r in ctx.ran] == expected(ctx, "lower", {"genpack-progs", "break-circular-deps-probe",
                                                                   "break-circular-deps", "depclean-bdeps"})


def test_lower_failure_names_the_step(artifact: Path, tmp_path: Path) -> None:
    ctx = recording_context(artifact, tmp_path, [], **{"emerge-world": 1})
    with pytest.raises(PhaseFailed, match="Emerging all packages failed with exit status 1"):
        lower_phase._run_container_steps(ctx, tmp_path)
    assert ctx.ran[-1]["step"] == "emerge-world"


def test_upper_runs_exactly_the_plan(artifact: Path, tmp_path: Path, monkeypatch) -> None:
    ctx = recording_context(artifact, tmp_path, [])
    ctx.phase = "upper"
    copied = []
    monkeypatch.setattr(upper_phase, "copy_dev", lambda lower, upper: copied.append((lower, upper)))
    upper_phase._populate(ctx, tmp_path / "lower", tmp_path / "upper")
    assert [r["argv"] for r in ctx.ran] == expected(ctx, "upper", set())
    plan_steps = [s for s in ctx.plan.upper if s.in_container]
    assert [r["stdin"] for r in ctx.ran] == [None if s.stdin is None else s.stdin.encode() for s in plan_steps]
    assert [r["download"] for r in ctx.ran] == [s.download for s in plan_steps]
    assert copied == [(tmp_path / "lower", tmp_path / "upper")]
