"""`genpack-tui testbed` shows the first build's progress: its own steps and debootstrap's stages."""
from __future__ import annotations

import pytest

from genpack_tui.engine.testbed import serve


class Stop(Exception):
    pass


def test_progress_shows_steps_and_debootstrap_stages_only(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    def build(cache_root, *, on_line, real_genpack_progs=None):  # the lines a first build reports, then stop before serving
        for line in ("testbed: debootstrap bookworm (minbase)", "I: Retrieving InRelease",
                     "W: a warning debootstrap prints", "dpkg: unpacking libc6", "I: Extracting libc6...",
                     "testbed: portage installed"):
            on_line(line)
        raise Stop

    monkeypatch.setattr(serve, "build_testbed", build)
    with pytest.raises(Stop):
        serve.serve_testbed()
    assert capsys.readouterr().err.splitlines() == [
        "testbed: debootstrap bookworm (minbase)",
        "testbed: debootstrap: Retrieving InRelease",
        "testbed: debootstrap: Extracting libc6...",
        "testbed: portage installed",
    ]
