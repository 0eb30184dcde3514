"""Reading genpack.json5 / genpack.json: file selection, parsing, syntax errors with positions."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import json5
import pyjson5

from .problems import ConfigError, Problem, format_path, source_excerpt
from .sourcemap import SourceMap, scan

JSON5_NAME = "genpack.json5"
JSON_NAME = "genpack.json"
_MINIMAL_HINT = "create a minimal one with: echo '{\"packages\":[\"genpack/paravirt\"]}' > genpack.json5"
_JSON5_POSITION = re.compile(r"^<string>:(\d+) (.*) at column (\d+)$", re.DOTALL)


@dataclass(frozen=True)
class Document:
    """A parsed configuration: the raw object, its text, and where each key/value sits in the text."""

    filename: str
    text: str
    data: dict[str, Any]
    source_map: SourceMap = field(default_factory=SourceMap)
    warnings: tuple[Problem, ...] = ()


def _syntax_problem(filename: str, text: str, message: str, line: int | None, column: int | None) -> Problem:
    excerpt = source_excerpt(text, line, column) if line else None
    message = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in message)
    return Problem("error", "", f"syntax error: {message}", filename, line, column, excerpt)


def _is_plain_json(filename: str) -> bool:
    return filename.endswith(".json")


def _parse(text: str, filename: str) -> Any:
    if _is_plain_json(filename):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError([_syntax_problem(filename, text, exc.msg, exc.lineno, exc.colno)]) from None
    try:
        # pyjson5 (compiled) parses the same language ~1000x faster than json5 (pure Python), which
        # keeps live reload fast; json5 stays the reference: it decides whatever pyjson5 rejects, and
        # its messages carry the line and column of a syntax error.
        return pyjson5.decode(text)
    except Exception:  # noqa: BLE001 - any refusal: let json5 decide and explain
        return _parse_json5(text, filename)


def _parse_json5(text: str, filename: str) -> Any:
    try:
        return json5.loads(text)
    except ValueError as exc:
        m = _JSON5_POSITION.match(str(exc))
        if m:
            problem = _syntax_problem(filename, text, m.group(2), int(m.group(1)), int(m.group(3)))
        else:
            problem = _syntax_problem(filename, text, str(exc), None, None)
        raise ConfigError([problem]) from None


def load_document(text: str, filename: str) -> Document:
    """Parse ``text`` as JSON (``*.json``) or JSON5 (anything else); raises only :class:`ConfigError`.

    Duplicate keys are kept as the parser does (the last one wins) and reported as warnings.
    """
    if not text.strip():
        raise ConfigError([Problem("error", "", f"the file is empty; {_MINIMAL_HINT}", filename)])
    try:
        data = _parse(text, filename)
    except RecursionError:
        raise ConfigError([Problem("error", "", "the document is nested too deeply", filename)]) from None
    if not isinstance(data, dict):
        kind = {list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(type(data), "a number")
        raise ConfigError([Problem("error", "", f"the top level must be an object ({{ ... }}), found {kind}",
                                   filename, 1, 1)])
    source_map = scan(text, join_surrogates=_is_plain_json(filename))
    warnings = tuple(
        Problem("warning", format_path(dup.path),
                f"duplicate key (first at line {dup.first[0]}, column {dup.first[1]}); the last one is used",
                filename, dup.again[0], dup.again[1])
        for dup in source_map.duplicates
    )
    return Document(filename, text, data, source_map, warnings)


def find_config_file(artifact_dir: Path) -> Path:
    """The configuration file of ``artifact_dir``; raises :class:`ConfigError` if not exactly one."""
    json5_path, json_path = artifact_dir / JSON5_NAME, artifact_dir / JSON_NAME
    has5, has = json5_path.is_file(), json_path.is_file()
    if has5 and has:
        raise ConfigError([Problem("error", "", f"both {JSON5_NAME} and {JSON_NAME} found in {artifact_dir}; "
                                   "remove one of them")])
    if not has5 and not has:
        if not artifact_dir.is_dir():
            raise ConfigError([Problem("error", "", f"{artifact_dir} is not a directory")])
        raise ConfigError([Problem("error", "", f"neither {JSON5_NAME} nor {JSON_NAME} found in {artifact_dir}; "
                                   + _MINIMAL_HINT)])
    return json5_path if has5 else json_path


def read_document(path: Path) -> Document:
    """Read and parse a configuration file; raises only :class:`ConfigError`."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem("error", "", f"not valid UTF-8 text (byte {exc.start})", path.name)]) from None
    except OSError as exc:
        raise ConfigError([Problem("error", "", f"cannot read the file: {exc.strerror or exc}", path.name)]) from None
    return load_document(text, path.name)
