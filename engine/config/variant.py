"""The variant selector's sentinel for "the document's default_variant"."""
from __future__ import annotations

from typing import Any


class _DefaultVariant:
    """Sentinel: select the document's ``default_variant`` (or no variant when there is none)."""

    _instance: "_DefaultVariant | None" = None

    def __new__(cls) -> "_DefaultVariant":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "DEFAULT_VARIANT"

    def __reduce__(self) -> str:
        return "DEFAULT_VARIANT"


DEFAULT_VARIANT: Any = _DefaultVariant()
