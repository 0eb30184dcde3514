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
    "build": ("lower, upper and pack in turn; lower only when its inputs changed (default)",
              "Run lower, upper and pack in turn. Lower is skipped when its inputs did not change and says "
              "why when it reruns (e.g. 'use changed → lower'); upper and pack always rerun, as in genpack, "
              "unless --reuse-upper skips an unchanged upper. -f/--force reruns them all."),
    "lower": ("build the lower layer (stage3 + Portage + emerge); always runs",
              "Build the lower layer, work/<arch>/lower[-<variant>].img: stage3, the Portage tree and the "
              "genpack-overlay, the Portage configuration from the merged config, then the emerge sequence "
              "in systemd-nspawn. Always runs."),
    "upper": ("build the upper layer (users, files/, build.d, setup_commands, services)",
              "Build a fresh upper[-<variant>].img over the lower layer: package scripts, groups, users, "
              "files/, files/build.d/ scripts, setup_commands, services, copy-up of the runtime packages."),
    "pack": ("make the squashfs image (and the EFI superfloppy .img when EFI loaders exist)",
             "The upper layer into <name>[-<variant>]-<arch>.squashfs (or the config's outfile), plus an EFI "
             "superfloppy .img when the lower image has EFI loaders: by the overlay's genpack-create-image in "
             "the lower container, as genpack does, or by mksquashfs and mtools on the host when the lower "
             "image has no genpack-create-image."),
    "bash": ("a shell, or the given command, in the lower container",
             "Run bash, or the given command, in the lower container. Every word after 'bash' belongs to the "
             "command (put global options before 'bash'); a first word '--' is dropped, so "
             "'bash -- --help' runs '--help'. The exit status is the command's (0 for an interactive shell)."),
    "upper-bash": ("a shell in the upper layer", "Run bash on the upper layer, over the lower image."),
    "upper-clean": ("not implemented, as in genpack (says so and exits with status 1)",
                    "Accepted as genpack accepts it, and answered as genpack answers it: 'upper-clean is not "
                    "implemented yet, use 'upper' and then remove upper directory manually.' on stderr, exit "
                    "status 1. Nothing is read or written."),
    "archive": ("write genpack-<name>.tar.gz of the artifact definition",
                "Write genpack-<name>.tar.gz with the config file and the artifact's directories "
                "(links inside them are archived as links)."),
    "config": ("print the resolved configuration with provenance (--json for machines)",
               "Print the resolved configuration for the selected variant and arch, each value with where "
               "it came from; --json prints one object with every problem. Exit status 1 when the "
               "configuration has an error."),
    "plan": ("print what a build would run, step by step, without running anything (--json for machines)",
             "Print what a build of the selected variant and arch would do, without root and without running "
             "anything: the profile, every Portage file written into the lower image with its content, and per "
             "phase the ordered steps, each with where it runs (lower or upper container, or the host), its "
             "command, the environment the container gets and its stdin. Steps that depend on what the build "
             "finds say when they run. --json prints one object. Exit status 1 when the configuration has "
             "an error."),
    "testbed": ("build/reuse the offline Portage test bed and serve it as a mirror on loopback",
                "Build (the first time, a few minutes) or reuse the offline test bed and serve it on "
                "127.0.0.1 (--port N, default: a free port); prints the --mirror, --overlay-url and "
                "--keyring options a build should use."),
    "binhost": ("binhost serve: serve the binary package cache to other machines' --binhost",
                "binhost serve: Portage regenerates the Packages index of the binary package cache "
                "(~/.cache/genpack/<arch>/binpkgs, or the lower image's with --independent-binpkgs) in the "
                "lower container, then the cache is served read-only over HTTP (GET and HEAD; no links, no "
                "listing) on --bind ADDR (default 127.0.0.1) and --port N, one line per request, until "
                "Ctrl-C. Other machines build with --binhost http://ADDR:N/. docs/binhost.md puts a static "
                "web server in front of the same directory instead."),
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
    "report": ("the last build's image composition: packages by size, largest directories and files",
               "Print the image composition of the last build of the variant and arch (work/history/): "
               "the packages by their size in the image, the largest directories and files, the files no "
               "package owns, and the squashfs compression ratio. --top N (default 10) rows per table; "
               "--json prints the whole record. Needs no root."),
    "diff-builds": ("what changed between two builds: packages, USE, sizes, files, phase times",
                    "Compare two builds of the variant and arch from work/history/ (default: the last two; "
                    "A and B are record ids or indexes such as -1, -2): packages added, removed, upgraded or "
                    "with changed USE, the size delta per package and in total, files added, removed or "
                    "changed (size, mode, owner, content) and the phase times. --json prints one object. "
                    "Needs no root."),
    "matrix": ("print the (variant, arch) builds as a CI matrix (--json for GitHub Actions' fromJSON)",
               "Print the builds a CI matrix should run: one per variant and arch, and one without "
               "--variant (no variant key) unless default_variant is set. The arches are those given with --arch (repeatable), else this "
               "machine's and every arch named in an 'arch' block of the configuration. --json prints "
               "{\"include\": [{\"variant\": ..., \"arch\": ...}, ...]} for GitHub Actions' fromJSON and "
               "GitLab's parallel:matrix (docs/ci.md); without it, a table. Exit status 1 when the "
               "configuration has an error for any of them."),
    "doctor": ("check that this host can build (root, loop devices, nspawn, filesystems, disk, keyring)",
               "Check this host: root (and not in a user namespace, as in an unprivileged container), loop "
               "devices, systemd-nspawn, the ext4/overlay/squashfs filesystems, binfmt_misc for the other "
               "arches, free disk space for the sparse images under the artifact's work directory, and the "
               "OpenPGP keyring. Each check is printed with a fix; exit status 0 when "
               "every needed check passes, 1 otherwise."),
}
COMPLETION_SHELLS = ("bash", "zsh", "fish")
JSON_ACTIONS = ("config", "plan", "matrix", "report", "diff-builds")  # the subcommands --json is for
BINHOST_ACTIONS = ("serve",)

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
    ("GENPACK_BINHOST", "binhost URL for build/lower when --binhost is not given"),
    ("GENPACK_DISTCC_HOSTS", "distcc hosts for build/lower when --distcc is not given"),
    ("XDG_CACHE_HOME", "the test bed's cache is $XDG_CACHE_HOME/genpack-tui/testbed (default: ~/.cache)"),
    ("SUDO_UID, SUDO_GID, SUDO_USER", "under sudo, outputs and caches are given to this user"),
    ("NO_COLOR", "--headless and config print without colour (unless --color always)"),
    ("FORCE_COLOR", "--headless and config colour even a pipe (unless --color never)"),
    ("GENPACK_HISTORY_LIMIT", "builds kept in work/history/ when --history-limit is not given (default 20)"),
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
and asks for --headless (config, plan, check, schema, matrix, testbed, doctor, completion, report
and diff-builds print without it).

