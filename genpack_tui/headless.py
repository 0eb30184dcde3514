"""``--headless``: run a subcommand in the terminal; the exit code tells the result."""
from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

from engine.archive import ArchiveError, create_archive
from engine.artifact_files import ensure_artifact_files
from engine.config import resolve
from engine.events import BuildFinished, BuildStarted, ErrorEvent, EventBus, JsonLinesWriter, OutputLine
from genpack_tui.cli import _variant_arg
from genpack_tui.headless_renderer import HeadlessRenderer


def run_headless(artifact_dir: Path, args: argparse.Namespace) -> int:
    with contextlib.ExitStack() as stack:
        bus = EventBus([HeadlessRenderer()])
        if args.events:
            try:
                stream = stack.enter_context(open(args.events, "w", encoding="utf-8"))
            except OSError as exc:
                print(f"genpack-tui: error: cannot write events to {args.events}: {exc.strerror}", file=sys.stderr)
                return 2
            bus.subscribe(JsonLinesWriter(stream))
        return _run(artifact_dir, args, bus)


def _run(artifact_dir: Path, args: argparse.Namespace, bus: EventBus) -> int:
    resolution = resolve(artifact_dir, variant=_variant_arg(args), arch=args.arch)
    for problem in resolution.problems:
        print(str(problem), file=sys.stderr)
    if not resolution.ok:
        print(f"genpack-tui: {len(resolution.errors)} error(s) in the configuration; nothing was built.",
              file=sys.stderr)
        return 1
    started = time.monotonic()
    bus(BuildStarted(action=args.action, artifact=resolution.name, variant=resolution.variant,
                     arch=resolution.arch))
    for message in ensure_artifact_files(artifact_dir):
        bus(OutputLine(phase="setup", step="artifact-files", text=message))
    if args.action == "archive":
        try:
            path = create_archive(artifact_dir, resolution.name, bus)
        except (ArchiveError, OSError) as exc:
            bus(ErrorEvent(message=str(exc), phase="archive"))
            bus(BuildFinished(ok=False, duration=time.monotonic() - started))
            return 1
        bus(BuildFinished(ok=True, duration=time.monotonic() - started,
                          outputs=[{"path": path.name, "size": path.stat().st_size}]))
        return 0
    message = (f"the '{args.action}' subcommand needs the build engine (lower/upper/pack in containers), "
               "which this version of genpack-tui does not include yet")
    bus(ErrorEvent(message=message, phase=args.action))
    bus(BuildFinished(ok=False, duration=time.monotonic() - started, message="Not built."))
    return 3
