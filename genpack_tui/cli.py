"""The entry point: parse the command line (options.py) and hand it to the config command, the test bed,
the headless runner or the workbench. Nothing imports this module but ``__main__``."""
from __future__ import annotations

import os
import sys
from typing import Sequence

from genpack_tui.options import parse_args, variant_arg


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    artifact_dir = args.directory.resolve()
    if not artifact_dir.is_dir():
        print(f"genpack-tui: error: artifact directory {args.directory} does not exist", file=sys.stderr)
        return 2
    if args.action == "config":
        from genpack_tui.commands.config import run_config
        variant = variant_arg(args)
        return run_config(artifact_dir, variant, args.arch, args.json, sys.stdout,
                          color=sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    if args.action == "testbed":
        from genpack_tui.commands.testbed import run_testbed
        return run_testbed(args.port)
    if not args.headless:
        missing = missing_terminal(sys.stdin, sys.stdout, os.environ)
        if missing:
            what = f"--headless {args.action}" if args.action_given else "--headless build"
            print(f"genpack-tui: error: the workbench needs a terminal ({missing}); use {what} to run "
                  f"without it", file=sys.stderr)
            return 2
        from genpack_tui.app import run_app
        return run_app(artifact_dir, args)
    from genpack_tui.headless import run_headless
    return run_headless(artifact_dir, args)


def missing_terminal(stdin, stdout, environ) -> str | None:
    """Why the workbench cannot open here (None when it can): without a terminal on both ends it would
    write escape codes into a pipe and wait forever for keys, so a CI job missing --headless would hang."""
    if not _isatty(stdin):
        return "stdin is not a terminal"
    if not _isatty(stdout):
        return "stdout is not a terminal"
    if environ.get("TERM") == "dumb":
        return "TERM is dumb"
    return None


def _isatty(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):  # a closed stream
        return False


if __name__ == "__main__":
    sys.exit(main())
