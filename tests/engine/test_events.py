"""engine/events.py: the versioned JSON-lines form (docs/events.md, "The schema line" and "Versions").
A writer starts every stream with the schema line; a reader takes files without one and newer minor
versions (ignoring unknown fields, skipping and counting unknown kinds) and refuses other majors."""
from __future__ import annotations

import io
import json

import pytest

from genpack_tui.engine.events import (
    SCHEMA_VERSION,
    BuildFinished,
    BuildStarted,
    JsonLinesWriter,
    OutputLine,
    SchemaVersionError,
    WarningEvent,
    read_events,
    read_json_lines,
)

STARTED = {"kind": "build_started", "ts": 1.0, "action": "build", "artifact": "hello", "variant": None,
           "arch": "x86_64"}
FINISHED = {"kind": "build_finished", "ts": 2.0, "ok": True, "duration": 1.0, "outputs": [], "message": ""}


def jsonl(*objects: object) -> io.StringIO:
    return io.StringIO("".join(json.dumps(o) + "\n" for o in objects))


def schema(version: object) -> dict[str, object]:
    return {"kind": "schema", "version": version}


def test_our_version_is_major_dot_minor() -> None:
    major, minor = SCHEMA_VERSION.split(".")
    assert (major, minor) == (str(int(major)), str(int(minor))) and int(major) >= 1


def test_the_writer_starts_the_stream_with_the_schema_line_once() -> None:
    stream = io.StringIO()
    writer = JsonLinesWriter(stream)
    assert stream.getvalue() == ""  # nothing before the first event: an unused writer leaves an empty file
    writer(BuildStarted(action="build", artifact="hello", variant=None, arch="x86_64"))
    writer(OutputLine(phase="lower", step="", text="héllo"))
    writer(BuildFinished(ok=True, duration=1.0))
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0] == {"kind": "schema", "version": SCHEMA_VERSION}
    assert [line["kind"] for line in lines[1:]] == ["build_started", "output", "build_finished"]
    log = read_events(io.StringIO(stream.getvalue()))
    assert log.version == SCHEMA_VERSION and not log.skipped
    assert [e.kind for e in log.events] == ["build_started", "output", "build_finished"]
    assert log.events[1] == OutputLine(phase="lower", step="", text="héllo", ts=log.events[1].ts)


def test_the_worker_pipe_writer_has_no_schema_line() -> None:
    stream = io.StringIO()
    JsonLinesWriter(stream, schema_line=False)(WarningEvent(message="w"))
    assert [json.loads(line)["kind"] for line in stream.getvalue().splitlines()] == ["warning"]


def test_a_file_without_a_schema_line_still_reads() -> None:
    log = read_events(jsonl(STARTED, FINISHED))  # as written before the format was versioned
    assert log.version is None and [e.kind for e in log.events] == ["build_started", "build_finished"]
    assert [e.kind for e in read_json_lines(jsonl(STARTED, FINISHED))] == ["build_started", "build_finished"]


def test_a_newer_minor_version_ignores_unknown_fields_and_skips_unknown_kinds() -> None:
    major = SCHEMA_VERSION.split(".")[0]
    newer = f"{major}.{int(SCHEMA_VERSION.split('.')[1]) + 3}"
    log = read_events(jsonl(schema(newer), {**STARTED, "host": "ci-7", "labels": ["a"]},
                            {"kind": "cache_report", "ts": 1.5, "hits": 3},
                            {"kind": "cache_report", "ts": 1.6, "hits": 4},
                            {"kind": "sbom_written", "ts": 1.7, "path": "x.spdx"},
                            {**FINISHED, "exit_code": 0}))
    assert log.version == newer
    assert log.events == [BuildStarted(action="build", artifact="hello", variant=None, arch="x86_64", ts=1.0),
                          BuildFinished(ok=True, duration=1.0, ts=2.0)]
    assert dict(log.skipped) == {"cache_report": 2, "sbom_written": 1} and log.skipped_count == 3


