"""The workbench replays --events files of other versions (docs/events.md, "Versions"): a newer minor
with unknown fields and kinds replays and says what it skipped, a file without a schema line replays,
a newer major is refused naming the file and both versions, and nothing of the file is read as markup."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from genpack_tui.app import WorkbenchApp
from genpack_tui.engine.events import SCHEMA_VERSION
from genpack_tui.parser import parse_args
from genpack_tui.widgets.build.phase_runner import PhaseRunner
from genpack_tui.workbench.replay import ReplayError, load_recording
from tests.fixtures.app import recorded_build_events, write_events

MAJOR = int(SCHEMA_VERSION.split(".")[0])
NEWER_MINOR = f"{MAJOR}.{int(SCHEMA_VERSION.split('.')[1]) + 1}"


def make_app(artifact: Path) -> WorkbenchApp:
    return WorkbenchApp(artifact, parse_args(["-C", str(artifact), "--arch", "x86_64"]))


def recorded_lines(tmp_path: Path) -> list[dict]:
    """A real recorded build as the writer writes it, schema line first."""
    text = write_events(tmp_path / "recorded.jsonl", recorded_build_events("ok")).read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[0] == {"kind": "schema", "version": SCHEMA_VERSION}
    return lines


def write_lines(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    return path


def notifications(app: WorkbenchApp) -> list[str]:
    return [n.message for n in app._notifications]


async def replayed(app: WorkbenchApp, path: Path) -> PhaseRunner:
    assert await app.replay(path), notifications(app)
    runner = app.query_one(PhaseRunner)
    assert runner.finished is not None and runner.finished.ok
    assert [(p.phase, p.state) for p in runner.phases.values()] == [("lower", "ok"), ("upper", "ok"), ("pack", "ok")]
    return runner


async def test_a_newer_minor_with_unknown_fields_and_kinds_replays_and_says_what_it_skipped(
        hello_artifact: Path, tmp_path: Path) -> None:
    lines = recorded_lines(tmp_path)
    newer = [{"kind": "schema", "version": NEWER_MINOR}]
    for line in lines[1:]:
        newer.append({**line, "host": "ci-runner-7"})  # a field every event gained
        if line["kind"] == "phase_finished":
            newer.append({"kind": "cache_report", "ts": line["ts"], "phase": line["phase"], "hits": 3})
    newer.insert(2, {"kind": "sbom_written", "ts": 0.0, "path": "hello.spdx"})
    path = write_lines(tmp_path / "newer.jsonl", newer)
    app = make_app(hello_artifact)
    async with app.run_test(size=(100, 32)) as pilot:
        runner = await replayed(app, path)
        await pilot.pause()
        assert "hello-x86_64.squashfs" in runner.summary_text()
        assert notifications(app)[-1] == (
            f"Replayed {len(lines) - 1} events from newer.jsonl. Skipped 4 event(s) of kinds this genpack-tui "
            f"does not know, from events schema {NEWER_MINOR}: cache_report ×3, sbom_written ×1.")


async def test_a_file_without_a_schema_line_replays(hello_artifact: Path, tmp_path: Path) -> None:
    lines = recorded_lines(tmp_path)
    path = write_lines(tmp_path / "old.jsonl", lines[1:])  # as written before the format was versioned
    assert load_recording(path).version is None
    app = make_app(hello_artifact)
    async with app.run_test(size=(100, 32)) as pilot:
        await replayed(app, path)
        await pilot.pause()
        assert notifications(app)[-1] == f"Replayed {len(lines) - 1} events from old.jsonl."


async def test_a_newer_major_is_refused_naming_the_file_and_both_versions(hello_artifact: Path, tmp_path: Path) -> None:
    lines = recorded_lines(tmp_path)
    path = write_lines(tmp_path / "future.jsonl", [{"kind": "schema", "version": f"{MAJOR + 1}.2"}, *lines[1:]])
    app = make_app(hello_artifact)
    async with app.run_test(size=(100, 32)) as pilot:
        assert not await app.replay(path)
        await pilot.pause()
        assert notifications(app)[-1] == (
            f"{path}: line 1: written in events schema {MAJOR + 1}.2, a newer major version than this genpack-tui "
            f"reads (schema {SCHEMA_VERSION}, and newer {MAJOR}.x minor versions); replay it with a genpack-tui "
            f"that reads schema {MAJOR + 1}.x")
        assert not app.query(PhaseRunner) or app.query_one(PhaseRunner).finished is None  # nothing replayed


async def test_what_the_file_says_is_not_read_as_markup(hello_artifact: Path, tmp_path: Path) -> None:
    lines = recorded_lines(tmp_path)
    for name, kind in (("markup.jsonl", "[b]x[/b]"), ("broken-markup.jsonl", "[/]x")):
        path = write_lines(tmp_path / name, [*lines[:3], {"kind": kind}])
        app = make_app(hello_artifact)
        async with app.run_test(size=(160, 32), notifications=True) as pilot:
            assert not await app.replay(path)
            await pilot.pause()
            shown = [str(toast.render()) for toast in app.screen.query("Toast")]  # what a person sees
            assert shown and shown[-1].endswith(f"{path}: line 4: unknown event kind: {kind!r}"), shown


def test_a_file_of_only_unknown_kinds_says_so(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "only-new.jsonl", [{"kind": "schema", "version": NEWER_MINOR},
                                                     {"kind": "cache_report", "hits": 1}])
    with pytest.raises(ReplayError) as caught:
        load_recording(path)
    assert str(caught.value) == (f"{path}: no events in the file. Skipped 1 event(s) of kinds this genpack-tui "
                                 f"does not know, from events schema {NEWER_MINOR}: cache_report ×1")
