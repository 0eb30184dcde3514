"""What a CI service makes of a log: GitHub Actions' workflow commands (groups, annotations) and GitLab
CI's collapsible sections. ``ci_log(environ)`` picks the one the job runs under; each method returns
the raw lines to write (never timestamped, since a workflow command must start its line).

GitHub runs every log line that looks like a workflow command, so a build's own output (a package's
configure script, a file name) could add annotations or groups: before a line holding ``::`` or
``##[`` that is not ours, GitHubActionsLog stops command processing with a fresh random token, and
resumes it before its own next command (GitHub's documented ``::stop-commands::``).
"""
from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import Mapping

from rich.control import Control, ControlType

_UNTRUSTED = ("::", "##[")


def escape_data(text: str) -> str:
    """A workflow command's message, as GitHub documents it: ``%``, CR and LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: its data escaping plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


class CiLog:
    """No CI service: nothing added to the log."""

    # A CI service reads stdout and stderr through two pipes and merges them in no guaranteed order:
    # under one, everything goes to stdout, so a line stays inside its group and after a stop-commands.
    one_stream = False

    def phase_started(self, phase: str, title: str) -> list[str]:
        return []

    def phase_finished(self, phase: str) -> list[str]:
        return []

    def step_started(self, phase: str, title: str) -> list[str]:
        return []

    def step_finished(self) -> list[str]:
        return []

    def run_finished(self) -> list[str]:
        return []

    def before_line(self, line: str) -> list[str]:
        """What must precede a line that is not the renderer's own (build output, excerpts)."""
        return []

    def problem(self, is_error: bool, text: str, file: str | None, line: int | None,
                column: int | None) -> list[str]:
        return []

    def package_failed(self, title: str, message: str) -> list[str]:
        return []

    def failed(self, title: str, message: str) -> list[str]:
        return []


class GitHubActionsLog(CiLog):
    """One group open at a time (GitHub does not nest them): a phase's, or one of its steps'."""

    one_stream = True

    def __init__(self) -> None:
        self._group_open = False
        self._stop_token: str | None = None

    def _command(self, *lines: str) -> list[str]:
        out = []
        if self._stop_token is not None:
            out.append(f"::{self._stop_token}::")
            self._stop_token = None
        return out + list(lines)

    def _close(self) -> list[str]:
        if not self._group_open:
            return []
        self._group_open = False
        return self._command("::endgroup::")

    def _open(self, title: str) -> list[str]:
        out = self._close()
        self._group_open = True
        return out + self._command(f"::group::{escape_data(title)}")

    def phase_started(self, phase: str, title: str) -> list[str]:
        return self._open(title)

    def phase_finished(self, phase: str) -> list[str]:
        return self._close()

    def step_started(self, phase: str, title: str) -> list[str]:
        return self._open(f"{phase}: {title}")

    def step_finished(self) -> list[str]:
        return self._close()

    def run_finished(self) -> list[str]:
        return self._close()

    def before_line(self, line: str) -> list[str]:
        if self._stop_token is not None or not any(mark in line for mark in _UNTRUSTED):
            return []
        self._stop_token = secrets.token_hex(16)
        return [f"::stop-commands::{self._stop_token}"]

    def problem(self, is_error: bool, text: str, file: str | None, line: int | None,
                column: int | None) -> list[str]:
        where = [f"{key}={escape_property(str(value))}"
                 for key, value in (("file", file), ("line", line), ("col", column)) if value is not None]
        properties = " " + ",".join(where) if where else ""
        return self._command(f"::{'error' if is_error else 'warning'}{properties}::{escape_data(text)}")

    def package_failed(self, title: str, message: str) -> list[str]:
        return self.failed(title, message)

    def failed(self, title: str, message: str) -> list[str]:
        return self._command(f"::error title={escape_property(title)}::{escape_data(message)}")


_ERASE_LINE = Control((ControlType.ERASE_IN_LINE, 0)).segment.text
_SECTION_NAME = re.compile(r"[^A-Za-z0-9_.-]")


class GitLabCiLog(CiLog):
    """A collapsible section per phase, as GitLab CI's job log reads them."""

    one_stream = True

    def __init__(self) -> None:
        self._open: str | None = None

    def _end(self) -> list[str]:
        if self._open is None:
            return []
        name, self._open = self._open, None
        return [f"{_ERASE_LINE}section_end:{int(time.time())}:{name}\r{_ERASE_LINE}"]

    def phase_started(self, phase: str, title: str) -> list[str]:
        out = self._end()
        self._open = "genpack_" + _SECTION_NAME.sub("_", phase)
        return out + [f"{_ERASE_LINE}section_start:{int(time.time())}:{self._open}\r{_ERASE_LINE}{title}"]

    def phase_finished(self, phase: str) -> list[str]:
        return self._end()

    def run_finished(self) -> list[str]:
        return self._end()


def ci_log(environ: Mapping[str, str]) -> CiLog:
    if environ.get("GITHUB_ACTIONS") == "true":
        return GitHubActionsLog()
    if environ.get("GITLAB_CI") == "true":
        return GitLabCiLog()
    return CiLog()


def annotation_file(name: str, artifact_dir: Path | None, environ: Mapping[str, str]) -> str:
    """The config file as GitHub places an annotation: relative to the checkout (GITHUB_WORKSPACE)
    when the artifact lies inside it, else the file's name."""
    workspace = environ.get("GITHUB_WORKSPACE")
    if artifact_dir is None or not workspace:
        return name
    try:
        return (artifact_dir / name).relative_to(Path(workspace).resolve()).as_posix()
    except ValueError:
        return name
