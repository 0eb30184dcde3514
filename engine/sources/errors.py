"""The one error type of the sources package: what failed, where, and why, in words for the user."""
from __future__ import annotations


class SourceError(Exception):
    """A download or source check failed.

    ``url`` is what was being fetched (or the value that is not a valid URL), ``status`` the HTTP status
    when the server answered with an error, ``reason`` a short human explanation. ``str()`` of the error
    is a complete one-line message suitable for showing without a traceback.
    """

    def __init__(self, reason: str, *, url: str | None = None, status: int | None = None) -> None:
        self.reason = reason
        self.url = url
        self.status = status
        super().__init__(self._message())

    def _message(self) -> str:
        parts = []
        if self.url:
            parts.append(self.url)
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        prefix = ": ".join(parts)
        return f"{prefix}: {self.reason}" if prefix else self.reason


class DigestMismatch(SourceError):
    """A file differs from the digest published for it: the file is bad (not the signature or the keyring)."""
