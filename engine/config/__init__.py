"""The genpack.json5 configuration engine: load, validate, merge with provenance, derive.

Typical use::

    res = resolve(Path("."), variant=DEFAULT_VARIANT, arch="x86_64")
    res.raise_for_errors()
    res.derived.portage_files, res.derived.phase_inputs["lower"], res.provenance.field("use")

The names below are loaded from their submodules on first use, so that importing one light part
(e.g. ``engine.config.arches`` for the CLI) does not load the whole engine.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_SUBMODULE = {
    "ARCHES": "arches", "PORTAGE_ARCH": "arches",
    "Derived": "derive",
    "Document": "document", "find_config_file": "document", "load_document": "document", "read_document": "document",
    "merge_document": "merge",
    "DEFAULT_VARIANT": "variant",
    "ConfigError": "problems", "Problem": "problems", "format_path": "problems",
    "Entry": "provenance", "FieldProvenance": "provenance", "Ignored": "provenance", "Origin": "provenance",
    "Override": "provenance", "Provenance": "provenance", "Removal": "provenance",
    "Resolution": "resolution", "resolve": "resolution",
    "UseSpec": "values", "parse_use": "values",
}

__all__ = sorted(_SUBMODULE)


def __getattr__(name: str) -> Any:
    submodule = _SUBMODULE.get(name)
    if submodule is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{submodule}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # the explicit re-exports a type checker reads (the lazy __getattr__ serves them at run time)
    from .arches import ARCHES as ARCHES, PORTAGE_ARCH as PORTAGE_ARCH
    from .derive import Derived as Derived
    from .document import Document as Document, find_config_file as find_config_file
    from .document import load_document as load_document, read_document as read_document
    from .merge import merge_document as merge_document
    from .problems import ConfigError as ConfigError, Problem as Problem, format_path as format_path
    from .provenance import Entry as Entry, FieldProvenance as FieldProvenance, Ignored as Ignored, Origin as Origin
    from .provenance import Override as Override, Provenance as Provenance, Removal as Removal
    from .resolution import Resolution as Resolution, resolve as resolve
    from .values import UseSpec as UseSpec, parse_use as parse_use
    from .variant import DEFAULT_VARIANT as DEFAULT_VARIANT
