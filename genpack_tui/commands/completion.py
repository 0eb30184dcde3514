"""``genpack-tui completion {bash,zsh,fish}``: a shell completion script generated from the parser
(parser.py) with shtab, so it completes exactly the subcommands and options --help lists, ``--arch``'s
choices, and ``--variant`` names read from the artifact when Tab is pressed.

The variant names come from the hidden ``genpack-tui --complete-variants WORD...`` (cli.py calls
:func:`print_variants`): the script passes the words typed so far, the helper finds ``-C DIR`` among them
(else the current directory), reads that artifact's configuration and prints one name a line. It needs
no root and prints nothing but names: a missing or broken configuration completes nothing.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from pathlib import Path
from typing import Sequence, TextIO

import shtab

COMPLETE_VARIANTS = "--complete-variants"

_BASH_FUNCTION = "_genpack_tui_variants"
_VARIANTS = {
    # shtab calls the bash function with the word being completed
    "bash": _BASH_FUNCTION,
    "zsh": f"($(genpack-tui {COMPLETE_VARIANTS} ${{words[1,CURRENT-1]}} 2>/dev/null))",
    "fish": f"(genpack-tui {COMPLETE_VARIANTS} (commandline -opc) 2>/dev/null)",
    "preamble": {
        "bash": f"""
{_BASH_FUNCTION}() {{
  compgen -W "$(genpack-tui {COMPLETE_VARIANTS} "${{COMP_WORDS[@]:0:COMP_CWORD}}" 2>/dev/null)" -- "$1"
}}
""",
    },
}


def completion_script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script of ``parser`` for ``shell``."""
    for action in _all_actions(parser):
        if "--variant" in action.option_strings:
            action.complete = _VARIANTS  # type: ignore[attr-defined]
        elif "--directory" in action.option_strings or "--overlay-override" in action.option_strings:
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
        elif "--keyring" in action.option_strings or "--events" in action.option_strings:
            action.complete = shtab.FILE  # type: ignore[attr-defined]
    return shtab.complete(parser, shell=shell)


def _all_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    actions = list(parser._actions)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                actions += _all_actions(sub)
    return actions


def run_completion(parser: argparse.ArgumentParser, shell: str, out: TextIO) -> int:
    script = completion_script(parser, shell)
    out.write(script if script.endswith("\n") else script + "\n")
    return 0


def artifact_directory(words: Sequence[str]) -> Path:
    """The artifact directory the typed words name with ``-C DIR``/``--directory DIR`` (the last one),
    else the current directory."""
    directory = "."
    for i, word in enumerate(words):
        if word in ("-C", "--directory") and i + 1 < len(words):
            # bash splits --directory=DIR into three words (COMP_WORDBREAKS has '=')
            given = words[i + 2: i + 3] if words[i + 1] == "=" else words[i + 1: i + 2]
            directory = given[0] if given else directory
        elif word.startswith("--directory="):
            directory = word.partition("=")[2]
        elif word.startswith("-C") and len(word) > 2:
            directory = word[2:]
    return Path(os.path.expanduser(directory))


def variant_names(directory: Path) -> list[str]:
    """The variants the artifact's configuration declares; [] when there is none or it cannot be read."""
    from genpack_tui.engine.config import resolve

    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return list(resolve(directory, variant=None).available_variants)
    except Exception:  # completion must never print a traceback into the user's command line
        return []


def print_variants(words: Sequence[str], out: TextIO = sys.stdout) -> int:
    for name in variant_names(artifact_directory(words)):
        # only names a shell word holds as is: no escape codes reach the terminal, none is split in two
        if name.isprintable() and not any(c.isspace() for c in name):
            out.write(name + "\n")
    return 0
