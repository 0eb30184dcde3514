"""Reads a log back as GitHub's runner reads it: workflow commands (honouring ``::stop-commands::``)
and GitLab CI's section markers."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_COMMAND = re.compile(r"::(?P<name>[a-z-]+)(?: (?P<props>[^:]*))?::(?P<data>.*)")
_SECTION = re.compile(r"\x1b\[0Ksection_(?P<kind>start|end):(?P<time>\d+):(?P<name>[A-Za-z0-9_.-]+)(?:\[[^\]]*\])?[\r\n]\x1b\[0K")  # text mode reads CR as LF


def unescape(text: str) -> str:
    return (text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",")
            .replace("%25", "%"))


@dataclass
class Command:
    name: str
    properties: dict[str, str]
    data: str


@dataclass
class RunnerView:
    commands: list[Command] = field(default_factory=list)
    plain: list[str] = field(default_factory=list)  # the lines shown as text

    def of(self, name: str) -> list[Command]:
        return [c for c in self.commands if c.name == name]


def read_github_log(text: str) -> RunnerView:
    view = RunnerView()
    stopped: str | None = None
    for line in text.splitlines():
        if stopped is not None:
            if line == f"::{stopped}::":
                stopped = None
            else:
                view.plain.append(line)
            continue
        found = _COMMAND.fullmatch(line.lstrip())
        if not found:
            view.plain.append(line)
            continue
        props = dict(p.split("=", 1) for p in found["props"].split(",")) if found["props"] else {}
        command = Command(found["name"], {k: unescape(v) for k, v in props.items()}, unescape(found["data"]))
        if command.name == "stop-commands":
            stopped = command.data
        view.commands.append(command)
    return view


def gitlab_sections(text: str) -> list[tuple[str, str]]:
    """(start|end, name) of every section marker, in order."""
    return [(m["kind"], m["name"]) for m in _SECTION.finditer(text)]
