"""Configuration problems: what is wrong, where (config path + file position), and how bad.

A *config path* names a place in genpack.json5 the way a reader would point at it:
``variants.cuda.arch.x86_64.use["sci-libs/pytorch"]``, ``users[2].uid``, ``packages[3]``.
Internally a path is a tuple of keys (str) and list indices (int); :func:`format_path` renders it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Literal, Sequence

from .printable import escape_controls

Severity = Literal["error", "warning"]
PathParts = tuple["str | int", ...]

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_|-]*")


def format_path(parts: Sequence[str | int]) -> str:
    """Render path parts: identifier-like keys dotted, other keys as ``["..."]``, indices as ``[n]``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.fullmatch(part):
            out += ("." if out else "") + part
        else:
            out += "[" + json.dumps(part, ensure_ascii=not part.isprintable()) + "]"
    return out


# characters of a config path and of a message printed: a key or a quoted value may be megabytes long
_PATH_SHOWN = 120
_MESSAGE_SHOWN = 600


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Problem:
    """One finding. ``excerpt`` (syntax errors only) is the offending source line and a caret line,
    already made printable (see :meth:`engine.config.lines.LineIndex.excerpt`)."""

    severity: Severity
    path: str
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    excerpt: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def location(self) -> str:
        if self.file is None:
            return ""
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"

    def __str__(self) -> str:
        """One line (controls escaped, so a hostile name cannot drive the terminal), then the excerpt."""
        head = " ".join(
            part for part in (
                f"{self.location()}:" if self.file else "",
                f"{self.severity}:",
                f"{_shorten(self.path, _PATH_SHOWN)}:" if self.path else "",
                _shorten(self.message, _MESSAGE_SHOWN),
            ) if part
        )
        return escape_controls(head) + ("\n" + self.excerpt if self.excerpt else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "path": self.path,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "excerpt": self.excerpt,
        }


class ConfigError(Exception):
    """Raised for a configuration that cannot be used; ``problems`` holds every finding."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems) or "invalid configuration"


PRINTED_PROBLEMS = 50  # how many problems a terminal gets; ``config --json`` carries all of them


def problems_to_print(problems: Sequence[Problem], limit: int = PRINTED_PROBLEMS) -> tuple[list[Problem], int]:
    """(the problems to print, how many are left out): at most ``limit``, errors before warnings
    when some must go, in their original order."""
    if len(problems) <= limit:
        return list(problems), 0
    errors = [i for i, p in enumerate(problems) if p.is_error][:limit]
    warnings = [i for i, p in enumerate(problems) if not p.is_error][: limit - len(errors)]
    keep = sorted(errors + warnings)
    return [problems[i] for i in keep], len(problems) - len(keep)


def omitted_line(count: int) -> str:
    return f"… {count} more problem{'s' if count != 1 else ''} not shown (config --json lists them all)"
