"""The repository is self-contained: what the code cites is in docs/, and docs/events.md is the format.

- no tracked file refers to the specification documents that live outside the repository, or to a
  path outside it (``tests/fixtures/config.py`` alone may name where the project's machines keep the
  optional corpus of real artifacts, which its fixture skips without);
- every ``docs/X.md §N`` citation names a document of docs/ and a section heading it has;
- docs/events.md documents every event kind and exactly its fields.
"""
from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

from genpack_tui.engine import events

ROOT = Path(__file__).resolve().parents[1]
CORPUS_LOCATOR = "tests/fixtures/config.py"
THIS_FILE = "tests/test_docs.py"

# (pattern, what it is); the names are split so that this file does not match itself
OUTSIDE = [
    (re.compile(r"\.\./" + "shared"), "a path beside the repository"),
    (re.compile("/work/" + "shared"), "a path outside the repository"),
    (re.compile(r"\b" + "decisions" + r"(\.md\b|\s*§)"), "the decisions document outside the repository"),
    (re.compile("genpack-" + r"behaviour(\.md\b|\s*§)|behaviour spec"), "the behaviour document outside the repository"),
    (re.compile("test-bed-" + "notes"), "the test-bed notes outside the repository"),
]
NUMBER = r"\d+(?:\.\d+)*"
CITATION = re.compile(rf"docs/([\w.-]+\.md) ((?:§{NUMBER}(?:-§?{NUMBER})?(?:, )?)+)")
SECTION = re.compile(rf"§({NUMBER})")
HEADING = re.compile(rf"^#+ §({NUMBER})\b", re.M)


def tracked_text_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    paths = []
    for name in names.decode().split("\0"):
        path = ROOT / name
        if name and path.is_file() and not path.is_symlink():
            try:
                path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # pictures and binary test data
            paths.append(path)
    assert len(paths) > 100  # the walk really found the repository
    return paths


def outside_references(path: Path, text: str) -> list[str]:
    relative = path.relative_to(ROOT).as_posix()
    if relative == THIS_FILE:
        return []
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for pattern, what in OUTSIDE:
            if pattern.search(line) and not (relative == CORPUS_LOCATOR and pattern.pattern.startswith("/work/")):
                found.append(f"{relative}:{number}: {what}: {line.strip()}")
    return found


def sections(doc: str) -> set[str]:
    return set(HEADING.findall((ROOT / "docs" / doc).read_text(encoding="utf-8")))


def bad_citations(path: Path, text: str) -> list[str]:
    relative = path.relative_to(ROOT).as_posix()
    if relative == THIS_FILE:
        return []  # its planted examples
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for match in CITATION.finditer(line):
            doc = match.group(1)
            if not (ROOT / "docs" / doc).is_file():
                found.append(f"{relative}:{number}: docs/{doc} does not exist")
                continue
            for section in SECTION.findall(match.group(2)):
                if section not in sections(doc):
                    found.append(f"{relative}:{number}: docs/{doc} has no section §{section}")
    return found


def test_no_file_refers_outside_the_repository() -> None:
    found = [ref for path in tracked_text_files() for ref in outside_references(path, path.read_text(encoding="utf-8"))]
    assert found == []


def test_every_docs_citation_names_an_existing_section() -> None:
    paths = tracked_text_files()
    cited = [path for path in paths if CITATION.search(path.read_text(encoding="utf-8"))]
    assert len(cited) > 20  # the code does cite the docs
    found = [bad for path in paths for bad in bad_citations(path, path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_checks_catch_what_they_look_for(tmp_path: Path) -> None:
    planted = ROOT / "engine" / "planted.py"  # only a name under ROOT; nothing is written there
    text = ('"""Rules (' + "decisions" + '.md §3), see ../' + "shared" + '/spec and '
            '' + "genpack-" + 'behaviour §4."""\n'
            "# docs/compatibility.md §99 and docs/nowhere.md §1; docs/genpack.md §5.4, §42.\n")
    outside = outside_references(planted, text)
    assert [ref.split(": ")[1] for ref in outside] == [
        "a path beside the repository", "the decisions document outside the repository",
        "the behaviour document outside the repository"]
    assert bad_citations(planted, text) == [
        "engine/planted.py:2: docs/compatibility.md has no section §99",
        "engine/planted.py:2: docs/nowhere.md does not exist",
        "engine/planted.py:2: docs/genpack.md has no section §42",
    ]
    assert bad_citations(planted, "docs/genpack.md §5.4, docs/compatibility.md §1-§2\n") == []


def documented_events() -> dict[str, set[str]]:
    """``kind`` → the fields docs/events.md lists in the tables under its ``### `kind` `` heading."""
    text = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    kinds: dict[str, set[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        if m := re.match(r"^### `(\w+)`", line):
            current = m.group(1)
            kinds[current] = set()
        elif line.startswith("## "):
            current = None
        elif current and (m := re.match(r"^\| ((?:`\w+`(?:, )?)+) \|", line)):
            kinds[current] |= set(re.findall(r"`(\w+)`", m.group(1)))
    return kinds


def test_events_md_documents_every_kind_and_exactly_its_fields() -> None:
    classes = {cls.kind: cls for cls in events._REGISTRY.values() if cls is not events.Event}
    expected = {kind: {f.name for f in dataclasses.fields(cls)} - {"ts"} for kind, cls in classes.items()}
    assert documented_events() == expected
