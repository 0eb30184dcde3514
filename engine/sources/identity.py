"""Which sources an image was built from, recorded next to the image (docs/compatibility.md §8: per image).

A lower image gets ``<image>.sources.json``; comparing it with what the mirror offers now says what
changed, in words ("portage snapshot changed: ETag "a" → "b"").

Two records are the same source when their content (sha512) is the same: fetching the same files from
another mirror, or from a test-bed server on another port, changes nothing that needs rebuilding.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .atomic_file import read_text_or_none, write_text_atomic
from .errors import SourceError
from .header_info import HeaderInfo

FORMAT_VERSION = 1
LABELS = {"stage3": "stage3", "portage": "portage snapshot", "overlay": "genpack overlay"}


class IdentityError(SourceError, ValueError):
    """A stored identity file that cannot be read; the message names the file."""


@dataclass(frozen=True)
class SourceRecord:
    url: str = field(compare=False)
    info: str = field(compare=False)  # genpack's header identity string
    sha512: str
    verified: bool | None = field(default=None, compare=False)  # stage3: matched the mirror's DIGESTS

    def changes(self, newer: "SourceRecord") -> list[str]:
        """What differs, in words; empty when the content is the same (wherever it came from)."""
        if self == newer:
            return []
        details = []
        if self.url != newer.url:
            details.append(f"URL {self.url} → {newer.url}")
        if self.info != newer.info:
            old, new = HeaderInfo.parse(self.info), HeaderInfo.parse(newer.info)
            if old is not None and new is not None:
                details.extend(old.changes(new))
            else:
                details.append(f"headers {self.info!r} → {newer.info!r}")
        details.append(f"sha512 {self.sha512[:12]}… → {newer.sha512[:12]}…")
        return details


@dataclass(frozen=True)
class SourceIdentity:
    stage3: SourceRecord
    portage: SourceRecord
    overlay: SourceRecord

    def to_dict(self) -> dict[str, Any]:
        return {"version": FORMAT_VERSION, **{name: asdict(getattr(self, name)) for name in LABELS}}

    @classmethod
    def from_dict(cls, data: Any) -> "SourceIdentity":
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            raise ValueError(f"not a version-{FORMAT_VERSION} source identity")
        records = {}
        for name in LABELS:
            entry = data.get(name)
            if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("url", "info", "sha512")):
                raise ValueError(f"'{name}' needs string 'url', 'info' and 'sha512'")
            verified = entry.get("verified")
            records[name] = SourceRecord(
                url=entry["url"], info=entry["info"], sha512=entry["sha512"],
                verified=verified if isinstance(verified, bool) else None,
            )
        return cls(**records)

    def changes(self, newer: "SourceIdentity") -> list[str]:
        """One sentence per source that differs in ``newer``; empty when the sources are the same."""
        out = []
        for name, label in LABELS.items():
            details = getattr(self, name).changes(getattr(newer, name))
            if details:
                out.append(f"{label} changed: " + ", ".join(details))
        return out

    def digest(self) -> str:
        """A stable hash of the sources' content (for phase fingerprints); URLs and headers do not count."""
        canonical = {name: getattr(self, name).sha512 for name in LABELS}
        return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def identity_path(image: Path) -> Path:
    return image.with_name(image.name + ".sources.json")


def save_identity(image: Path, identity: SourceIdentity) -> Path:
    path = identity_path(image)
    write_text_atomic(path, json.dumps(identity.to_dict(), indent=2, sort_keys=True) + "\n")
    return path


def load_identity(image: Path) -> SourceIdentity | None:
    """The identity recorded for ``image``; None when none was recorded."""
    path = identity_path(image)
    text = read_text_or_none(path)
    if text is None:
        return None
    try:
        return SourceIdentity.from_dict(json.loads(text))
    except (ValueError, TypeError) as exc:
        raise IdentityError(f"{path}: unreadable source record ({exc})") from None
