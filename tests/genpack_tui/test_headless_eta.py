"""The headless progress line says the expected remaining time from the artifact's history
(genpack_tui/headless_renderer.py with engine/report/eta.py), and "no history yet" without it."""
from __future__ import annotations

import io
from pathlib import Path

from genpack_tui.engine.history.store import write_record
from genpack_tui.engine.report.eta import eta_records
from genpack_tui.headless_renderer import HeadlessRenderer
from tests.engine.report.test_eta_tracker import build_until_hello, record


def progress_lines(artifact: Path, tty: bool) -> tuple[list[str], str]:
    out, err = io.StringIO(), io.StringIO()
    warnings: list[str] = []
    renderer = HeadlessRenderer(out, err, tty=tty, artifact_dir=artifact,
                                history=lambda started: eta_records(artifact, started.arch, started.variant, warnings.append))
    for event in build_until_hello():
        renderer(event)
    assert warnings == []
    return [line for line in out.getvalue().splitlines() if line.startswith("[lower] emerge")], out.getvalue()


def test_progress_line_without_history_says_no_history_yet(tmp_path: Path):
    lines, _ = progress_lines(tmp_path, tty=False)
    assert lines == ["[lower] emerge 1/3 dev-libs/libgreet-1.0 (binary) emerging · no history yet",
                     "[lower] emerge 2/3 app-misc/hello-1.0 (source) emerging · no history yet"]


def test_progress_line_with_history_says_the_remaining_time(tmp_path: Path):
    write_record(tmp_path, record(), 20)  # a real work/history/x86_64/<id>.json.gz
    lines, _ = progress_lines(tmp_path, tty=False)
    # at libgreet's start: libgreet 4 + 2 more at 12 + depclean 8 + upper 20 + pack 3 = 59 s;
    # at hello's: 30 + 12 + 8 + 20 + 3 = 73 s
    assert lines == ["[lower] emerge 1/3 dev-libs/libgreet-1.0 (binary) emerging · about 59.0s left",
                     "[lower] emerge 2/3 app-misc/hello-1.0 (source) emerging · about 1m13s left"]
    _, redrawn = progress_lines(tmp_path, tty=True)
    assert "\r\x1b[2K[lower] emerge 2/3 app-misc/hello-1.0 (source) compile · about 1m03s left" in redrawn


def test_no_history_reader_no_eta(tmp_path: Path):
    out = io.StringIO()
    renderer = HeadlessRenderer(out, io.StringIO(), tty=False)
    for event in build_until_hello():
        renderer(event)
    assert "[lower] emerge 2/3 app-misc/hello-1.0 (source) emerging\n" in out.getvalue()
