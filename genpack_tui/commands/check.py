"""``genpack-tui check [FILE ...]``: validate configuration files and print one line per problem,
``file:line:col: severity: path: message``, for editors, CI and pre-commit (.pre-commit-hooks.yaml).

Without files it checks the artifact directory's configuration. Exit status 0 when no file has an
error (warnings are printed but pass), 1 otherwise. Needs neither root nor a terminal.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Iterable, Sequence, TextIO

from genpack_tui.engine.config.config_file import find_config_file
from genpack_tui.engine.config.document import read_document
from genpack_tui.engine.config.problems import ConfigError, Problem
from genpack_tui.engine.config.validate import validate


def problems_of(path: Path) -> list[Problem]:
    """Every problem of the configuration file ``path``: syntax, duplicate keys and validation."""
    try:
        document = read_document(path)
    except ConfigError as exc:
        return list(exc.problems)
    return list(document.warnings) + validate(document.data, document.source_map, document.filename).problems


def problem_line(shown: str, problem: Problem) -> str:
    """``file:line:col: severity: path: message`` (line and column left out when unknown), shortened and
    with control characters escaped as every printed problem is (problems.py)."""
    return str(replace(problem, file=shown, excerpt=None))


def run_check(files: Sequence[Path], artifact_dir: Path, out: TextIO) -> int:
    targets: Iterable[Path]
    if files:
        targets = files
    else:
        try:
            targets = [find_config_file(artifact_dir)]
        except ConfigError as exc:
            for problem in exc.problems:
                out.write(problem_line(str(artifact_dir), problem) + "\n")
            return 1
    failed = False
    for path in targets:
        for problem in problems_of(path):
            out.write(problem_line(str(path), problem) + "\n")
            failed = failed or problem.is_error
    return 1 if failed else 0
