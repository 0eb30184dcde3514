"""The genpack.json5 reference the project was seeded with: its examples validate with no error."""
from __future__ import annotations

import re
from pathlib import Path

from genpack_tui.engine.config import ARCHES, Problem, load_document, merge_document
from tests.fixtures.config import seed_reference  # noqa: F401

_BLOCK_START = re.compile(r"^\{\s*$")


def json5_blocks(text: str) -> dict[str, str]:
    """Every example in the reference: a line that is only '{' up to the next line that is only '}',
    named by the heading above it."""
    blocks: dict[str, str] = {}
    lines = text.splitlines()
    heading = "start"
    i = 0
    while i < len(lines):
        if _BLOCK_START.match(lines[i]):
            end = next(j for j in range(i, len(lines)) if lines[j].rstrip() == "}")
            name = heading if heading not in blocks else f"{heading} ({i + 1})"
            blocks[name] = "\n".join(lines[i:end + 1])
            i = end + 1
            continue
        if lines[i].strip():
            heading = lines[i].strip()
        i += 1
    return blocks


def problems(text: str, variant: str | None, arch: str) -> list[Problem]:
    _, _, found = merge_document(load_document(text, "genpack.json5"), variant=variant, arch=arch,
                                 artifact_name="demo")
    return found


def test_the_complete_configuration_example_validates_with_no_error(seed_reference: Path) -> None:
    blocks = json5_blocks(seed_reference.read_text(encoding="utf-8"))
    example = blocks.get("Complete Configuration Example")
    assert example is not None, f"no 'Complete Configuration Example' block in {seed_reference}: {list(blocks)}"
    assert "variants" in example and "setup_commands" in example  # the whole example, not a fragment
    for variant in (None, "selftestable"):
        for arch in ARCHES:
            found = problems(example, variant, arch)
            assert found == [], (variant, arch, [str(p) for p in found])


def test_every_example_of_the_reference_validates_with_no_error(seed_reference: Path) -> None:
    blocks = json5_blocks(seed_reference.read_text(encoding="utf-8"))
    assert len(blocks) > 10, list(blocks)
    failing = {}
    for name, text in blocks.items():
        if "[email" in text:
            continue  # a web page's e-mail obfuscation replaced 'getty@tty1.service' with '[email protected]'
        errors = [str(p) for arch in ARCHES for p in problems(text, None, arch) if p.is_error]
        if errors:
            failing[name] = errors
    assert failing == {}


def test_the_block_finder_finds_nested_examples() -> None:
    text = "Users\n\n{\n  users: [\n    {\n      name: 'a'\n    }\n  ]\n}\n\nNext\n{\n  packages: []\n}\n"
    assert json5_blocks(text) == {"Users": "{\n  users: [\n    {\n      name: 'a'\n    }\n  ]\n}",
                                  "Next": "{\n  packages: []\n}"}
