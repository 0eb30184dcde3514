"""Kill a real headless build (SIGKILL to its whole process group) at a chosen event, then look for
what it left behind and build again. Used by tests/engine/build/test_kill_campaign.py (a seeded sample)
and benchmarks/kill_campaign.py (the full campaign, with figures).

A kill point is (start, phase, step, nth): from a ``fresh`` artifact (no work/) or a ``built`` one
(rebuilt with ``-f``), kill once the build has reported its nth event of ``step`` in ``phase`` (or at
the end of that step if it reports fewer). Points are drawn, seeded, from the steps of a reference
build of the same start, so they spread over every step and not only the chatty emerge.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from genpack_tui.engine.build.stamps import read_stamp
from genpack_tui.engine.runtime.privileged import loop_devices, mountpoints_under
from genpack_tui.engine.runtime.worker_main import SCRATCH_ROOT
from tests.fixtures.build import Builder, copy_example

PHASES = ("lower", "upper", "pack")
STARTS = ("fresh", "built")
OUTPUT = "hello-x86_64.squashfs"
STRAY_SUFFIXES = (".tmp", ".part", ".genpack-tui", ".genpack-tui-tmp", ".genpack-tui-link")
SETTLE_SECONDS = 60  # how long the killed build's processes, mounts and loop devices may take to go


@dataclass(frozen=True)
class KillPoint:
    start: str
    phase: str
    step: str
    nth: int

    def __str__(self) -> str:
        return f"{self.start}/{self.phase}/{self.step}#{self.nth}"


@dataclass
class PointResult:
    point: KillPoint
    killed_at: float = 0.0  # seconds after the killed build started
    landed: str = ""  # phase/step of the last event the build reported before it died
    settle: float = 0.0  # seconds from the kill until no process, mount or loop device was left
    findings: list[str] = field(default_factory=list)  # leftovers: each one is a defect
    strays_after_kill: list[str] = field(default_factory=list)  # temporaries the next build must clear
    recovery: float = 0.0  # seconds of the next (unforced) build
    recovery_ok: bool = False


def phase_steps(events: list[dict]) -> dict[str, list[tuple[str, int]]]:
    """Per phase, its steps in order with how many events each reported (step_started..step_finished)."""
    steps: dict[str, list[tuple[str, int]]] = {p: [] for p in PHASES}
    for phase, step in _event_steps(events):
        if phase in steps and step:
            if steps[phase] and steps[phase][-1][0] == step:
                steps[phase][-1] = (step, steps[phase][-1][1] + 1)
            else:
                steps[phase].append((step, 1))
    return steps


def _event_steps(events: list[dict]):
    """(phase, current step) of each event of a phase."""
    current: dict[str, str] = {}
    for e in events:
        phase = e.get("phase")
        if phase not in PHASES:
            continue
        if e["kind"] == "step_started":
            current[phase] = e["step"]
        yield phase, current.get(phase, "")
        if e["kind"] == "step_finished":
            current[phase] = ""


def choose_points(seed: int, per_phase: int, references: dict[str, list[dict]]) -> list[KillPoint]:
    """``per_phase`` points in each phase, alternating the start, each at a random step and event."""
    rng = random.Random(seed)
    points = []
    steps = {start: phase_steps(events) for start, events in references.items()}
    for phase in PHASES:
        for i in range(per_phase):
            start = STARTS[i % len(STARTS)]
            step, count = rng.choice(steps[start][phase])
            points.append(KillPoint(start, phase, step, rng.randint(1, count)))
    rng.shuffle(points)
    return points


class Campaign:
    """Templates (a fresh copy of the example, a built one) in ``workdir`` and the points run from them."""

    def __init__(self, builder: Builder, workdir: Path) -> None:
        self.builder = builder
        self.workdir = workdir
        self.references: dict[str, list[dict]] = {}
        self.built_template = workdir / "template-built" / "hello"

    def prepare(self) -> None:
        """Reference builds: a fresh one (it also makes the built template), then a forced rebuild."""
        artifact = copy_example(self.workdir / "template-built")
        run = self.builder.run(artifact, "build")
        assert run.returncode == 0, run.stderr[-3000:]
        self.references["fresh"] = run.events
        forced_dir = self.workdir / "reference-forced"
        forced_dir.mkdir()
        _copy_sparse(artifact, forced_dir)
        run = self.builder.run(forced_dir / "hello", "build", "-f")
        assert run.returncode == 0, run.stderr[-3000:]
        self.references["built"] = run.events
        shutil.rmtree(forced_dir)

    def discard(self, index: int) -> None:
        shutil.rmtree(self.workdir / f"point-{index:02d}", ignore_errors=True)

    def artifact_for(self, point: KillPoint, index: int) -> Path:
        parent = self.workdir / f"point-{index:02d}"
        shutil.rmtree(parent, ignore_errors=True)
        if point.start == "fresh":
            return copy_example(parent)
        parent.mkdir()
        _copy_sparse(self.built_template, parent)
        return parent / "hello"

    def run_point(self, point: KillPoint, index: int, recover: bool = True,
                  then_until: Callable[[Path], bool] | None = None) -> PointResult:
        """Kill at ``point`` (and, with ``then_until``, only once it holds for the artifact too)."""
        artifact = self.artifact_for(point, index)
        result = PointResult(point)
        events_file = artifact.parent / "killed.jsonl"
        args = ["build", "-f"] if point.start == "built" else ["build"]
        started_ns = time.time_ns()
        proc = subprocess.Popen(self.builder.argv(artifact, *args, events=events_file), env=self.builder.env(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=open(artifact.parent / "killed.stderr", "w"), start_new_session=True)
        began = time.monotonic()
        try:
            family = _wait_for_point(proc, events_file, point)
            while then_until is not None and proc.poll() is None and not then_until(artifact):
                time.sleep(0.005)
            family = _descendants(proc.pid) if then_until is not None else family
            result.killed_at = time.monotonic() - began
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        killed = time.monotonic()
        result.findings += settle(family, artifact)
        result.settle = time.monotonic() - killed
        events = _read_events(events_file)
        where = list(_event_steps(events))
        result.landed = f"{where[-1][0]}/{where[-1][1] or '-'}" if where else "before lower"
        if any(e["kind"] == "build_finished" for e in events):
            result.landed += " (the build had finished)"
        result.findings += marker_findings(artifact, events, self.references[point.start], started_ns)
        result.findings += _output_findings(artifact)
        result.strays_after_kill = strays(artifact)
        if recover:
            began = time.monotonic()
            run = self.builder.run(artifact, "build", timeout=900)
            result.recovery = time.monotonic() - began
            result.recovery_ok = run.returncode == 0 and _valid_squashfs(artifact / OUTPUT)
            if not result.recovery_ok:
                result.findings.append(f"the next build failed (exit {run.returncode}): {run.stderr[-1500:]}")
            result.findings += [f"after the next build: {f}" for f in settle([], artifact)]
            result.findings += [f"after the next build: stray {s}" for s in strays(artifact)]
            for phase in PHASES:
                if read_stamp(_marker(artifact, phase)) is None:
                    result.findings.append(f"after the next build: no complete {phase}.done")
        return result


def _copy_sparse(artifact: Path, dest_parent: Path) -> None:
    """The images are sparse (128 GiB lower): a plain copy would fill the disk."""
    subprocess.run(["cp", "-a", "--sparse=always", str(artifact), str(dest_parent)], check=True)


def _wait_for_point(proc: subprocess.Popen, events_file: Path, point: KillPoint) -> set[int]:
    """Follow the events file until ``point`` is reached (or the build ends); returns the build's
    processes at that moment (the worker runs in a session of its own, so it is not in the group)."""
    seen_in_step = 0
    current: dict[str, str] = {}
    offset = 0
    pending = ""
    while proc.poll() is None:
        chunk = _read_from(events_file, offset)
        offset += len(chunk.encode())
        pending += chunk
        *lines, pending = pending.split("\n")
        for line in lines:
            e = json.loads(line)
            phase = e.get("phase")
            if phase != point.phase:
                continue
            if e["kind"] == "step_started":
                current[phase] = e["step"]
            in_step = current.get(phase) == point.step
            if in_step:
                seen_in_step += 1
            ends_step = in_step and e["kind"] == "step_finished"
            if (in_step and seen_in_step >= point.nth) or ends_step or e["kind"] == "phase_finished":
                return _descendants(proc.pid)
            if e["kind"] == "step_finished":
                current[phase] = ""
        time.sleep(0.005)
    return set()


def _read_from(path: Path, offset: int) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read()
    except FileNotFoundError:
        return ""
    end = data.rfind(b"\n") + 1  # only whole lines; the rest is read next time
    return data[:end].decode("utf-8")


def _read_events(path: Path) -> list[dict]:
    return [json.loads(line) for line in _read_from(path, 0).splitlines()]


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        found.add(p)
        todo += children.get(p, [])
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def settle(family: set[int], artifact: Path, seconds: float = SETTLE_SECONDS) -> list[str]:
    """Wait (bounded) until the killed build's processes, mounts and loop devices are gone; what is
    still there then is reported."""
    deadline = time.monotonic() + seconds
    while True:
        alive = _alive(family)
        alive |= _alive({c for p in alive for c in _descendants(p)})
        found = [f"process {pid} ({_cmdline(pid)}) still running" for pid in sorted(alive)]
        found += [f"mount {m} left under the worker's scratch" for m in mountpoints_under(str(SCRATCH_ROOT))]
        found += [f"mount referencing the artifact: {line.strip()}" for line in _mountinfo_lines(artifact)]
        found += [f"loop device backed by {b}" for b in loop_devices() if b.startswith(str(artifact))]
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:120]
    except OSError:
        return "?"


def _mountinfo_lines(artifact: Path) -> list[str]:
    """Mounts (in this, the host's, namespace) naming the artifact, or of a loop device backed by one of its files."""
    ours = {f"/dev/{entry.name}" for entry in Path("/sys/block").glob("loop*")
            if _backing_file(entry).startswith(str(artifact))}
    with open("/proc/self/mountinfo") as f:
        return [line for line in f if str(artifact) in line or _mount_source(line) in ours]


def _mount_source(mountinfo_line: str) -> str:
    fields = mountinfo_line.split(" - ", 1)[-1].split()  # fstype, source, options
    return fields[1] if len(fields) > 1 else ""


def _backing_file(entry: Path) -> str:
    try:
        return (entry / "loop" / "backing_file").read_text().strip()
    except OSError:
        return ""


def _marker(artifact: Path, phase: str) -> Path:
    return artifact / "work" / "x86_64" / f"{phase}.done"


def marker_findings(artifact: Path, events: list[dict], reference: list[dict], started_ns: int) -> list[str]:
    """A marker may exist only for a phase that completed (before this build, or in it before the kill),
    and must hold a complete fingerprint."""
    last_step = {phase: steps[-1][0] for phase, steps in phase_steps(reference).items() if steps}
    finished = {e["phase"] for e in events if e["kind"] == "phase_finished" and e.get("ok")}
    # the stamp is written after the last step ends and before PhaseFinished reaches the events file
    finished |= {e["phase"] for e in events if e["kind"] == "step_finished" and e.get("ok")
                 and last_step.get(e.get("phase")) == e.get("step")}
    found = []
    for phase in PHASES:
        marker = _marker(artifact, phase)
        if not marker.exists():
            continue
        stamp = read_stamp(marker)
        if stamp is None or stamp.phase != phase or _recorded_digest(marker) != stamp.digest:
            found.append(f"{marker.name} does not hold a complete {phase} fingerprint: {marker.read_bytes()[:200]!r}")
        if marker.stat().st_mtime_ns >= started_ns and phase not in finished:
            found.append(f"{marker.name} was written by the killed build but {phase} did not finish")
    return found


def _recorded_digest(marker: Path) -> str | None:
    try:
        return json.loads(marker.read_text()).get("digest")
    except (OSError, ValueError, AttributeError):
        return None


def _output_findings(artifact: Path) -> list[str]:
    squashfs = artifact / OUTPUT
    if squashfs.exists() and not _valid_squashfs(squashfs):
        return [f"{OUTPUT} exists but is not a complete squashfs"]
    return []


def _valid_squashfs(path: Path) -> bool:
    return path.is_file() and subprocess.run(["unsquashfs", "-s", str(path)], capture_output=True).returncode == 0


def strays(artifact: Path) -> list[str]:
    """Temporary names anywhere in the artifact (images are not opened)."""
    found = []
    for path in artifact.rglob("*"):
        name = path.name
        if name.endswith(STRAY_SUFFIXES) or ".creating-" in name:
            found.append(str(path.relative_to(artifact)))
    return sorted(found)
