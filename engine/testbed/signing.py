"""The test bed's own OpenPGP key, standing in for Gentoo's release key: the mirror clear-signs the
stage3's DIGESTS and signs the Portage snapshot (``.gpgsig``) with it, and builds verify them with its
public keyring (``--keyring``).

A key is made once per cache directory (``make_signing_key``), kept as an exported secret key plus the
public keyring next to it. A ``Signer`` imports the secret key into a private, throwaway GnuPG home,
so concurrent test sessions never share gpg state, and stops that home's gpg-agent after every use.
gpg runs from argv lists, never a shell.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SIGNING_PROGRAMS = ("gpg", "gpgconf", "gpg-agent")
SECRET_KEY_FILE = "signing-key.asc"
KEYRING_FILE = "keyring.gpg"
DEFAULT_USER_ID = "genpack-tui test bed signing key (not a Gentoo key)"


class SigningError(RuntimeError):
    """gpg failed while making a key or signing."""


@dataclass(frozen=True)
class SigningKey:
    directory: Path

    @property
    def secret_key(self) -> Path:
        return self.directory / SECRET_KEY_FILE

    @property
    def keyring(self) -> Path:
        """The public keyring (binary, as ``gpg --export`` writes it) to pass as ``--keyring``."""
        return self.directory / KEYRING_FILE

    def exists(self) -> bool:
        return self.secret_key.is_file() and self.keyring.is_file()


def _gpg(home: Path, *args: str, stdin: bytes | None = None) -> bytes:
    argv = ["gpg", "--homedir", str(home), "--batch", "--quiet", "--no-tty", "--pinentry-mode", "loopback",
            "--passphrase", "", *args]
    try:
        proc = subprocess.run(argv, input=stdin if stdin is not None else b"", capture_output=True, timeout=120)
    except FileNotFoundError:
        raise SigningError("gpg is not installed (Debian packages gpg, gpg-agent)") from None
    if proc.returncode != 0:
        detail = proc.stderr.decode(errors="replace").strip()
        raise SigningError(f"gpg {' '.join(args[:2])} failed (exit {proc.returncode}): {detail}")
    return proc.stdout


def _stop_agent(home: Path) -> None:
    # no gpgconf: then gpg could not have started an agent either
    with contextlib.suppress(FileNotFoundError):
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], capture_output=True, timeout=60)


class _GnupgHome:
    """A private GnuPG home directory, removed (its agent stopped first) on the way out."""

    def __enter__(self) -> Path:
        self._tmp = tempfile.mkdtemp(prefix="genpack-testbed-gpg-")
        home = Path(self._tmp) / "home"
        home.mkdir(mode=0o700)
        self.home = home
        return home

    def __exit__(self, *_exc: object) -> None:
        try:
            _stop_agent(self.home)
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)


def make_signing_key(directory: Path, user_id: str = DEFAULT_USER_ID) -> SigningKey:
    """Make a new signing key in ``directory`` (written beside it, renamed into place when complete);
    an existing complete key there is kept."""
    key = SigningKey(directory)
    if key.exists():
        return key
    directory.parent.mkdir(parents=True, exist_ok=True)
    work = directory.with_name(f".tmp-{directory.name}-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        with _GnupgHome() as home:
            _gpg(home, "--quick-gen-key", user_id, "ed25519", "sign", "never")
            (work / SECRET_KEY_FILE).write_bytes(_gpg(home, "--armor", "--export-secret-keys"))
            (work / KEYRING_FILE).write_bytes(_gpg(home, "--export"))
        shutil.rmtree(directory, ignore_errors=True)
        work.rename(directory)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return key


class Signer:
    """Signs with one ``SigningKey``; each call uses a fresh private GnuPG home."""

    def __init__(self, key: SigningKey) -> None:
        if not key.exists():
            raise SigningError(f"no signing key in {key.directory}")
        self.key = key

    def _with_key(self, *args: str, stdin: bytes) -> bytes:
        with _GnupgHome() as home:
            _gpg(home, "--import", str(self.key.secret_key))
            return _gpg(home, *args, stdin=stdin)

    def clearsign(self, text: str) -> str:
        """``text`` as a PGP clear-signed message (dash-escaped by gpg where needed)."""
        return self._with_key("--digest-algo", "SHA512", "--clearsign", stdin=text.encode()).decode()

    def detached_signature(self, data: bytes | Path) -> bytes:
        """An armoured detached signature of ``data`` (bytes, or a file), as Gentoo's ``.gpgsig`` files are."""
        if isinstance(data, Path):
            return self._with_key("--armor", "--output", "-", "--detach-sign", str(data), stdin=b"")
        return self._with_key("--armor", "--detach-sign", stdin=data)
