"""serve_testbed(): what ``genpack-tui testbed`` runs — build/reuse the test bed and serve it."""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TextIO

from .build import build_testbed
from .mirror import MirrorServer


def serve_testbed(port: int = 0, cache_root: Path | None = None, out: TextIO = sys.stdout,
                  real_genpack_progs: Path | None = None) -> None:
    """Print ``--mirror=URL``, ``--overlay-url=URL`` and ``--keyring=FILE`` (one per line) and serve
    until Ctrl-C. ``real_genpack_progs``: see build_testbed.

    Build progress goes to stderr as short ``testbed:`` lines, debootstrap's stages among them (its
    ``I:`` lines: retrieving, validating, extracting, installing); the rest of its output stays off
    the terminal.
    """
    def progress(line: str) -> None:
        if line.startswith("testbed:"):
            print(line, file=sys.stderr, flush=True)
        elif line.startswith("I: "):
            print(f"testbed: debootstrap: {line[3:]}", file=sys.stderr, flush=True)

    artifacts = build_testbed(cache_root, on_line=progress, real_genpack_progs=real_genpack_progs)
    print(f"testbed: the overlay carries {artifacts.genpack_progs}", file=sys.stderr, flush=True)
    with MirrorServer(artifacts, port=port) as server:
        print(f"--mirror={server.mirror_url}", file=out, flush=True)
        print(f"--overlay-url={server.overlay_url}", file=out, flush=True)
        print(f"--keyring={server.keyring}", file=out, flush=True)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how the demo mirror is stopped
            server.wait()
