"""``<file>.content.json`` beside each download: its URL, header identity and sha512.

Lets a cached file keep its content hash (and the stage3 and snapshot their digest and signature
verdicts) without hashing it again on every run, and lets ``offline`` mode say what the files are
without asking the mirror.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .atomic_file import read_text_or_none, write_text_atomic


@dataclass(frozen=True)
class ContentRecord:
    url: str
    info: str
    sha512: str
    verified: bool | None = None  # stage3 and snapshot: matched the digests the mirror publishes
    digests_url: str | None = None
    signed_by: str | None = None  # fingerprint of the key whose good signature covers those digests
    keyring: str | None = None  # Keyring.digest of the keys that checked it


def content_record_path(path: Path) -> Path:
    return path.with_name(path.name + ".content.json")


def read_content_record(path: Path) -> ContentRecord | None:
    """The record beside ``path``; None when absent or unreadable (it is a cache, rebuilt on demand)."""
    try:
        data = json.loads(read_text_or_none(content_record_path(path)) or "null")
        record = ContentRecord(**data)
    except (ValueError, TypeError):
        return None
    if not (isinstance(record.url, str) and isinstance(record.info, str) and isinstance(record.sha512, str)):
        return None
    return record


def write_content_record(path: Path, record: ContentRecord) -> None:
    write_text_atomic(content_record_path(path), json.dumps(asdict(record), indent=2) + "\n")
