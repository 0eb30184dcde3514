"""genpack's header identity of a remote file: ``Last-Modified:{LM} ETag:{ETag} Content-Length:{CL}``.

genpack stores this string in ``<file>.headers`` and re-downloads when it differs; we keep the exact
format so a work directory made by genpack is understood, and parse it back to send conditional requests
and to say which header changed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

_PATTERN = re.compile(r"^Last-Modified:(?P<lm>.*) ETag:(?P<etag>.*) Content-Length:(?P<cl>.*)$", re.DOTALL)


@dataclass(frozen=True)
class HeaderInfo:
    last_modified: str = ""
    etag: str = ""
    content_length: str = ""

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> "HeaderInfo":
        return cls(
            last_modified=headers.get("Last-Modified", "") or "",
            etag=headers.get("ETag", "") or "",
            content_length=headers.get("Content-Length", "") or "",
        )

    @classmethod
    def parse(cls, text: str | None) -> "HeaderInfo | None":
        """The fields of a stored identity string, or None when it is absent or not in genpack's format."""
        if text is None:
            return None
        match = _PATTERN.match(text.strip())
        if match is None:
            return None
        return cls(match["lm"], match["etag"], match["cl"])

    def format(self) -> str:
        return f"Last-Modified:{self.last_modified} ETag:{self.etag} Content-Length:{self.content_length}"

    @property
    def size(self) -> int | None:
        return int(self.content_length) if self.content_length.isdigit() else None

    @property
    def has_validator(self) -> bool:
        return bool(self.etag or self.last_modified)

    def changes(self, new: "HeaderInfo") -> list[str]:
        """``["ETag a → b", ...]`` for every field that differs from ``new``."""
        out = []
        for label, old_value, new_value in (
            ("ETag", self.etag, new.etag),
            ("Last-Modified", self.last_modified, new.last_modified),
            ("Content-Length", self.content_length, new.content_length),
        ):
            if old_value != new_value:
                out.append(f"{label} {old_value or '(none)'} → {new_value or '(none)'}")
        return out
