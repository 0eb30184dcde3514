"""Values that used to pass validation and fail late, or got a misleading message: numbers, names,
outfiles, capacities."""
from __future__ import annotations

from pathlib import Path

import pytest

from genpack_tui.engine.config import resolve
from genpack_tui.engine.config.values import MAX_NAME_BYTES


def problems(directory: Path, variant=None) -> list[str]:
    return [str(p) for p in resolve(directory, variant=variant, arch="x86_64").problems]


def errors(directory: Path, variant=None) -> list[str]:
    return [str(p) for p in resolve(directory, variant=variant, arch="x86_64").errors]


# -- numbers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("literal,found", [
    ("1000.0", "a decimal number (1000.0)"),
    ("1e400", "infinity"),
    ("-Infinity", "minus infinity"),
    ("Infinity", "infinity"),
    ("NaN", "not-a-number (NaN)"),
])
def test_numbers_say_what_was_found(make_artifact, literal: str, found: str) -> None:
    directory = make_artifact("{\n  'lower-layer-capacity': %s,\n  name: %s,\n}" % (literal, literal))
    assert errors(directory) == [
        f"genpack.json5:2:27: error: lower-layer-capacity: expected a whole number of GiB, found {found}",
        f"genpack.json5:3:9: error: name: expected a string, found {found}",
    ]


def test_a_5000_digit_integer_has_a_positioned_message(make_artifact) -> None:
    directory = make_artifact("{\n  'lower-layer-capacity': 1" + "0" * 5000 + ",\n}")
    [problem] = resolve(directory, arch="x86_64").errors
    assert (problem.line, problem.column) == (2, 27)
    assert problem.message == "syntax error: a number with 5001 digits is too long (at most 4300 digits)"
    assert len(str(problem)) < 400


def test_a_5000_digit_integer_in_plain_json_too(make_artifact) -> None:
    directory = make_artifact('{"lower-layer-capacity":\n 1' + "0" * 5000 + "}", filename="genpack.json")
    [problem] = resolve(directory, arch="x86_64").errors
    assert (problem.line, problem.column) == (2, 2) and "5001 digits" in problem.message


def test_a_huge_hexadecimal_capacity_is_refused_without_printing_it(make_artifact) -> None:
    directory = make_artifact("{'lower-layer-capacity': 0x" + "f" * 5000 + "}")
    [message] = errors(directory)
    assert "must be at most 16384 (GiB)" in message and "a number of about 6020 digits" in message


def test_plain_json_refuses_nan(make_artifact) -> None:
    directory = make_artifact('{"name": "x",\n "lower-layer-capacity": NaN}', filename="genpack.json")
    [problem] = resolve(directory, arch="x86_64").errors
    assert (problem.line, problem.column) == (2, 26)
    assert problem.message.startswith("syntax error: NaN is not JSON (genpack.json is read as plain JSON")


def test_compression_null_is_shown_as_null(make_artifact) -> None:
    [message] = errors(make_artifact("{compression: null}"))
    assert message.endswith("compression: expected one of gzip, xz, lzo, none, found null")


@pytest.mark.parametrize("gib,ok", [(16384, True), (16385, False), (10 ** 20 * 1024 ** 3, False)])
def test_capacity_above_what_ext4_holds_is_refused(make_artifact, gib: int, ok: bool) -> None:
    found = errors(make_artifact("{'lower-layer-capacity': %d}" % gib))
    if ok:
        assert found == []
    else:
        assert len(found) == 1 and "must be at most 16384 (GiB)" in found[0] and "16 TiB" in found[0]


# -- name ------------------------------------------------------------------------------------------

def test_an_invalid_name_is_not_followed_by_name_not_set(make_artifact) -> None:
    found = problems(make_artifact("{name: 'a/b', packages: []}"))
    assert found == ["genpack.json5:1:8: error: name: name 'a/b' must not contain '/' or be '.' or '..'"]
    assert not any("not set" in p for p in found)


def test_a_directory_name_with_a_newline_is_refused(make_artifact) -> None:
    directory = make_artifact("{packages: []}", name="evil\nname")
    [message] = errors(directory)
    assert "'name' is not set and the directory name contains a control character (U+000A)" in message
    assert "\n" not in message


