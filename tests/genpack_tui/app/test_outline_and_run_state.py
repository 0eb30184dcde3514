"""The workbench's pure parts: provenance outline, problem placement, selection diff, run state."""
from __future__ import annotations

from pathlib import Path

from genpack_tui.engine.config import resolve
from genpack_tui.engine.config.diff import ADDED, CHANGED, REMOVED, diff_resolutions
from genpack_tui.engine.events import read_json_lines
from genpack_tui.widgets.build.run_state import RunState
from genpack_tui.widgets.config.outline import build_outline, outline_to_rich_tree, path_parts, problem_field
from tests.fixtures.app import recorded_build_events, write_events


def test_problem_paths_point_at_merged_fields() -> None:
    assert path_parts('variants.cuda.arch.x86_64.use["sci-libs/pytorch"]') == [
        "variants", "cuda", "arch", "x86_64", "use", "sci-libs/pytorch"]
    assert problem_field('variants.cuda.arch.x86_64.use["sci-libs/pytorch"]') == "use"
    assert problem_field("arch.aarch64|riscv64.packages[0]") == "packages"
    assert problem_field("users[2].uid") == "users"
    assert problem_field("") is None


def test_outline_marks_removals_and_overrides_as_details(hello_artifact: Path) -> None:
    outline = build_outline(resolve(hello_artifact, variant="quiet", arch="aarch64"))
    nodes = {node.key: node for top in outline for node in top.walk()}
    details = [n.label.plain for n in nodes.values() if n.detail]
    assert "removed app-misc/keyworded by '-app-misc/keyworded'  ← arch.aarch64|riscv64 :27:18  (nothing to remove)" \
        in details
    assert any(d.startswith("overrides extra  ← top :11:23") for d in details)
    printed = outline_to_rich_tree(outline[0].label, outline, details=False)
    assert len(printed.children) == len(outline)


def test_diff_between_selections(hello_artifact: Path) -> None:
    a = resolve(hello_artifact, variant=None, arch="x86_64")
    b = resolve(hello_artifact, variant="quiet", arch="riscv64")
    diffs = {d.field: d.changes for d in diff_resolutions(a, b)}
    assert [(c.kind, c.label) for c in diffs["packages"]] == [(REMOVED, "app-misc/keyworded")]
    assert [(c.kind, c.a, c.b, c.origin_b.layer) for c in diffs["use"]] == [
        (CHANGED, "extra", "-greeting extra", "variants.quiet")]
    assert diff_resolutions(a, a) == []
    c = resolve(hello_artifact, variant="quiet", arch="x86_64")
    assert all(change.kind != ADDED for d in diff_resolutions(c, a) for change in d.changes if d.field != "derived")


def test_run_state_from_a_replayed_stream(tmp_path: Path) -> None:
    path = write_events(tmp_path / "failed.jsonl", recorded_build_events("failed"))
    with open(path) as stream:
        events = list(read_json_lines(stream))
    state = RunState()
    ops, follow = state.apply(events)
    assert not state.running and state.finished is not None and not state.finished.ok
    assert state.failure.package == "app-misc/broken-1.0" and state.failure.shell_action == "bash"
    assert follow == "lower"
    sections = [op.text for op in ops if op.section]
    assert sections[0] == "lower" and "emerge @world @genpack-runtime @genpack-buildtime" in sections
    assert sum(1 for op in ops if not op.section and op.log == "lower") > 50
    assert state.event_count == len(events)


def test_run_state_keeps_a_failures_reason_and_shows_it_escaped() -> None:
    from genpack_tui.engine.events import EmergeFailure
    state = RunState()
    ops, _ = state.apply([EmergeFailure(phase="lower", package="app-misc/tbcalc-1.0", ebuild_phase="fetch",
                                        reason="digest verification failed for x\x1b[2J.tar.gz: Failed on SHA512 verification")])
    assert state.failure.reason is not None and state.failure.reason.startswith("digest verification failed")
    (line,) = [op.text for op in ops if not op.section]
    assert "failed in fetch: digest verification failed for x\\x1b[2J.tar.gz" in line and "\x1b[2J" not in line
