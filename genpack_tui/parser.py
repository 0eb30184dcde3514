"""genpack-tui's command line, parsed once into an Invocation (options.py). Only the entry point
(cli.py) imports this module.

    genpack-tui [global options] [subcommand] [args]

Each subcommand is an argparse subparser with its own ``--help``. The global options (genpack's and
genpack-tui's) may come before or after the subcommand, except after ``bash``, whose remaining words are
the command to run in the lower container (``bash --help`` is bash's help; ``bash -- --help`` runs
``--help``). Without a subcommand, ``build`` is meant.
"""
from __future__ import annotations

import argparse
import textwrap
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence

from genpack_tui.engine.config.arches import ARCHES
from genpack_tui.engine.config.schema import COMPRESSIONS
from genpack_tui.options import COLOR_CHOICES, Invocation

DISTRIBUTION = "genpack-tui"

SUBCOMMANDS: dict[str, tuple[str, str]] = {  # name: (one line for the list, the subcommand's description)
    "build": ("lower, upper and pack in turn, skipping phases that are up to date (default)",
              "Run lower, upper and pack in turn. A phase whose inputs did not change is skipped; one that "
              "reruns says why (e.g. 'use changed → lower'). -f/--force reruns them all."),
    "lower": ("build the lower layer (stage3 + Portage + emerge); always runs",
              "Build the lower layer, work/<arch>/lower[-<variant>].img: stage3, the Portage tree and the "
              "genpack-overlay, the Portage configuration from the merged config, then the emerge sequence "
              "in systemd-nspawn. Always runs."),
    "upper": ("build the upper layer (users, files/, build.d, setup_commands, services)",
              "Build a fresh upper[-<variant>].img over the lower layer: package scripts, groups, users, "
              "files/, files/build.d/ scripts, setup_commands, services, copy-up of the runtime packages."),
    "pack": ("make the squashfs image (and the EFI superfloppy .img when EFI loaders exist)",
             "mksquashfs of the upper layer into <name>[-<variant>]-<arch>.squashfs (or the config's outfile), "
             "plus an EFI superfloppy .img when the lower image has EFI loaders."),
    "bash": ("a shell, or the given command, in the lower container",
             "Run bash, or the given command, in the lower container. Every word after 'bash' belongs to the "
             "command (put global options before 'bash'); a first word '--' is dropped, so "
             "'bash -- --help' runs '--help'. The exit status is the command's (0 for an interactive shell)."),
    "upper-bash": ("a shell in the upper layer", "Run bash on the upper layer, over the lower image."),
    "archive": ("write genpack-<name>.tar.gz of the artifact definition",
                "Write genpack-<name>.tar.gz with the config file and the artifact's directories "
                "(links inside them are archived as links)."),
    "config": ("print the resolved configuration with provenance (--json for machines)",
               "Print the resolved configuration for the selected variant and arch, each value with where "
               "it came from; --json prints one object with every problem. Exit status 1 when the "
               "configuration has an error."),
    "testbed": ("build/reuse the offline Portage test bed and serve it as a mirror on loopback",
                "Build (the first time, a few minutes) or reuse the offline test bed and serve it on "
                "127.0.0.1 (--port N, default: a free port); prints the --mirror, --overlay-url and "
                "--keyring options a build should use."),
    "check": ("validate genpack.json5 files: one 'file:line:col: severity: message' line per problem",
              "Validate the given configuration files (default: the artifact's) and print one line per "
              "problem, 'file:line:col: severity: path: message'. Exit status 0 when no file has an "
              "error (warnings pass), 1 otherwise. Needs neither root nor a terminal; "
              ".pre-commit-hooks.yaml runs it as the genpack-check hook."),
    "schema": ("print the JSON Schema (draft 2020-12) of genpack.json5",
               "Print the JSON Schema (draft 2020-12) of genpack.json5, with a description of every "
               "field, for editors and check-jsonschema."),
    "completion": ("print a shell completion script (bash, zsh or fish)",
                   "Print a completion script for SHELL: subcommands, options, --arch values and the --variant "
                   "names of the artifact (-C, else the current directory) when Tab is pressed. "
                   "bash: eval \"$(genpack-tui completion bash)\"; zsh: genpack-tui completion zsh > "
                   "\"${fpath[1]}/_genpack-tui\"; fish: genpack-tui completion fish > "
                   "~/.config/fish/completions/genpack-tui.fish."),
    "doctor": ("check that this host can build (root, loop devices, nspawn, filesystems, disk, keyring)",
               "Check this host: root (and not in a user namespace, as in an unprivileged container), loop "
               "devices, systemd-nspawn, the ext4/overlay/squashfs filesystems, binfmt_misc for the other "
               "arches, free disk space for the sparse images under the artifact's work directory, and the "
               "OpenPGP keyring. Each check is printed with a fix; exit status 0 when "
               "every needed check passes, 1 otherwise."),
}
COMPLETION_SHELLS = ("bash", "zsh", "fish")

