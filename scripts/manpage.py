"""Print genpack-tui's man page (roff) generated from its argparse parser (genpack_tui/parser.py):
the global options by group, every subcommand with its description and arguments, the exit status and
the environment variables. scripts/manpage.sh writes it to docs/genpack-tui.1;
tests/genpack_tui/cli/test_manpage.py regenerates it and diffs it with that file.

    .venv/bin/python scripts/manpage.py > docs/genpack-tui.1
"""
from __future__ import annotations

import argparse
import sys

from genpack_tui.parser import ENVIRONMENT, EXIT_STATUS, SUBCOMMANDS, build_parser, version


def roff(text: str) -> str:
    """``text`` safe in a roff line: backslashes and dashes escaped, no line taken for a request."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join("\\&" + line if line.startswith((".", "'")) else line for line in text.splitlines())


def _option(action: argparse.Action) -> list[str]:
    flags = ", ".join(f"\\fB{roff(flag)}\\fR" for flag in action.option_strings)
    if action.nargs != 0:
        metavar = action.metavar or (("{" + ",".join(map(str, action.choices)) + "}") if action.choices
                                     else action.dest.upper())
        flags += f" \\fI{roff(str(metavar))}\\fR"
    return [".TP", flags, roff(str(action.help))]


def _groups(parser: argparse.ArgumentParser) -> list[argparse._ArgumentGroup]:
    return [g for g in parser._action_groups if g._group_actions and g.title not in ("subcommands",)]


def manpage() -> str:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    lines = [
        f'.TH GENPACK\\-TUI 1 "" "genpack\\-tui {roff(version())}" "User Commands"',
        ".SH NAME", "genpack\\-tui \\- " + roff(str(parser.description)),
        ".SH SYNOPSIS", ".B genpack\\-tui", "[\\fIglobal options\\fR] [\\fIsubcommand\\fR] [\\fIargs\\fR]",
        ".SH DESCRIPTION",
        roff("Global options may come before or after the subcommand, except after 'bash', whose remaining "
             "words are the command to run. No subcommand means 'build'. 'genpack-tui SUBCOMMAND --help' "
             "describes one subcommand."),
        ".PP",
        roff("Without --headless the TUI workbench opens on the artifact (and runs the subcommand, if one was "
             "named); it needs a terminal: with stdin or stdout not a terminal, or TERM=dumb, genpack-tui "
             "exits with status 2 and asks for --headless."),
    ]
    for group in _groups(parser):
        title = "OPTIONS" if group.title == "options" else str(group.title).upper()
        lines.append(f".SH {roff(title)}")
        for action in group._group_actions:
            lines += _option(action)
    lines.append(".SH SUBCOMMANDS")
    for name, (_, description) in SUBCOMMANDS.items():
        sub = subparsers.choices[name]
        usage = str(sub.usage).removeprefix("genpack-tui ")
        lines += [".TP", f"\\fB{roff(name)}\\fR " + roff(usage.replace("[global options] " + name, "").strip()),
                  roff(description)]
        for action in sub._actions:
            if not action.option_strings:
                lines += [".RS", ".TP", f"\\fI{roff(str(action.metavar or action.dest))}\\fR", roff(str(action.help)),
                          ".RE"]
    lines += [".SH EXIT STATUS", ".nf", roff(EXIT_STATUS.split("\n", 1)[1].rstrip()), ".fi"]
    lines.append(".SH ENVIRONMENT")
    for name, text in ENVIRONMENT:
        lines += [".TP", f"\\fB{roff(name)}\\fR", roff(text)]
    lines += [".SH SEE ALSO", "README.md in the source tree; \\fBgenpack\\-tui completion\\fR \\fIbash\\fR|"
              "\\fIzsh\\fR|\\fIfish\\fR for shell completion."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(manpage())
