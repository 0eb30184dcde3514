"""``genpack-tui report [--json] [--top N]``: the image composition of the last build that packed one,
from work/history/ (docs/history.md). Needs no root."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from genpack_tui.commands.history_source import load_history
from genpack_tui.engine.config.printable import escape_controls
from genpack_tui.engine.history.model import BuildRecord
from genpack_tui.engine.history.store import HistoryError
from genpack_tui.engine.history.summary import CompositionSummary, summarize
from genpack_tui.engine.report.format import human_size

EXIT_OK, EXIT_FAILED = 0, 1
IMAGE_SEARCH = 5  # newest records looked through for one with an image


def run_report(artifact_dir: Path, variant: Any, arch: str | None, as_json: bool, top: int,
               out: TextIO, err: TextIO) -> int:
    try:
        history = load_history(artifact_dir, variant, arch, err, last=IMAGE_SEARCH)
        latest = history.pick("-1")
    except HistoryError as exc:
        err.write(f"genpack-tui: error: {exc}\n")
        return EXIT_FAILED
    record = next((r for r in reversed(history.records) if r.image is not None), None)
    if record is None or record.image is None:
        err.write(f"genpack-tui: error: the last {len(history.records)} build(s) in {history.directory} packed no "
                  "image: run 'build' or 'pack'\n")
        return EXIT_FAILED
    summary = summarize(record, record.image, top)
    if as_json:
        json.dump(summary.to_json(), out, indent=1)
        out.write("\n")
    else:
        out.write(render(summary, latest))
    return EXIT_OK


def when(record: BuildRecord) -> str:
    return datetime.fromtimestamp(record.started, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def render(summary: CompositionSummary, latest: BuildRecord) -> str:
    record, image = summary.record, summary.image
    variant = f", variant {record.variant}" if record.variant else ""
    lines = [f"{escape_controls(record.artifact)} ({record.arch}{variant}): build {record.id}, "
             f"{'succeeded' if record.ok else 'failed'}, {when(record)}"]
    if latest is not record:
        lines.append(f"  (the newer build {latest.id} packed no image)")
    ratio = image.compression_ratio
    squashfs = (f"; squashfs {human_size(image.squashfs_size)}" if image.squashfs_size is not None else "") + \
        (f", {ratio:.0%} of the files' size" if ratio is not None else "")
    lines.append(f"image: {image.file_count} files, {human_size(image.byte_size)}{squashfs}")
    lines += ["", f"packages by size in the image ({len(image.packages)}):"]
    lines += [f"  {human_size(p.size):>10} {len(p.files):>6} files  {escape_controls(p.cpv)}"
              + (f'  USE="{" ".join(p.use)}"' if p.use else "") for p in summary.packages]
    lines += ["", "largest directories:"]
    lines += [f"  {human_size(size):>10}  {_share(size, image.byte_size)}  {escape_controls(path)}"
              for path, size in summary.directories]
    lines += ["", "largest files:"]
    lines += [f"  {human_size(f.size):>10}  {escape_controls(f.path)}" for f in summary.files]
    lines += ["", f"files no package owns: {summary.unowned_count}, {human_size(summary.unowned_size)}"
              + ("; the largest:" if summary.unowned else "")]
    lines += [f"  {human_size(f.size):>10}  {escape_controls(f.path)}" for f in summary.unowned]
    return "\n".join(lines) + "\n"


def _share(size: int, total: int) -> str:
    return f"{size / total:>4.0%}" if total else "   -"
