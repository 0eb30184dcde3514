"""engine/build/session.py run_action: the one sequence both faces run. A configuration's problems are
events (so a headless --events file of a failed configuration replays in the workbench), the
workbench's archive is the selected variant's and arch's, and every run ends with one BuildFinished."""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from genpack_tui.engine.build.request import BuildRequest
from genpack_tui.engine.build.session import CONFIG_PHASE, run_action
from genpack_tui.engine.config.problems import PRINTED_PROBLEMS
from genpack_tui.engine.events import BuildFinished, BuildStarted, ErrorEvent, Event, WarningEvent
from genpack_tui.widgets.build.run_state import RunState
from genpack_tui.workbench.build import BuildController
from genpack_tui.workbench.replay import load_events
from tests.fixtures.build import REPO

# a variant renames the image and an arch block holds a harmless mistake (a warning)
VARIANT_RENAMES = """{
  name: "base",
  packages: ["app-misc/hello"],
  variants: { other: { name: "renamed" } },
  arch: { aarch64: { name: "ignored" } },
}
"""


def artifact_with(tmp_path: Path, text: str) -> Path:
    artifact = tmp_path / "artifact"
    artifact.mkdir()
    (artifact / "genpack.json5").write_text(text)
    return artifact


def bad_atoms(count: int) -> str:
    return '{ name: "x", packages: [%s] }' % ", ".join(f'"bad atom {i}"' for i in range(count))


def never_started(*args) -> int:
    raise AssertionError(f"the engine was started for a broken configuration: {args}")


def test_a_configuration_error_is_reported_as_events_and_nothing_runs(tmp_path: Path) -> None:
    artifact = artifact_with(tmp_path, bad_atoms(3))
    events: list[Event] = []
    rc = run_action(BuildRequest(action="build", artifact_dir=str(artifact)), events.append,
                    start_build=never_started, start_shell=never_started)
    assert rc == 1
    assert isinstance(events[0], BuildStarted) and events[0].artifact == "x"
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert len(errors) == 3 and all(e.phase == CONFIG_PHASE for e in errors)
    assert errors[0].message.startswith("genpack.json5:1:") and "'bad atom 0' is not a valid package atom" \
        in errors[0].message
    assert isinstance(events[-1], BuildFinished) and not events[-1].ok
    assert events[-1].message == "3 error(s) in the configuration; nothing was built."
    assert [type(e) for e in events].count(BuildFinished) == 1
    assert not (artifact / ".gitignore").exists()  # nothing of the artifact was touched either


def test_headless_events_of_a_failed_configuration_replay_in_the_workbench(tmp_path: Path) -> None:
    artifact = artifact_with(tmp_path, bad_atoms(PRINTED_PROBLEMS + 30))
    events_file = tmp_path / "ci.jsonl"
    proc = subprocess.run([sys.executable, "-m", "genpack_tui", "--headless", "-C", str(artifact),
                           "--events", str(events_file), "build"], capture_output=True, text=True,
                          timeout=120, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    events = load_events(events_file)  # the workbench's replay loader
    assert isinstance(events[0], BuildStarted) and isinstance(events[-1], BuildFinished) and not events[-1].ok
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert len(errors) == PRINTED_PROBLEMS + 30  # the file has every problem ...
    printed = [line for line in proc.stderr.splitlines() if ": error: " in line]
    assert len(printed) == PRINTED_PROBLEMS  # ... the terminal at most PRINTED_PROBLEMS and a count
    assert "… 30 more problems not shown (config --json lists them all)" in proc.stderr
    assert "nothing was built" in proc.stderr
    state = RunState()  # what the workbench's phase runner folds a replay into
    ops, follow = state.apply(events)
    assert state.finished is not None and not state.finished.ok and len(state.errors) == PRINTED_PROBLEMS + 30
    assert follow in (None, "setup") and any("'bad atom 0' is not a valid package atom" in op.text for op in ops
                                             if op.log == "setup")


def test_warnings_are_events_too_and_the_run_goes_on(tmp_path: Path) -> None:
    artifact = artifact_with(tmp_path, VARIANT_RENAMES)
    events: list[Event] = []
    started: list[BuildRequest] = []
    rc = run_action(BuildRequest(action="pack", artifact_dir=str(artifact), arch="x86_64"), events.append,
                    start_build=lambda request, sink, cancel: started.append(request) or 0)
    assert rc == 0 and [r.action for r in started] == ["pack"]
    warnings = [e for e in events if isinstance(e, WarningEvent) and e.phase == CONFIG_PHASE]
    assert len(warnings) == 1 and "'name' has no effect inside an arch block" in warnings[0].message
    # the stand-in starter reported no end of its own: the session still ends the run
    assert isinstance(events[-1], BuildFinished) and events[-1].ok


@pytest.mark.skipif(os.geteuid() != 0, reason="the artifact's helper files are given back to the invoking user")
def test_the_workbench_archives_the_selected_variant_and_arch(tmp_path: Path) -> None:
    artifact = artifact_with(tmp_path, VARIANT_RENAMES)
    events: list[Event] = []
    controller = BuildController([events.append], starter=never_started)
    assert controller.claim("archive")
    request = BuildRequest(action="archive", artifact_dir=str(artifact), variant="other", arch="aarch64")
    assert controller.run(request) == 0 and controller.running is None
    started = events[0]
    assert isinstance(started, BuildStarted)
    assert (started.artifact, started.variant, started.arch) == ("renamed", "other", "aarch64")
    assert not (artifact / "genpack-base.tar.gz").exists()
    with tarfile.open(artifact / "genpack-renamed.tar.gz") as tar:
        assert tar.getnames()[0] == "genpack.json5"
    finished = [e for e in events if isinstance(e, BuildFinished)]
    assert len(finished) == 1 and finished[0].ok and finished[0].outputs[0]["path"] == "genpack-renamed.tar.gz"


def test_an_interrupt_before_the_worker_ends_the_run_with_130(tmp_path: Path) -> None:
    artifact = artifact_with(tmp_path, VARIANT_RENAMES)
    events: list[Event] = []

    def interrupted(request, sink, cancel) -> int:
        raise KeyboardInterrupt

    rc = run_action(BuildRequest(action="build", artifact_dir=str(artifact), arch="x86_64"), events.append,
                    start_build=interrupted)
    assert rc == 130
    assert isinstance(events[-1], BuildFinished) and not events[-1].ok and events[-1].message == "Interrupted."


def test_only_the_first_end_of_a_run_is_passed_on(tmp_path: Path) -> None:
    artifact = artifact_with(tmp_path, VARIANT_RENAMES)
    events: list[Event] = []

    def ends_twice(request, sink, cancel) -> int:
        sink(BuildFinished(ok=False, duration=1.0, message="Interrupted."))
        sink(BuildFinished(ok=False, duration=2.0))
        return 130

    assert run_action(BuildRequest(action="lower", artifact_dir=str(artifact), arch="x86_64"), events.append,
                      start_build=ends_twice) == 130
    assert [e.message for e in events if isinstance(e, BuildFinished)] == ["Interrupted."]
