"""Loading: file selection, parsers, syntax errors with position and excerpt, duplicate keys."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from genpack_tui.engine.config import ConfigError, load_document, resolve


def test_json5_syntax_error_names_line_column_and_shows_caret() -> None:
    text = '{\n  name: "x",\n  packages: ["a/b",, ],\n}\n'
    with pytest.raises(ConfigError) as info:
        load_document(text, "genpack.json5")
    [problem] = info.value.problems
    assert (problem.file, problem.line, problem.column) == ("genpack.json5", 3, 20)
    assert problem.excerpt == '      packages: ["a/b",, ],\n                       ^'
    assert str(problem).startswith("genpack.json5:3:20: error: syntax error: Unexpected \",\"")


def test_json_syntax_error_uses_stdlib_positions() -> None:
    text = '{"name": "x",\n "packages": [1,]}'
    with pytest.raises(ConfigError) as info:
        load_document(text, "genpack.json")
    [problem] = info.value.problems
    assert (problem.line, problem.column) == (2, 17)
    assert "^" in problem.excerpt


def test_plain_json_rejects_json5_syntax() -> None:
    with pytest.raises(ConfigError) as info:
        load_document("{name: 'x'}", "genpack.json")
    assert info.value.problems[0].line == 1


def test_caret_keeps_tabs_aligned() -> None:
    with pytest.raises(ConfigError) as info:
        load_document('{\n\tpackages: [@]\n}', "genpack.json5")
    assert info.value.problems[0].excerpt == "    \tpackages: [@]\n    \t           ^"


@pytest.mark.parametrize("text,kind", [("[1, 2]", "a list"), ('"x"', "a string"), ("3", "a number"),
                                       ("null", "null")])
def test_top_level_must_be_an_object(text: str, kind: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_document(text, "genpack.json5")
    assert f"the top level must be an object ({{ ... }}), found {kind}" in str(info.value)


def test_empty_file_is_an_error_with_a_hint() -> None:
    with pytest.raises(ConfigError, match="empty"):
        load_document("  \n", "genpack.json5")


def test_duplicate_keys_warn_with_both_positions_and_last_wins() -> None:
    doc = load_document('{\n  name: "a",\n  "name": "b",\n  use: {"a/b": "x", "a/b": "y"}\n}', "genpack.json5")
    assert doc.data["name"] == "b"
    messages = [(w.path, w.line, w.column, w.message) for w in doc.warnings]
    assert messages[0][:3] == ("name", 3, 3) and "first at line 2, column 3" in messages[0][3]
    assert messages[1][:3] == ('use["a/b"]', 4, 21)


def test_both_files_present_is_an_error(make_artifact) -> None:
    directory = make_artifact("{}")
    (directory / "genpack.json").write_text("{}")
    res = resolve(directory, arch="x86_64")
    assert not res.ok and res.merged is None
    assert "both genpack.json5 and genpack.json" in str(res.errors[0])


def test_neither_file_is_an_error_with_a_hint(tmp_path: Path) -> None:
    res = resolve(tmp_path, arch="x86_64")
    assert res.config_file is None and res.merged is None
    assert "neither genpack.json5 nor genpack.json" in res.errors[0].message
    assert "genpack/paravirt" in res.errors[0].message


def test_missing_directory_is_an_error(tmp_path: Path) -> None:
    res = resolve(tmp_path / "nope", arch="x86_64")
    assert "is not a directory" in res.errors[0].message


def test_genpack_json_is_parsed_with_stdlib_json(make_artifact) -> None:
    directory = make_artifact('{"packages": ["app-misc/screen"]}', filename="genpack.json")
    res = resolve(directory, arch="x86_64")
    assert res.ok and res.config_file.name == "genpack.json"
    assert res.merged["packages"] == ["app-misc/screen"]


def test_invalid_utf8_is_an_error(make_artifact) -> None:
    directory = make_artifact("{}")
    (directory / "genpack.json5").write_bytes(b'{name: "\xff"}')
    res = resolve(directory, arch="x86_64")
    assert "not valid UTF-8" in res.errors[0].message


def _resolve_as_nobody(directory: Path) -> str:
    """The first error message of resolve(directory), computed in a child that became user nobody
    (root reads any mode); the engine is imported before the fork, so the child only reads the file."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.setgid(65534)
            os.setuid(65534)
            message = resolve(directory, arch="x86_64").errors[0].message
            os.write(write_end, message.encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as f:
        out = f.read().decode()
    os.waitpid(pid, 0)
    return out


def test_unreadable_file_is_an_error() -> None:
    directory = Path(tempfile.mkdtemp(prefix="genpack-unreadable-"))
    try:
        directory.chmod(0o755)
        (directory / "genpack.json5").write_text("{}")
        (directory / "genpack.json5").chmod(0)
        if os.geteuid() == 0:
            message = _resolve_as_nobody(directory)
        else:
            message = resolve(directory, arch="x86_64").errors[0].message
        assert message == "cannot read the file: Permission denied"
    finally:
        shutil.rmtree(directory)


def test_deep_nesting_is_a_clean_error() -> None:
    with pytest.raises(ConfigError):
        load_document("{a:" + "[" * 100_000 + "]" * 100_000 + "}", "genpack.json5")
