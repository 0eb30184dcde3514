"""Which OpenPGP keyring the mirror's signatures are checked with, and its keys as gpgv reads them.

``--keyring FILE`` wins over the environment variable ``GENPACK_KEYRING``, which wins over the
Gentoo release key where a Gentoo host keeps it; with none of them the sources are not verified
(every build says so). A keyring that was asked for but cannot be used is an error, never a
silent fall-back to "unverified".
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from .errors import SourceError

KEYRING_ENV = "GENPACK_KEYRING"
GENTOO_RELEASE_KEY = Path("/usr/share/openpgp-keys/gentoo-release.asc")
_ARMOUR = re.compile(
    r"-----BEGIN PGP PUBLIC KEY BLOCK-----\r?\n(?P<body>.*?)-----END PGP PUBLIC KEY BLOCK-----", re.DOTALL
)
_MAX_KEYRING_SIZE = 16 * 1024 * 1024


@dataclass(frozen=True)
class Keyring:
    path: Path
    origin: str  # "--keyring", "GENPACK_KEYRING" or "the Gentoo release key"
    keys: bytes  # the binary (unarmoured) OpenPGP keys, as gpgv's --keyring wants them

    @property
    def digest(self) -> str:
        """Identifies the keys (not the file name): a verification made with other keys is redone."""
        return hashlib.sha256(self.keys).hexdigest()

    def describe(self) -> str:
        return f"the keyring {self.path} ({self.origin})"


def _unarmour_keys(text: str, path: Path, origin: str) -> bytes:
    blocks = list(_ARMOUR.finditer(text))
    if not blocks:
        raise SourceError(f"{origin}: {path} is neither an OpenPGP keyring nor an armoured public key block "
                          "('-----BEGIN PGP PUBLIC KEY BLOCK-----')")
    keys = bytearray()
    for block in blocks:
        lines = block.group("body").splitlines()
        try:
            start = lines.index("") + 1  # armour headers ("Comment: ...") end at a blank line
        except ValueError:
            start = 0
        data = "".join(line.strip() for line in lines[start:] if not line.startswith("="))  # "=XXXX": CRC
        try:
            keys += base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise SourceError(f"{origin}: {path}: a public key block is not valid base64") from None
    return bytes(keys)


def load_keyring(path: Path, origin: str) -> Keyring:
    try:
        with open(path, "rb") as f:
            raw = f.read(_MAX_KEYRING_SIZE + 1)
    except FileNotFoundError:
        raise SourceError(f"{origin}: the keyring {path} does not exist") from None
    except IsADirectoryError:
        raise SourceError(f"{origin}: {path} is a directory, expected an OpenPGP keyring file") from None
    except OSError as exc:
        raise SourceError(f"{origin}: cannot read the keyring {path}: {exc.strerror or exc}") from None
    if len(raw) > _MAX_KEYRING_SIZE:
        raise SourceError(f"{origin}: {path} is larger than {_MAX_KEYRING_SIZE} bytes; not a keyring")
    if not raw.strip():
        raise SourceError(f"{origin}: the keyring {path} is empty")
    if raw.lstrip().startswith(b"-----BEGIN PGP"):
        keys = _unarmour_keys(raw.decode("ascii", errors="replace"), path, origin)
    elif raw[0] & 0x80:  # an OpenPGP packet tag (a binary keyring, as gpg --export writes)
        keys = raw
    else:
        raise SourceError(f"{origin}: {path} is neither an OpenPGP keyring nor an armoured public key block "
                          "('-----BEGIN PGP PUBLIC KEY BLOCK-----')")
    return Keyring(path=path, origin=origin, keys=keys)


def resolve_keyring(
    argument: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    default: Path | None = None,
) -> Keyring | None:
    """The keyring to verify with; None when none was given and ``default`` (the Gentoo release key's
    place) does not exist."""
    env = os.environ if environ is None else environ
    default = default or GENTOO_RELEASE_KEY
    if argument:
        return load_keyring(Path(argument), "--keyring")
    value = env.get(KEYRING_ENV)
    if value:
        path = Path(value)
        if not path.is_absolute():
            raise SourceError(f"{KEYRING_ENV}: expected an absolute path to a keyring file, got {value!r}")
        return load_keyring(path, KEYRING_ENV)
    if default.exists():
        return load_keyring(default, "the Gentoo release key")
    return None


def no_keyring_hint() -> str:
    return f"give --keyring FILE or set {KEYRING_ENV}; Gentoo hosts keep the release key in {GENTOO_RELEASE_KEY}"