""" + EXIT_STATUS + "\n" + ENVIRONMENT_HELP

def _builds(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"expected a whole number of builds (0 or more), not {text!r}")
    return int(text)


def _positive(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) == 0:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, not {text!r}")
    return int(text)


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
    (("--binhost",), dict(metavar="URL", help="build/lower: fetch binary packages from this binhost (emerge "
                                              "--getbinpkg; env GENPACK_BINHOST); see docs/binhost.md")),
    (("--distcc",), dict(metavar="HOSTS", help="build/lower: compile with distcc on HOSTS, e.g. '10.0.0.2/8' "
                                               "(FEATURES=distcc; env GENPACK_DISTCC_HOSTS)")),
    (("--bind",), dict(metavar="ADDR", default="127.0.0.1",
                       help="binhost serve: address to listen on (default: 127.0.0.1)")),
    (("-f", "--force"), dict(action="store_true", help="rerun phases even when up to date")),
    (("--reuse-upper",), dict(action="store_true",
                              help="build/upper: skip the upper phase (and then pack) when its inputs did not "
                                   "change; genpack always reruns them")),
    (("--events",), dict(metavar="FILE", type=Path, help="write the build's events as JSON lines to FILE")),
    (("--color",), dict(choices=COLOR_CHOICES, default="auto",
                        help="colour the output of --headless and config (default auto: on a terminal, unless "
                             "NO_COLOR is set or TERM=dumb; FORCE_COLOR forces it)")),
    (("--timestamps",), dict(action="store_true", help="--headless: prefix each output line with its UTC time")),
    (("--json",), dict(action="store_true", help="config, plan, matrix, report, diff-builds: print one JSON object")),
    (("--history-limit",), dict(metavar="N", type=_builds, help="builds kept in work/history/ per variant and arch "
                                                               "(env GENPACK_HISTORY_LIMIT; default 20; 0: none "
                                                               "recorded)")),
    (("--top",), dict(metavar="N", type=_positive, default=10, help="report: rows per table (default 10)")),
    (("--port",), dict(type=int, default=0, help="testbed, binhost serve: port to serve on (default: a free "
                                                 "one)")),
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


def _add_global_options(parser: argparse.ArgumentParser, *, suppress: bool, skip: tuple[str, ...] = ()) -> None:
    """The global options on ``parser`` (but ``skip``). A subcommand's copies default to SUPPRESS, so an
    option given before the subcommand is not reset by the subcommand's parser."""
    for title, options in (("genpack options", _GENPACK_OPTIONS), ("genpack-tui options", _TUI_OPTIONS)):
        group = parser.add_argument_group(title)
        for flags, keywords in options:
            if flags[0] in skip:
                continue
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
                                              "diff-builds": " [global options] [A [B]]",
                                              "completion": f" {{{','.join(COMPLETION_SHELLS)}}}",
                                              "binhost": " serve [global options]"}
                                           .get(name, " [global options]"))
        if name == "check":
            sub.add_argument("files", nargs="*", type=Path, metavar="FILE",
                             help="configuration files to check (default: the artifact's)")
        if name == "diff-builds":
            sub.add_argument("builds", nargs="*", metavar="A B",
                             help="the builds to compare, older first: record ids or indexes (default: -2 -1)")
        if name == "binhost":
            sub.add_argument("binhost_action", choices=BINHOST_ACTIONS, metavar="serve",
                             help="what to do with the binary package cache (serve)")
        if name == "completion":
            sub.add_argument("shell", choices=COMPLETION_SHELLS, help="the shell to complete for")
        if name == "bash":  # what follows 'bash' is never parsed (parse_args splits it off): the command only
            sub.add_argument("command", nargs="*", help="the command to run in the lower container "
                                                        "(default: an interactive bash)")
        elif name == "matrix":  # its --arch takes several: the global one (before 'matrix') still counts
            sub.add_argument("--arch", dest="matrix_arches", action="append", choices=sorted(ARCHES),
                             default=argparse.SUPPRESS, metavar="ARCH",
                             help="an arch of the matrix (repeatable; default: this machine's and those "
                                  "named in 'arch' blocks)")
            _add_global_options(sub, suppress=True, skip=("--arch",))
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
    if args.json and args.action not in JSON_ACTIONS:
        parser.error("--json is only supported with the " + ", ".join(f"'{a}'" for a in JSON_ACTIONS)
                     + " subcommands")
    if len(getattr(args, "builds", ())) > 2:
        parser.error("diff-builds compares two builds: give at most A and B")
    if args.action == "matrix":
        args.matrix_arches = ([args.arch] if args.arch else []) + getattr(args, "matrix_arches", [])
    return args