EXIT_STATUS = """\
exit status:
  0    success
  1    the build, the archive or the configuration failed
  2    usage error: a bad option or subcommand, a missing artifact directory, or no terminal for
       the workbench
  130  interrupted (SIGINT, Ctrl-C)
  bash with a command exits with the command's status.
"""

# the environment variables genpack-tui reads (name, what it does), for --help and the man page
# (scripts/manpage.py); tests/genpack_tui/cli/test_environment_variables.py finds those the code reads
ENVIRONMENT: list[tuple[str, str]] = [
    ("GENPACK_MIRROR", "Gentoo mirror base URL when --mirror is not given"),
    ("GENPACK_OVERLAY_URL", "genpack-overlay tarball URL when --overlay-url is not given"),
    ("GENPACK_KEYRING", "OpenPGP keyring when --keyring is not given"),
    ("XDG_CACHE_HOME", "the test bed's cache is $XDG_CACHE_HOME/genpack-tui/testbed (default: ~/.cache)"),
    ("SUDO_UID, SUDO_GID, SUDO_USER", "under sudo, outputs and caches are given to this user"),
    ("NO_COLOR", "--headless and config print without colour (unless --color always)"),
    ("FORCE_COLOR", "--headless and config colour even a pipe (unless --color never)"),
    ("TERM", "TERM=dumb: no workbench (use --headless); --headless: no colour, no status line"),
    ("GITHUB_ACTIONS", "true: --headless prints GitHub Actions groups and annotations"),
    ("GITHUB_STEP_SUMMARY", "--headless appends a Markdown job summary to this file"),
    ("GITHUB_WORKSPACE", "annotations name the config file relative to this checkout"),
    ("GITLAB_CI", "true: --headless prints GitLab CI collapsible sections"),
]
ENVIRONMENT_HELP = "environment:\n" + "".join(
    f"  {name:<29} {text}\n" for name, text in ENVIRONMENT)

_EPILOG = """\
Global options may come before or after the subcommand, except after 'bash'. 'genpack-tui SUBCOMMAND
--help' describes one subcommand.

Without --headless the TUI workbench opens on the artifact (and runs the subcommand, if one was named);
it needs a terminal: with stdin or stdout not a terminal, or TERM=dumb, genpack-tui exits with status 2
and asks for --headless (config, check, schema, testbed, doctor and completion print without it).

""" + EXIT_STATUS + "\n" + ENVIRONMENT_HELP

# (flags, argparse keywords) of the global options, in the order --help lists them
_GENPACK_OPTIONS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (("--debug",), dict(action="store_true", help="show debug-level logs")),
    (("--overlay-override",), dict(metavar="DIR", type=Path,
                                   help="bind DIR read-only over the genpack-overlay in the containers")),
    (("--independent-binpkgs",), dict(action="store_true",
                                      help="keep binary packages inside the lower image instead of the shared "
                                           "cache")),
    (("--deep-depclean",), dict(action="store_true", help="depclean with --with-bdeps=n directly")),
    (("--compression",), dict(choices=COMPRESSIONS, help="squashfs compression (default: config, then gzip)")),
    (("--devel",), dict(action="store_true",
                        help="add the genpack/devel metapackage (keeps headers, man pages and docs)")),
    (("--variant",), dict(metavar="NAME", help="variant to build (default: default_variant)")),
    (("--arch",), dict(choices=sorted(ARCHES), help="target architecture (default: this machine's)")),
    (("--parallel",), dict(action="store_true", help="emerge with --jobs/--load-average = CPU count")),
    (("--break-circular-deps",), dict(action="store_true",
                                      help="run the circular-dependency breaker even on an existing lower image")),
    (("--keyring",), dict(metavar="FILE", type=Path,
                          help="OpenPGP keyring that must have signed the stage3 DIGESTS and the Portage snapshot "
                               "(env GENPACK_KEYRING; default: /usr/share/openpgp-keys/gentoo-release.asc if "
                               "present)")),
]
_TUI_OPTIONS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (("--headless",), dict(action="store_true", help="run in the terminal without the TUI (for CI)")),
    (("-C", "--directory"), dict(metavar="DIR", type=Path, default=Path("."),
                                 help="artifact directory (default: the current directory)")),
    (("--mirror",), dict(metavar="URL", help="Gentoo mirror base URL (env GENPACK_MIRROR)")),
    (("--overlay-url",), dict(metavar="URL", help="genpack-overlay tarball URL (env GENPACK_OVERLAY_URL)")),
    (("-f", "--force"), dict(action="store_true", help="rerun phases even when up to date")),
    (("--events",), dict(metavar="FILE", type=Path, help="write the build's events as JSON lines to FILE")),
    (("--color",), dict(choices=COLOR_CHOICES, default="auto",
                        help="colour the output of --headless and config (default auto: on a terminal, unless "
                             "NO_COLOR is set or TERM=dumb; FORCE_COLOR forces it)")),
    (("--timestamps",), dict(action="store_true", help="--headless: prefix each output line with its UTC time")),
    (("--json",), dict(action="store_true", help="config: print one JSON object")),
    (("--port",), dict(type=int, default=0, help="testbed: port to serve on (default: a free one)")),
    (("--real-genpack-progs",), dict(metavar="DIR", type=Path,
                                     help="testbed: put the real in-container programs of the genpack-overlay "
                                          "checkout DIR (or of its genpack/genpack-progs/files) into the test "
                                          "bed's overlay instead of its test doubles")),
]
_ALL_OPTIONS = _GENPACK_OPTIONS + _TUI_OPTIONS
# the options that take the next word as their value: needed to find where the subcommand sits in argv
_VALUE_OPTIONS = {flag for flags, kw in _ALL_OPTIONS if kw.get("action") != "store_true" for flag in flags}
_LONG_OPTIONS = sorted({flag for flags, _ in _ALL_OPTIONS for flag in flags if flag.startswith("--")}
                       | {"--help", "--version"})


