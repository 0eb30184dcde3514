"""The genpack.json5 configuration engine: load, validate, merge with provenance, derive.

Typical use::

    res = resolve(Path("."), variant=DEFAULT_VARIANT, arch="x86_64")
    res.raise_for_errors()
    res.derived.portage_files, res.derived.phase_inputs["lower"], res.provenance.field("use")
"""
from .arches import ARCHES, PORTAGE_ARCH
from .derive import Derived
from .document import Document, find_config_file, load_document, read_document
from .merge import DEFAULT_VARIANT, merge_document
from .problems import ConfigError, Problem, format_path
from .provenance import Entry, FieldProvenance, Ignored, Origin, Override, Provenance, Removal
from .resolve import Resolution, resolve
from .values import UseSpec, parse_use

__all__ = [
    "ARCHES", "PORTAGE_ARCH", "DEFAULT_VARIANT", "ConfigError", "Derived", "Document", "Entry", "FieldProvenance",
    "Ignored", "Origin", "Override", "Problem", "Provenance", "Removal", "Resolution", "UseSpec",
    "find_config_file", "format_path", "load_document", "merge_document", "parse_use", "read_document", "resolve",
]
