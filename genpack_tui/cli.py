"""The entry point: parse the command line (parser.py) into an Invocation once and hand it to the config
command, plan, check, schema, the test bed, the headless runner or the workbench. Nothing imports this
module but ``__main__``. Exit status: 0 success, 1 a failed build or configuration, 2 a usage error, 130
interrupted (parser.py's EXIT_STATUS, shown by --help)."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Sequence

from genpack_tui.commands.completion import COMPLETE_VARIANTS, print_variants, run_completion
from genpack_tui.options import Invocation
from genpack_tui.parser import parse_invocation
from genpack_tui.report.console import wants_color

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [COMPLETE_VARIANTS]:  # the completion scripts' hidden helper: names only, never an error
        return print_variants(argv[1:])
    try:
        invocation = parse_invocation(argv)
        return dispatch(invocation)
    except KeyboardInterrupt:  # before or after a run: the run itself reports its interruption
        print("genpack-tui: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def dispatch(invocation: Invocation) -> int:
    request = invocation.request
    if invocation.action == "schema":
        from genpack_tui.commands.schema import run_schema
        return run_schema(sys.stdout)
    if invocation.action == "check" and invocation.files:
        from genpack_tui.commands.check import run_check
        return run_check(invocation.files, invocation.directory, sys.stdout)
    if invocation.action == "completion":
        from genpack_tui.parser import build_parser
        return run_completion(build_parser(), invocation.shell or "bash", sys.stdout)
    if invocation.action == "upper-clean":
        from genpack_tui.commands.upper_clean import run_upper_clean
        return run_upper_clean(sys.stderr)
    if invocation.action == "doctor":  # also where the artifact directory does not exist yet
        from genpack_tui.commands.doctor import run_doctor
        keyring = Path(request.keyring) if request.keyring else None
        return run_doctor(request.artifact_path, keyring, request.arch, sys.stdout)
    if not request.artifact_path.is_dir():
        print(f"genpack-tui: error: artifact directory {invocation.directory} does not exist", file=sys.stderr)
        return EXIT_USAGE
    if invocation.action == "config":
        from genpack_tui.commands.config import run_config
        return run_config(request.artifact_path, request.variant, request.arch, invocation.json,
                          sys.stdout, color=wants_color(sys.stdout, invocation.color, os.environ))
    if invocation.action == "plan":
        from genpack_tui.commands.plan import run_plan
        return run_plan(request, invocation.json, sys.stdout, sys.stderr)
    if invocation.action == "check":
        from genpack_tui.commands.check import run_check
        return run_check((), invocation.directory, sys.stdout)
    if invocation.action == "report":
        from genpack_tui.commands.report import run_report
        return run_report(request.artifact_path, request.variant, request.arch, invocation.json, invocation.top,
                          sys.stdout, sys.stderr)
    if invocation.action == "diff-builds":
        from genpack_tui.commands.diff_builds import run_diff_builds
        return run_diff_builds(request.artifact_path, request.variant, request.arch, invocation.builds,
                               invocation.json, sys.stdout, sys.stderr)
    if invocation.action == "binhost":
        from genpack_tui.commands.binhost import run_binhost_serve
        return run_binhost_serve(request, invocation.bind, invocation.port)
    if invocation.action == "matrix":
        from genpack_tui.commands.matrix import run_matrix
        return run_matrix(request.artifact_path, invocation.arches, invocation.json, sys.stdout, sys.stderr)
    if invocation.action == "testbed":
        from genpack_tui.commands.testbed import run_testbed
        return run_testbed(invocation.port, invocation.real_genpack_progs)
    if not invocation.headless:
        missing = missing_terminal(sys.stdin, sys.stdout, os.environ)
        if missing:
            what = f"--headless {invocation.action}" if invocation.action_given else "--headless build"
            print(f"genpack-tui: error: the workbench needs a terminal ({missing}); use {what} to run "
                  f"without it", file=sys.stderr)
            return EXIT_USAGE
        from genpack_tui.app import run_app
        return run_app(request.artifact_path, invocation.namespace)
    from genpack_tui.headless import run_headless
    return run_headless(invocation)


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
