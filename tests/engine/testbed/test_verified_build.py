"""End to end: the real CLI builds against the test bed with its keyring, and verifies what it uses;
a keyring that does not hold the mirror's key stops the build before anything is extracted."""
from __future__ import annotations

import json

import pytest

from tests.fixtures.build import copy_example

pytestmark = [pytest.mark.root, pytest.mark.slow]


def _warnings(run) -> list[str]:
    return [e["message"] for e in run.kinds("warning")]


def test_suite_builds_verify_the_test_bed_signatures(built_example):
    artifact, run = built_example
    assert not [w for w in _warnings(run) if "not verified" in w]
    for source in ("x86_64/stage3.tar.xz", "portage.tar.xz"):
        record = json.loads((artifact / "work" / f"{source}.content.json").read_text())
        assert record["verified"] is True and record["signed_by"], source


def test_a_foreign_keyring_stops_the_build_before_anything_is_extracted(builder, signing_keys, tmp_path):
    artifact = copy_example(tmp_path)
    argv = builder.argv(artifact, "lower")
    assert any(a.startswith("--keyring=") for a in argv)
    run = builder.run_argv(artifact, [a for a in argv if not a.startswith("--keyring=")]
                           + [f"--keyring={signing_keys.other.keyring}"])
    assert run.returncode != 0
    errors = [e["message"] for e in run.kinds("error")]
    assert len(errors) == 1 and ".DIGESTS: the DIGESTS of stage3-amd64-systemd-" in errors[0]
    assert f"which is not in the keyring {signing_keys.other.keyring} (--keyring)" in errors[0]
    assert "Traceback" not in run.stderr
    work = artifact / "work"
    assert not (work / "x86_64" / "lower.img").exists()
    assert not (work / "x86_64" / "stage3.tar.xz").exists() and not (work / "portage.tar.xz").exists()


def test_a_keyring_that_does_not_exist_is_a_clear_error(builder, tmp_path):
    artifact = copy_example(tmp_path)
    missing = tmp_path / "no-such-keyring.gpg"
    argv = [a for a in builder.argv(artifact, "lower") if not a.startswith("--keyring=")]
    run = builder.run_argv(artifact, argv + ["--keyring", str(missing)])
    assert run.returncode != 0
    assert [e["message"] for e in run.kinds("error")] == [f"--keyring: the keyring {missing} does not exist"]
    assert "Traceback" not in run.stderr
    assert not (artifact / "work" / "x86_64" / "stage3.tar.xz").exists()