def version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def _add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The global options on ``parser``. A subcommand's copies default to SUPPRESS, so an option given
    before the subcommand is not reset by the subcommand's parser."""
    for title, options in (("genpack options", _GENPACK_OPTIONS), ("genpack-tui options", _TUI_OPTIONS)):
        group = parser.add_argument_group(title)
        for flags, keywords in options:
            keywords = dict(keywords)
            if suppress:
                keywords["default"] = argparse.SUPPRESS
            group.add_argument(*flags, **keywords)


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="genpack-tui", usage="%(prog)s [global options] [subcommand] [args]", formatter_class=formatter,
        description="Genpack image builder: a genpack re-implementation with a TUI workbench and a CI mode.",
        epilog=_EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    _add_global_options(parser, suppress=False)
    subcommands = parser.add_subparsers(dest="action", title="subcommands", metavar="subcommand")
    for name, (summary, description) in SUBCOMMANDS.items():
        sub = subcommands.add_parser(name, help=summary, description=textwrap.fill(description, 79),
                                     epilog=EXIT_STATUS,
                                     formatter_class=formatter,
                                     usage=f"genpack-tui [global options] {name}"
                                           + {"bash": " [--] [command ...]",
                                              "check": " [global options] [FILE ...]",
                                              "completion": f" {{{','.join(COMPLETION_SHELLS)}}}"}
                                           .get(name, " [global options]"))
        if name == "check":
            sub.add_argument("files", nargs="*", type=Path, metavar="FILE",
                             help="configuration files to check (default: the artifact's)")
        if name == "completion":
            sub.add_argument("shell", choices=COMPLETION_SHELLS, help="the shell to complete for")
        if name == "bash":  # what follows 'bash' is never parsed (parse_args splits it off): the command only
            sub.add_argument("command", nargs="*", help="the command to run in the lower container "
                                                        "(default: an interactive bash)")
        else:
            _add_global_options(sub, suppress=True)
    return parser


def _takes_value(token: str) -> bool:
    if token in _VALUE_OPTIONS:
        return True
    if not token.startswith("--") or "=" in token:
        return False
    matches = [option for option in _LONG_OPTIONS if option.startswith(token)]  # argparse's abbreviations
    return len(matches) == 1 and matches[0] in _VALUE_OPTIONS


def _subcommand_index(argv: Sequence[str]) -> int | None:
    """Where the subcommand word is in ``argv`` (None when there is none before a ``--``)."""
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            return None
        if token.startswith("-") and token != "-":
            i += 2 if _takes_value(token) else 1
            continue
        return i
    return None


def parse_invocation(argv: Sequence[str]) -> Invocation:
    """What ``argv`` asks for; exits with status 2 and a usage message on a usage error."""
    return Invocation.from_namespace(_parsed(argv))


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """``parse_invocation(argv).namespace``: the command line as the workbench reads it."""
    return parse_invocation(argv).namespace


def _parsed(argv: Sequence[str]) -> argparse.Namespace:
    """argparse's Namespace of ``argv``, with ``action`` (``build`` when none was named), ``action_given`` and
    ``command`` (the words after ``bash``); exits with status 2 and a usage message on a usage error."""
    parser = build_parser()
    argv = list(argv)
    at = _subcommand_index(argv)
    command: list[str] = []
    if at is None:
        head = argv + ["build"] if "--" not in argv else argv
    elif argv[at] == "bash":
        head, command = argv[: at + 1], argv[at + 1:]
        if command[:1] in (["-h"], ["--help"]):
            head.append(command[0])  # bash's own help; `bash -- --help` runs --help instead
        elif command[:1] == ["--"]:
            command = command[1:]
    else:
        head = argv
    args = parser.parse_args(head)
    args.action_given = at is not None
    args.action = args.action or "build"
    args.command = command
    if args.json and args.action != "config":
        parser.error("--json is only supported with the 'config' subcommand")
    return args
