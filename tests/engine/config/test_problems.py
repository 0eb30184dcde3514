"""Config path notation and problem rendering."""
from __future__ import annotations

import pytest

from genpack_tui.engine.config import ConfigError, Problem, format_path


@pytest.mark.parametrize("parts,expected", [
    (("variants", "cuda", "arch", "x86_64", "use", "sci-libs/pytorch"),
     'variants.cuda.arch.x86_64.use["sci-libs/pytorch"]'),
    (("users", 2, "uid"), "users[2].uid"),
    (("packages", 3), "packages[3]"),
    (("arch", "x86_64|aarch64"), "arch.x86_64|aarch64"),
    (("lower-layer-capacity",), "lower-layer-capacity"),
    (("variants", "31"), "variants.31"),
    (("use", "*/*"), 'use["*/*"]'),
    (("a b\n",), '["a b\\n"]'),
    ((), ""),
])
def test_format_path(parts, expected: str) -> None:
    assert format_path(parts) == expected


def test_problem_string_forms() -> None:
    full = Problem("error", 'variants.cuda.use["x"]', "expected a string or list of USE flags", "genpack.json5", 12, 5)
    assert str(full) == 'genpack.json5:12:5: error: variants.cuda.use["x"]: expected a string or list of USE flags'
    assert str(Problem("warning", "name", "m", "genpack.json5")) == "genpack.json5: warning: name: m"
    assert str(Problem("error", "", "m")) == "error: m"
    err = ConfigError([full, Problem("error", "", "second")])
    assert str(err).splitlines() == [str(full), "error: second"]
    assert full.to_json()["line"] == 12


def test_unknown_variant_keeps_the_requested_name(make_artifact) -> None:
    from genpack_tui.engine.config import resolve
    res = resolve(make_artifact("{variants: {a: {}}}"), variant="b", arch="x86_64")
    assert res.variant == "b" and res.merged is None and not res.ok
    with pytest.raises(ConfigError, match="variant 'b' is not available; available variants: 'a'"):
        res.raise_for_errors()
