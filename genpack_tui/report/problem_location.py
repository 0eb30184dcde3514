"""A configuration problem read back from the event that carries it.

engine/build/session.py reports each problem as an ErrorEvent/WarningEvent whose message is the
problem's printed form (engine/config/problems.py ``Problem.__str__``): ``FILE[:LINE[:COL]]: SEVERITY:
[PATH: ]MESSAGE`` on the first line, then a syntax error's excerpt. FILE is one of the artifact's
config names (engine/config/artifact_layout.py), so the location is found without guessing where a
name with colons ends.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from genpack_tui.engine.config.artifact_layout import CONFIG_NAMES

_LOCATED = re.compile(
    r"(?P<file>" + "|".join(re.escape(name) for name in CONFIG_NAMES) + r")"
    r"(?::(?P<line>\d+)(?::(?P<column>\d+))?)?: (?:error|warning): (?P<rest>.*)",
    re.DOTALL,
)
_UNLOCATED = re.compile(r"(?:error|warning): (?P<rest>.*)", re.DOTALL)


@dataclass(frozen=True)
class LocatedProblem:
    file: str | None  # a config file name, None when the problem is not about one file
    line: int | None
    column: int | None
    text: str  # ``[PATH: ]MESSAGE`` and the excerpt's lines, without the location and the severity


def located(message: str) -> LocatedProblem:
    found = _LOCATED.fullmatch(message)
    if found:
        line, column = found["line"], found["column"]
        return LocatedProblem(found["file"], int(line) if line else None, int(column) if column else None,
                              found["rest"])
    bare = _UNLOCATED.fullmatch(message)
    return LocatedProblem(None, None, None, bare["rest"] if bare else message)
