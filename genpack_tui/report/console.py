"""The rich Console the headless renderer prints through, decided from ``--color`` and the environment.

Colour (``--color auto``): none when NO_COLOR is set (not even bold: no SGR sequence at all), else when
FORCE_COLOR is set, else only on a terminal whose TERM is not ``dumb``. The redrawn status line is a
separate question: only on a real terminal that is not dumb, whatever the colour.
"""
from __future__ import annotations

from typing import Mapping, TextIO

from rich.console import Console

from genpack_tui.options import ColorChoice

DUMB_TERMS = ("dumb", "unknown")  # as rich reads TERM


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (ValueError, OSError, AttributeError):  # closed, or not a file
        return False


def _dumb(environ: Mapping[str, str]) -> bool:
    return environ.get("TERM", "").lower() in DUMB_TERMS


def is_interactive(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Whether a status line may be redrawn in place on ``stream``."""
    return is_terminal(stream) and not _dumb(environ)


def wants_color(stream: TextIO, choice: ColorChoice, environ: Mapping[str, str]) -> bool:
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR", ""):
        return False
    if environ.get("FORCE_COLOR", ""):
        return True
    return is_interactive(stream, environ)


def output_console(stream: TextIO, choice: ColorChoice, environ: Mapping[str, str]) -> Console:
    """A Console on ``stream`` that never wraps, never reads markup or highlights (names and build output
    are printed as they are), and styles only when ``wants_color``."""
    color = wants_color(stream, choice, environ)
    return Console(
        file=stream, force_terminal=color, force_interactive=False, no_color=not color,
        color_system=("standard" if _dumb(environ) else "auto") if color else None,
        markup=False, highlight=False, emoji=False, soft_wrap=True,
    )
