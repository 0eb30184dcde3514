"""``genpack-tui diff-builds [A] [B] [--json]``: what changed between two builds of work/history/
(default: the last two), like Yocto's buildhistory-diff. Needs no root."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence, TextIO

from genpack_tui.commands.history_source import load_history
from genpack_tui.engine.config.printable import escape_controls
from genpack_tui.engine.history.diff import BuildDiff, FileChange, PackageChange, diff_builds
from genpack_tui.engine.history.store import HistoryError
from genpack_tui.engine.report.format import human_duration, human_size

EXIT_OK, EXIT_FAILED = 0, 1


def run_diff_builds(artifact_dir: Path, variant: Any, arch: str | None, builds: Sequence[str], as_json: bool,
                    out: TextIO, err: TextIO) -> int:
    which = list(builds) if len(builds) == 2 else [builds[0], "-1"] if builds else ["-2", "-1"]
    try:
        history = load_history(artifact_dir, variant, arch, err)
        if len(history.records) < 2 and not builds:
            raise HistoryError(f"{history.directory} holds {len(history.records)} readable build(s); "
                               "diff-builds needs two: build again")
        old, new = history.pick(which[0]), history.pick(which[1])
    except HistoryError as exc:
        err.write(f"genpack-tui: error: {exc}\n")
        return EXIT_FAILED
    diff = diff_builds(old, new)
    if as_json:
        json.dump(diff.to_json(), out, indent=1)
        out.write("\n")
    else:
        out.write(render(diff))
    return EXIT_OK


def _signed_size(delta: int) -> str:
    return ("+" if delta >= 0 else "-") + human_size(abs(delta))


def render(diff: BuildDiff) -> str:
    old, new = diff.old, diff.new
    lines = [f"{escape_controls(new.artifact)} ({new.arch}{', variant ' + new.variant if new.variant else ''}): "
             f"build {old.id} → {new.id}"]
    if not diff.images:
        missing = " and ".join(r.id for r in (old, new) if r.image is None)
        lines.append(f"no image to compare: {missing} packed none")
    else:
        a, b = old.image, new.image
        assert a is not None and b is not None
        squashfs = f"; squashfs {_signed_size(diff.squashfs_delta)}" if diff.squashfs_delta is not None else ""
        lines.append(f"image: {human_size(a.byte_size)} → {human_size(b.byte_size)} ({_signed_size(diff.size_delta)}), "
                     f"{a.file_count} → {b.file_count} files{squashfs}")
        lines += ["", "packages:" if diff.packages else "packages: no change"]
        lines += [_package_line(p) for p in diff.packages]
        lines += ["", "files:" if diff.files else "files: no change"]
        lines += [_file_line(f) for f in diff.files]
    lines += ["", "phases:"]
    for phase in diff.phases:
        a_text = human_duration(phase.old) if phase.old is not None else "skipped"
        b_text = human_duration(phase.new) if phase.new is not None else "skipped"
        delta = phase.delta
        sign = "" if delta is None else f" ({'+' if delta >= 0 else '-'}{human_duration(abs(delta))})"
        lines.append(f"  {phase.name:<8} {a_text} → {b_text}{sign}")
    return "\n".join(lines) + "\n"


def _package_line(change: PackageChange) -> str:
    name = escape_controls(change.name)
    if change.kind == "added" and change.new is not None:
        detail = f"{escape_controls(change.new.cpv)} ({human_size(change.new.size)})"
    elif change.kind == "removed" and change.old is not None:
        detail = f"{escape_controls(change.old.cpv)} ({human_size(change.old.size)})"
    else:
        assert change.old is not None and change.new is not None
        parts = []
        if change.old.version != change.new.version:
            parts.append(f"{change.old.version} → {change.new.version}")
        use = [f"+{u}" for u in change.use_added] + [f"-{u}" for u in change.use_removed]
        if use:
            parts.append("USE " + " ".join(use))
        parts.append(f"size {_signed_size(change.size_delta)} ({human_size(change.old.size)} → "
                     f"{human_size(change.new.size)})")
        detail = f"{name}: " + "; ".join(parts)
    return f"  {change.kind:<10} {detail}"


def _file_line(change: FileChange) -> str:
    owner = f"[{escape_controls(change.package)}]" if change.package else "[no package]"
    path = escape_controls(change.path)
    if change.kind == "added" and change.new is not None:
        return f"  added      {path} ({human_size(change.new.size)}) {owner}"
    if change.kind == "removed" and change.old is not None:
        return f"  removed    {path} ({human_size(change.old.size)}) {owner}"
    return f"  changed    {path}: {', '.join(change.changed)} ({_signed_size(change.size_delta)}) {owner}"
