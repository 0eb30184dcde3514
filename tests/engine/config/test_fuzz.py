"""Property-based fuzzing: bad input only ever produces ConfigError / problems, never a crash."""
from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import json5
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genpack_tui.engine.config import ARCHES, DEFAULT_VARIANT, ConfigError, load_document, merge_document, resolve
from genpack_tui.engine.config.schema import FIELDS, USER_HYPHENATED, USER_KEYS

KEYS = list(FIELDS) + list(USER_KEYS) + list(USER_HYPHENATED) + ["buildtime-packages", "binpkg-exclude",
                                                                  "x86_64", "aarch64", "x86_64|aarch64", "v"]
SAMPLE_STRINGS = ["a/b", "-a/b", "*/*", "genpack/paravirt", "x VIDEO_CARDS: y", "", "~amd64", "**", "#c/d",
                  "../x", "/abs", "a\nb", "x86_64", "v", "@set", "=a/b-1*", "gzip"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.sampled_from(SAMPLE_STRINGS), st.text(max_size=12))
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=8))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(keys, inner, max_size=5)), max_leaves=30)
documents = st.dictionaries(keys, values, max_size=8)
# documents shaped like real ones: known fields, variants and arch blocks with random contents
blocks = st.dictionaries(st.sampled_from(KEYS), values, max_size=6)
shaped = st.builds(
    lambda top, variants, arch: {**top, "variants": variants, "arch": arch},
    blocks,
    st.dictionaries(st.sampled_from(["v", "w", "31"]), st.one_of(blocks, values), max_size=3),
    st.dictionaries(st.sampled_from(["x86_64", "aarch64", "x86_64|aarch64", "bad"]), st.one_of(blocks, values),
                    max_size=3),
)
selections = st.one_of(st.just(DEFAULT_VARIANT), st.none(), st.sampled_from(["", "v", "w", "31", "zz"]))
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text(max_size=200), st.sampled_from(["genpack.json5", "genpack.json"]))
def test_random_text_raises_only_config_error(text: str, filename: str) -> None:
    try:
        doc = load_document(text, filename)
    except ConfigError as exc:
        assert exc.problems and all(p.severity == "error" for p in exc.problems)
        return
    assert isinstance(doc.data, dict)


@FUZZ
@given(documents, st.data())
def test_mutated_json5_text_raises_only_config_error(data: dict, draw) -> None:
    text = json5.dumps(data)
    cut = draw.draw(st.integers(0, len(text)))
    insert = draw.draw(st.sampled_from(["", ",", "}", "]", "'", '"', ":", "//", "/*", "\\", "\n", "{", "[", "x"]))
    text = text[:cut] + insert + text[cut + draw.draw(st.integers(0, 3)):]
    try:
        doc = load_document(text, "genpack.json5")
    except ConfigError:
        return
    merge_document(doc, variant=DEFAULT_VARIANT, arch="x86_64", artifact_name="d")


@FUZZ
@given(st.one_of(documents, shaped), selections, st.sampled_from(ARCHES + ("armv7l",)))
def test_random_structures_merge_without_crashing(data: dict, variant, arch: str) -> None:
    merged, provenance, problems = merge_document(data, variant=variant, arch=arch, artifact_name="d")
    json.dumps(provenance.to_json(), default=repr)
    if merged is not None:
        assert isinstance(merged["name"], str)
    # the same structure as JSON5 text, with positions, finds the same errors at the same paths
    text = json5.dumps(data)
    if re.search(r"\\u[dD][89a-fA-F]", text):
        return  # json5 reads an escaped surrogate pair back as two characters: not the same document
    again, _, problems2 = merge_document(load_document(text, "genpack.json5"), variant=variant, arch=arch,
                                         artifact_name="d")
    assert [(p.path, p.message) for p in problems2 if p.severity == "error"] == \
        [(p.path, p.message) for p in problems if p.severity == "error"]
    assert all(p.line is not None for p in problems2 if p.file and p.path != "name")


@FUZZ
@given(st.one_of(shaped.map(json5.dumps), st.text(max_size=100)), selections, st.sampled_from(ARCHES))
def test_resolve_never_raises(text: str, variant, arch: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "art"
        directory.mkdir()
        (directory / "genpack.json5").write_text(text, encoding="utf-8", errors="surrogatepass")
        res = resolve(directory, variant=variant, arch=arch)
        json.dumps(res.to_json())
        assert res.ok == (not res.errors and res.merged is not None)
        if res.derived is not None:
            assert res.derived.outfile.endswith(".squashfs")
