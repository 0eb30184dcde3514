"""Which keyring verifies the mirror (--keyring, GENPACK_KEYRING, the Gentoo release key) and clear
errors for one that cannot be used; the CLI hands the worker an absolute path."""
from __future__ import annotations

import base64
from pathlib import Path

import pytest

from genpack_tui.parser import parse_args
from genpack_tui.engine.sources.errors import SourceError
from genpack_tui.engine.sources.keyring import load_keyring, resolve_keyring
from genpack_tui.options import build_request


@pytest.fixture
def binary_keyring(signing_keys) -> Path:
    return signing_keys.trusted.keyring


def test_the_argument_wins_over_the_environment_and_the_default(binary_keyring, tmp_path):
    other = tmp_path / "other.gpg"
    other.write_bytes(b"\x99" + b"\0" * 10)
    chosen = resolve_keyring(str(binary_keyring), environ={"GENPACK_KEYRING": str(other)}, default=other)
    assert chosen.path == binary_keyring and chosen.origin == "--keyring"
    assert chosen.keys == binary_keyring.read_bytes()
    from_env = resolve_keyring(None, environ={"GENPACK_KEYRING": str(binary_keyring)}, default=other)
    assert from_env.origin == "GENPACK_KEYRING" and from_env.path == binary_keyring
    default = resolve_keyring(None, environ={}, default=binary_keyring)
    assert default.origin == "the Gentoo release key"
    assert resolve_keyring(None, environ={}, default=tmp_path / "absent.asc") is None


def test_an_armoured_key_gives_the_same_keys_as_the_binary_keyring(binary_keyring, tmp_path):
    keys = binary_keyring.read_bytes()
    text = base64.b64encode(keys).decode()
    armoured = tmp_path / "key.asc"
    armoured.write_text("-----BEGIN PGP PUBLIC KEY BLOCK-----\nComment: x\n\n"
                        + "\n".join(text[i:i + 64] for i in range(0, len(text), 64))
                        + "\n=abcd\n-----END PGP PUBLIC KEY BLOCK-----\n")
    loaded = load_keyring(armoured, "--keyring")
    assert loaded.keys == keys and loaded.digest == load_keyring(binary_keyring, "--keyring").digest


@pytest.mark.parametrize("content, expected", [
    (None, "--keyring: the keyring {path} does not exist"),
    (b"", "--keyring: the keyring {path} is empty"),
    (b"just some text\n", "--keyring: {path} is neither an OpenPGP keyring nor an armoured public key block"),
    (b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!\n-----END PGP PUBLIC KEY BLOCK-----\n",
     "--keyring: {path}: a public key block is not valid base64"),
])
def test_a_keyring_that_cannot_be_used_is_a_clear_error(tmp_path, content, expected):
    path = tmp_path / "keys.asc"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError) as caught:
        resolve_keyring(str(path), environ={})
    assert str(caught.value).startswith(expected.format(path=path))


def test_a_directory_or_a_relative_environment_path_is_refused(tmp_path):
    with pytest.raises(SourceError, match=f"--keyring: {tmp_path} is a directory, expected an OpenPGP keyring"):
        resolve_keyring(str(tmp_path), environ={})
    with pytest.raises(SourceError, match="GENPACK_KEYRING: expected an absolute path to a keyring file, "
                                          "got 'keys.gpg'"):
        resolve_keyring(None, environ={"GENPACK_KEYRING": "keys.gpg"})


def test_the_cli_passes_the_keyring_as_an_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = parse_args(["--keyring", "keys/gentoo.asc", "lower"])
    assert build_request(tmp_path, args).keyring == str(tmp_path / "keys/gentoo.asc")
    assert build_request(tmp_path, parse_args(["build"])).keyring is None
    bash = parse_args(["--keyring", "k.gpg", "bash", "emerge", "--info"])
    assert bash.action == "bash" and bash.command == ["emerge", "--info"]
