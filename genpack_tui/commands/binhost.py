"""``genpack-tui binhost serve``: the binary package cache for other machines' ``--binhost``.

The work (index, mount, server) runs in the build worker (engine/binhost/serve.py); this prints what
it says: each request as one line on stdout, warnings and errors on stderr. Ctrl-C stops it.
"""
from __future__ import annotations

import dataclasses
import sys
from typing import TextIO

from genpack_tui.engine.binhost.serve import SERVE_TARGET
from genpack_tui.engine.build.request import BuildRequest
from genpack_tui.engine.events import ErrorEvent, Event, OutputLine, WarningEvent
from genpack_tui.engine.runtime.errors import RuntimeEngineError
from genpack_tui.engine.runtime.worker import run_job

EXIT_FAILED = 1


def run_binhost_serve(request: BuildRequest, bind: str, port: int, out: TextIO = sys.stdout,
                      err: TextIO = sys.stderr) -> int:
    if not 0 <= port <= 65535:
        print(f"genpack-tui binhost: error: --port {port}: expected 0 to 65535", file=err)
        return 2

    def show(event: Event) -> None:
        if isinstance(event, OutputLine) and event.stream == "stdout":
            print(event.text, file=out, flush=True)
        elif isinstance(event, OutputLine):
            print(event.text, file=err, flush=True)
        elif isinstance(event, WarningEvent):
            print(f"genpack-tui binhost: warning: {event.message}", file=err, flush=True)
        elif isinstance(event, ErrorEvent):
            print(f"genpack-tui binhost: error: {event.message}", file=err, flush=True)

    job = dataclasses.replace(request, action="binhost")
    try:
        return run_job(SERVE_TARGET, {"request": job.to_json(), "bind": bind, "port": port}, show)
    except KeyboardInterrupt:
        return 0
    except RuntimeEngineError as exc:
        print(f"genpack-tui binhost: error: {exc}", file=err)
        return EXIT_FAILED
