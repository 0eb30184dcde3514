"""SIGKILL a real build at seeded points (two per phase, one from a fresh artifact and one from a built
one rebuilt with -f): no process, mount or loop device outlives it, no marker claims a phase that did not
finish, no half-made output, and the next build succeeds and leaves no temporary behind.
The full campaign (30 points, with figures) is benchmarks/kill_campaign.py."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.engine.build.killed_build import Campaign, KillPoint, choose_points, marker_findings, settle, strays

pytestmark = [pytest.mark.root, pytest.mark.slow, pytest.mark.skipif(os.geteuid() != 0, reason="builds need root")]

SEED = 2026
PER_PHASE = 2


@pytest.fixture(scope="module")
def campaign(builder, tmp_path_factory) -> Campaign:
    campaign = Campaign(builder, tmp_path_factory.mktemp("kill-campaign"))
    campaign.prepare()
    return campaign


def test_points_spread_over_phases_starts_and_steps(campaign: Campaign) -> None:
    points = choose_points(SEED, PER_PHASE, campaign.references)
    assert sorted(p.phase for p in points) == ["lower"] * 2 + ["pack"] * 2 + ["upper"] * 2
    assert {(p.phase, p.start) for p in points} == {(ph, s) for ph in ("lower", "upper", "pack")
                                                     for s in ("fresh", "built")}
    assert choose_points(SEED, PER_PHASE, campaign.references) == points  # reproducible
    assert len({p.step for p in choose_points(SEED, 10, campaign.references) if p.phase == "lower"}) >= 4


@pytest.mark.parametrize("index", range(3 * PER_PHASE))
def test_killed_build_leaves_nothing_and_the_next_build_succeeds(campaign: Campaign, index: int) -> None:
    point = choose_points(SEED, PER_PHASE, campaign.references)[index]
    result = campaign.run_point(point, index)
    try:
        assert result.findings == [], f"{point} (landed in {result.landed}): " + "\n".join(result.findings)
        assert result.recovery_ok
    finally:
        campaign.discard(index)


def test_a_kill_inside_image_creation_leaves_only_a_temporary_the_next_build_removes(campaign: Campaign) -> None:
    """Killed while the 128 GiB lower image is being made, a build leaves .lower.img.creating-<pid>; no
    later build would reuse that name (it carries the dead pid), so the next build removes it."""
    def creating(artifact: Path) -> bool:
        return any((artifact / "work" / "x86_64").glob(".lower.img.creating-*"))

    point = KillPoint("fresh", "lower", "lower-image", 1)
    result = campaign.run_point(point, 90, recover=False, then_until=creating)
    artifact = campaign.workdir / "point-90" / "hello"
    try:
        assert result.findings == [], "\n".join(result.findings)
        assert [s for s in result.strays_after_kill if ".lower.img.creating-" in s], result.strays_after_kill
        assert not (artifact / "work" / "x86_64" / "lower.img").exists()  # never half-made under its name
        run = campaign.builder.run(artifact, "build")
        assert run.returncode == 0, run.stderr[-3000:]
        assert strays(artifact) == []
    finally:
        campaign.discard(90)


def test_next_build_removes_only_the_engines_own_temporaries(campaign: Campaign, tmp_path: Path) -> None:
    """Planted leftovers of a killed build go; a user's files with similar names and whatever a planted
    symlink points at stay."""
    artifact = campaign.artifact_for(KillPoint("built", "pack", "squashfs", 1), 91)
    arch = artifact / "work" / "x86_64"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious").write_text("keep me\n")
    work = artifact / "work"
    planted = [arch / ".lower.img.creating-999999", arch / "upper.done.tmp", arch / "stage3.tar.xz.part",
               arch / ".pack.done.999999.genpack-tui-tmp", work / ".portage.tar.xz.headers.1.genpack-tui-tmp",
               work / "portage.tar.xz.part", artifact / "hello-x86_64.squashfs.tmp"]
    for path in planted:
        path.write_bytes(b"half")
    link = arch / ".upper.img.creating-4242"
    link.symlink_to(outside / "precious")
    kept = [artifact / "notes.tmp", artifact / "files" / "data.part"]
    for path in kept:
        path.write_text("mine\n")
    (arch / "odd.done.tmp").mkdir()
    try:
        run = campaign.builder.run(artifact, "build")
        assert run.returncode == 0, run.stderr[-3000:]
        removed = [line for line in run.output_lines if line.startswith("Removed ")]
        assert len(removed) == len(planted) + 1, removed
        assert "Removed work/x86_64/.lower.img.creating-999999, left by an interrupted build." in removed
        assert not any(p.exists() for p in planted) and not link.is_symlink()
        assert (outside / "precious").read_text() == "keep me\n"
        assert all(p.read_text() == "mine\n" for p in kept) and (arch / "odd.done.tmp").is_dir()
    finally:
        campaign.discard(91)


def test_the_checks_see_planted_leftovers(campaign: Campaign, tmp_path: Path) -> None:
    """The campaign's checks are not blind: a real loop mount of the artifact's image, a marker written
    during a run whose phase never finished and a truncated marker are all reported."""
    import time

    from genpack_tui.engine.runtime import privileged

    artifact = campaign.artifact_for(KillPoint("built", "pack", "squashfs", 1), 92)
    arch = artifact / "work" / "x86_64"
    target = tmp_path / "mnt"
    target.mkdir()
    started_ns = time.time_ns()
    privileged.loop_mount(arch / "upper.img", target, readonly=True)
    try:
        found = settle(set(), artifact, seconds=0)
    finally:
        privileged.umount(target)
    assert any(f.startswith("mount referencing the artifact") and str(target) in f for f in found), found
    assert any(f.startswith(f"loop device backed by {arch / 'upper.img'}") for f in found), found
    (arch / "upper.done").touch()  # rewritten "by the run" that saw upper start but not finish
    (arch / "pack.done").write_text((arch / "pack.done").read_text()[:40])
    events = [{"kind": "phase_started", "phase": "upper"}, {"kind": "step_started", "phase": "upper", "step": "files"}]
    found = marker_findings(artifact, events, campaign.references["built"], started_ns)
    assert "upper.done was written by the killed build but upper did not finish" in found, found
    assert any(f.startswith("pack.done does not hold a complete pack fingerprint") for f in found), found
    campaign.discard(92)
