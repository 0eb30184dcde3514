"""The command line's model: genpack's options and subcommands, parsed once into a Namespace, and the
BuildRequest that Namespace stands for. Only the entry point (cli.py), the workbench and the headless
runner read it; nothing here runs anything.

    genpack-tui [global options] [subcommand] [args]

Global options may also follow the subcommand, except after ``bash``, whose remaining words are the
command to run in the lower container.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence

from genpack_tui.engine.build.request import PHASE_ACTIONS, SHELL_ACTIONS, VARIANT_DEFAULT, BuildRequest
from genpack_tui.engine.config.arches import ARCHES
from genpack_tui.engine.config.schema import COMPRESSIONS

ACTIONS = (*PHASE_ACTIONS, *SHELL_ACTIONS, "archive", "config", "testbed")
# options that take a value, needed to find where the subcommand word sits in argv
_VALUE_OPTIONS = {
    "--overlay-override", "--compression", "--variant", "--arch", "-C", "--directory",
    "--mirror", "--overlay-url", "--events", "--port", "--keyring",
}

_EPILOG = """\
subcommands:
  build        lower, upper and pack in turn, skipping phases that are up to date (default)
  lower        build the lower layer (stage3 + Portage + emerge) — always runs
  upper        build the upper layer (users, files/, build.d, setup_commands, services)
  pack         make the squashfs image (and the EFI superfloppy .img when EFI loaders exist)
  bash [cmd]   a shell, or the given command, in the lower container
  upper-bash   a shell in the upper layer
  archive      write genpack-<name>.tar.gz of the artifact definition
  config       print the resolved configuration with provenance (--json for machines)
  testbed      build/reuse the offline Portage test bed and serve it as a mirror on loopback

Without --headless the TUI workbench opens on the artifact (and runs the subcommand, if one was named);
it needs a terminal: with stdin or stdout not a terminal, or TERM=dumb, genpack-tui exits with status 2
and asks for --headless (config and testbed print without it).
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="genpack-tui",
        description="Genpack image builder: a genpack re-implementation with a TUI workbench and a CI mode.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    g = parser.add_argument_group("genpack options")
    g.add_argument("--debug", action="store_true", help="show debug-level logs")
    g.add_argument("--overlay-override", metavar="DIR", type=Path,
                   help="bind DIR read-only over the genpack-overlay in the containers")
    g.add_argument("--independent-binpkgs", action="store_true",
                   help="keep binary packages inside the lower image instead of the shared cache")
    g.add_argument("--deep-depclean", action="store_true", help="depclean with --with-bdeps=n directly")
    g.add_argument("--compression", choices=COMPRESSIONS, help="squashfs compression (default: config, then gzip)")
    g.add_argument("--devel", action="store_true",
                   help="add the genpack/devel metapackage (keeps headers, man pages and docs)")
    g.add_argument("--variant", metavar="NAME", help="variant to build (default: default_variant)")
    g.add_argument("--arch", choices=sorted(ARCHES), help="target architecture (default: this machine's)")
    g.add_argument("--parallel", action="store_true", help="emerge with --jobs/--load-average = CPU count")
    g.add_argument("--break-circular-deps", action="store_true",
                   help="run the circular-dependency breaker even on an existing lower image")
    g.add_argument("--keyring", metavar="FILE", type=Path,
                   help="OpenPGP keyring that must have signed the stage3 DIGESTS and the Portage snapshot "
                        "(env GENPACK_KEYRING; default: /usr/share/openpgp-keys/gentoo-release.asc if present)")
    t = parser.add_argument_group("genpack-tui options")
    t.add_argument("--headless", action="store_true", help="run in the terminal without the TUI (for CI)")
    t.add_argument("-C", "--directory", metavar="DIR", type=Path, default=Path("."),
                   help="artifact directory (default: the current directory)")
    t.add_argument("--mirror", metavar="URL", help="Gentoo mirror base URL (env GENPACK_MIRROR)")
    t.add_argument("--overlay-url", metavar="URL", help="genpack-overlay tarball URL (env GENPACK_OVERLAY_URL)")
    t.add_argument("-f", "--force", action="store_true", help="rerun phases even when up to date")
    t.add_argument("--events", metavar="FILE", type=Path, help="write the build's events as JSON lines to FILE")
    t.add_argument("--json", action="store_true", help="config: print one JSON object")
    t.add_argument("--port", type=int, default=0, help="testbed: port to serve on (default: a free one)")
    parser.add_argument("action", nargs="?", default=None, choices=ACTIONS, metavar="subcommand",
                        help="one of: " + ", ".join(ACTIONS))
    return parser


def _split_bash_command(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Return (argv up to and including 'bash', the command after it); no split when the action isn't bash."""
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            break
        if token.startswith("-"):
            if token in _VALUE_OPTIONS:
                i += 1
            i += 1
            continue
        if token == "bash":
            return list(argv[: i + 1]), list(argv[i + 1:])
        break
    return list(argv), []


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = build_parser()
    head, command = _split_bash_command(argv)
    args = parser.parse_intermixed_args(head)
    args.command = command
    args.action_given = args.action is not None
    args.action = args.action or "build"
    if args.json and args.action != "config":
        parser.error("--json is only supported with the 'config' subcommand")
    return args


def variant_arg(args: argparse.Namespace):
    """genpack: ``--variant ""`` is falsy and falls back to default_variant, like no option at all."""
    from genpack_tui.engine.config import DEFAULT_VARIANT
    return args.variant if args.variant else DEFAULT_VARIANT


def build_request(artifact_dir: Path, args: argparse.Namespace) -> BuildRequest:
    return BuildRequest(
        action=args.action, artifact_dir=str(artifact_dir),
        variant=args.variant if args.variant else VARIANT_DEFAULT, arch=args.arch, debug=args.debug,
        overlay_override=str(args.overlay_override.resolve()) if args.overlay_override else None,
        independent_binpkgs=args.independent_binpkgs, deep_depclean=args.deep_depclean,
        compression=args.compression, devel=args.devel, parallel=args.parallel,
        break_circular_deps=args.break_circular_deps, mirror=args.mirror, overlay_url=args.overlay_url,
        keyring=str(args.keyring.absolute()) if args.keyring else None,  # the worker runs in /
        force=args.force, command=list(args.command),
    )