@pytest.mark.parametrize("doc", ["{name: '%s'}", "{variants: {'%s': {}}}"])
def test_names_have_a_byte_limit(make_artifact, doc: str) -> None:
    [message] = errors(make_artifact(doc % ("n" * 5000)))
    assert f"is 5000 bytes long; at most {MAX_NAME_BYTES} bytes" in message
    assert "n" * 200 not in message
    assert errors(make_artifact(doc % ("é" * (MAX_NAME_BYTES // 2)))) == []


def test_a_long_directory_name_asks_for_a_name(tmp_path: Path) -> None:
    directory = tmp_path / ("d" * 200)
    directory.mkdir()
    (directory / "genpack.json5").write_text("{}")
    [message] = errors(directory)
    assert "'name' is not set and the directory name is 200 bytes long" in message and message.endswith("set 'name'")


# -- outfile ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("outfile,why", [
    ("work/x86_64/lower", "points into work/: work/ holds the build's images and markers"),
    ("sub/../work/x86_64/lower", "points into work/"),
    ("files/out", "points into files/: files/ is an input directory of the artifact"),
    ("overlay/x.squashfs", "points into overlay/"),
    ("../out", "must be a file name inside the artifact directory"),
    ("a/../../out", "must be a file name inside the artifact directory"),
    ("o" * 300, "has a file name of 300 bytes; at most 242 bytes are allowed"),
    ("o" * 250 + ".squashfs", "has a file name of 259 bytes; at most 251 bytes"),
    ("d" * 256 + "/x", "has a directory name of 256 bytes"),
    ("d/" * 600 + "x", "at most 1024 bytes"),
])
def test_outfile_rules_at_config_time(make_artifact, outfile: str, why: str) -> None:
    found = errors(make_artifact("{outfile: '%s'}" % outfile))
    assert len(found) == 1 and why in found[0], found


def test_outfile_through_a_link_into_work_is_refused(make_artifact) -> None:
    directory = make_artifact("{outfile: 'out/lower'}")
    (directory / "work" / "x86_64").mkdir(parents=True)
    (directory / "out").symlink_to("work/x86_64")
    [message] = errors(directory)
    assert "resolves to work/x86_64/lower.squashfs, inside work/" in message


def test_outfile_in_a_missing_directory_is_named(make_artifact) -> None:
    directory = make_artifact("{outfile: 'dist/img'}")
    [message] = errors(directory)
    assert "the directory dist/ does not exist in the artifact directory; create it first" in message
    (directory / "dist").write_text("a file, not a directory")
    assert "the directory dist/ is not a directory" in errors(directory)[0]
    (directory / "dist").unlink()
    (directory / "dist").mkdir()
    assert errors(directory) == []
    assert resolve(directory, arch="x86_64").derived.outfile == "dist/img.squashfs"


def test_outfile_onto_an_existing_directory_is_refused(make_artifact) -> None:
    directory = make_artifact("{outfile: 'out.squashfs'}")
    (directory / "out.img").mkdir()
    assert "out.img is a directory" in errors(directory)[0]


def test_outfile_onto_another_variants_output_is_refused(make_artifact) -> None:
    doc = "{name: 'x', variants: {a: {outfile: 'x-b-x86_64.squashfs'}, b: {}}}"
    directory = make_artifact(doc)
    for variant, other in (("a", "variant 'b' (default)"), ("b", "variant 'a' (variants.a.outfile)")):
        [message] = errors(directory, variant)
        assert f"outfile 'x-b-x86_64.squashfs' is also the output of {other}" in message
    shared = make_artifact("{name: 'x', outfile: 'same', variants: {a: {}, b: {}}}")
    assert errors(shared, "a") == [] and errors(shared, "b") == []


def test_a_huge_bad_atom_is_printed_shortened(make_artifact) -> None:
    res = resolve(make_artifact("{packages: ['%s']}" % ("q" * 100_000)), arch="x86_64")
    [problem] = res.errors
    assert len(problem.message) > 100_000  # kept whole for --json
    assert len(str(problem)) < 700 and str(problem).endswith("…")