def test_a_newer_minor_version_still_needs_the_fields_we_know() -> None:
    missing = {k: v for k, v in STARTED.items() if k != "arch"}
    with pytest.raises(ValueError, match=r"^line 2: event 'build_started' lacks its field 'arch'$"):
        read_events(jsonl(schema("1.9"), missing))


def test_a_newer_minor_kind_must_be_named_like_a_kind() -> None:
    with pytest.raises(ValueError, match=r"^line 2: unknown event kind: '\[/\]x'$"):
        read_events(jsonl(schema("1.9"), {"kind": "[/]x"}))


@pytest.mark.parametrize("version", [None, SCHEMA_VERSION])
def test_at_our_version_unknown_fields_and_kinds_are_errors(version: str | None) -> None:
    head = [schema(version)] if version else []
    with pytest.raises(ValueError, match=r"^line \d: event 'build_started' has no field 'host' in events schema "):
        read_events(jsonl(*head, {**STARTED, "host": "ci-7"}))
    with pytest.raises(ValueError, match=r"^line \d: unknown event kind: 'cache_report'$"):
        read_events(jsonl(*head, STARTED, {"kind": "cache_report", "hits": 3}))


@pytest.mark.parametrize(("version", "which"), [("2.0", "a newer"), ("17.4", "a newer"), ("0.9", "an older")])
def test_another_major_version_is_refused_naming_both_versions(version: str, which: str) -> None:
    with pytest.raises(SchemaVersionError) as caught:
        read_events(jsonl(schema(version), STARTED, {"kind": "whatever"}))
    major = version.split(".")[0]
    assert str(caught.value) == (
        f"line 1: written in events schema {version}, {which} major version than this genpack-tui reads "
        f"(schema {SCHEMA_VERSION}, and newer {SCHEMA_VERSION.split('.')[0]}.x minor versions); "
        f"replay it with a genpack-tui that reads schema {major}.x")


@pytest.mark.parametrize("version", [1, 1.0, "1", "01.0", "1.0.0", "v1.0", None, "1.-1"])
def test_a_malformed_version_is_refused_clearly(version: object) -> None:
    with pytest.raises(ValueError) as caught:
        read_events(jsonl(schema(version), STARTED))
    assert str(caught.value) == ('line 1: the schema line\'s "version" must be a string "MAJOR.MINOR" such as '
                                 f'"{SCHEMA_VERSION}", not {json.dumps(version)}')


def test_the_schema_line_comes_first_or_not_at_all() -> None:
    with pytest.raises(ValueError, match=r"^line 3: a schema line may only be the first line$"):
        read_events(io.StringIO(json.dumps(STARTED) + "\n\n" + json.dumps(schema(SCHEMA_VERSION)) + "\n"))
    # blank lines before it do not count
    assert read_events(io.StringIO("\n" + json.dumps(schema(SCHEMA_VERSION)) + "\n")).version == SCHEMA_VERSION


@pytest.mark.parametrize("line", ["[1]", '"text"', "7", "null"])
def test_a_line_that_is_not_an_object_is_named(line: str) -> None:
    with pytest.raises(ValueError) as caught:  # not a TypeError from deep inside
        read_events(io.StringIO(json.dumps(STARTED) + "\n" + line + "\n"))
    assert type(caught.value) is ValueError and str(caught.value) == f"line 2: expected a JSON object, not {line}"


def test_after_a_major_bump_a_file_without_a_schema_line_is_of_the_old_major(monkeypatch) -> None:
    from genpack_tui.engine import events

    monkeypatch.setattr(events, "SCHEMA_VERSION", "2.0")  # the day the format changes incompatibly
    with pytest.raises(SchemaVersionError, match=r"^line 1: written in events schema 1\.0, an older major version"):
        read_events(jsonl(STARTED, FINISHED))
