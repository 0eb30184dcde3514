"""``--headless``: run a subcommand in the terminal; the exit code tells the result."""
from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

from genpack_tui.engine.artifact.archive import run_archive
from genpack_tui.engine.build.preflight import artifact_files_checked, root_checked, to_invoking_user
from genpack_tui.engine.build.runner import start_build
from genpack_tui.engine.build.shell import start_shell
from genpack_tui.engine.config import resolve
from genpack_tui.engine.events import BuildFinished, BuildStarted, ErrorEvent, EventBus, JsonLinesWriter
from genpack_tui.engine.runtime.errors import RuntimeEngineError
from genpack_tui.options import build_request, variant_arg
from genpack_tui.headless_renderer import HeadlessRenderer, print_problems


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
    resolution = resolve(artifact_dir, variant=variant_arg(args), arch=args.arch)
    print_problems(resolution.problems, sys.stderr)
    if not resolution.ok:
        print(f"genpack-tui: {len(resolution.errors)} error(s) in the configuration; nothing was built.",
              file=sys.stderr)
        return 1
    started = time.monotonic()
    bus(BuildStarted(action=args.action, artifact=resolution.name, variant=resolution.variant,
                     arch=resolution.arch))
    try:
        return _run_started(artifact_dir, args, bus, resolution.name, started)
    except (RuntimeEngineError, OSError) as exc:
        bus(ErrorEvent(message=str(exc), phase=args.action))
        bus(BuildFinished(ok=False, duration=time.monotonic() - started))
        return 1


def _run_started(artifact_dir: Path, args: argparse.Namespace, bus: EventBus, name: str, started: float) -> int:
    if not artifact_files_checked(artifact_dir, bus, started):
        return 1
    if args.action == "archive":
        return 0 if run_archive(artifact_dir, name, bus, to_invoking_user()) else 1
    request = build_request(artifact_dir, args)
    if not root_checked(args.action, bus, started):
        return 1
    if args.action in ("bash", "upper-bash"):
        return start_shell(request)
    return start_build(request, bus)
