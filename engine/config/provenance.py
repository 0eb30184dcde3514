"""Provenance: where every merged value came from, and what the merge removed or replaced.

Structure
---------
A :class:`Provenance` describes one merge (one variant, one arch)::

    Provenance
      variant, arch            the selection the merge was made for
      layers                   the blocks applied, in order, e.g.
                               ["top", "arch.x86_64", "variants.cuda", "variants.cuda.arch.x86_64"]
      fields: {field name ->   FieldProvenance}, for every field present in the merged result
        FieldProvenance
          kind                 "scalar" | "list" | "dict"
          entries              the merged value(s), in merged order, each an Entry:
                                 scalar: one Entry; list: one per item; dict: one per key
            Entry
              value            the value as merged (list item, dict value, or scalar)
              key              the dict key (dict fields only), else None
              origin           Origin of the value (see below)
              overrides        [Override(value, origin)] earlier values this one replaced,
                               oldest first (scalars, dict keys, same-name users/groups)
          removed              [Removal]: each "-atom" entry of ``packages``, the Origin where it
                               is written and the Entry it removed (None when nothing matched:
                               a no-op, as in genpack)
          ignored              [Ignored]: values given again and dropped because the list keeps
                               the first occurrence (packages, mask, services, ...), with a reason

An :class:`Origin` is the place a value is written: ``layer`` (one of the layer names above, or
``"default"`` for a value the tool filled in, such as ``name`` from the directory name), ``path``
(the config path, e.g. ``variants.cuda.use["sci-libs/pytorch"]``) and ``file``/``line``/``column``
when known.

Every class has ``to_json()``; the JSON form mirrors the structure above with plain dicts/lists.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

DEFAULT_LAYER = "default"


@dataclass(frozen=True)
class Origin:
    layer: str
    path: str
    file: str | None = None
    line: int | None = None
    column: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"layer": self.layer, "path": self.path, "file": self.file, "line": self.line,
                "column": self.column}

    def describe(self) -> str:
        """Short human form: ``variants.cuda (genpack.json5:40:13)``."""
        where = ""
        if self.file and self.line:
            where = f" ({self.file}:{self.line}:{self.column})" if self.column else f" ({self.file}:{self.line})"
        return self.layer + where


@dataclass(frozen=True)
class Override:
    value: Any
    origin: Origin

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "origin": self.origin.to_json()}


@dataclass
class Entry:
    value: Any
    origin: Origin
    key: str | None = None
    overrides: list[Override] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"value": self.value, "origin": self.origin.to_json(),
                                "overrides": [o.to_json() for o in self.overrides]}
        if self.key is not None:
            data = {"key": self.key, **data}
        return data


@dataclass(frozen=True)
class Removal:
    entry: str
    target: str
    origin: Origin
    removed: Entry | None

    def to_json(self) -> dict[str, Any]:
        return {"entry": self.entry, "target": self.target, "origin": self.origin.to_json(),
                "removed": self.removed.to_json() if self.removed else None}


@dataclass(frozen=True)
class Ignored:
    value: Any
    origin: Origin
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "origin": self.origin.to_json(), "reason": self.reason}


@dataclass
class FieldProvenance:
    name: str
    kind: Literal["scalar", "list", "dict"]
    entries: list[Entry] = field(default_factory=list)
    removed: list[Removal] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)

    def entry(self, key: str) -> Entry | None:
        """The entry of dict key ``key`` (or of the user/group named ``key``)."""
        for item in self.entries:
            if item.key == key:
                return item
        return None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "entries": [e.to_json() for e in self.entries],
                "removed": [r.to_json() for r in self.removed], "ignored": [i.to_json() for i in self.ignored]}


@dataclass
class Provenance:
    variant: str | None = None
    arch: str | None = None
    layers: list[str] = field(default_factory=list)
    fields: dict[str, FieldProvenance] = field(default_factory=dict)

    def field(self, name: str) -> FieldProvenance | None:
        return self.fields.get(name)

    def to_json(self) -> dict[str, Any]:
        return {"variant": self.variant, "arch": self.arch, "layers": list(self.layers),
                "fields": {name: fp.to_json() for name, fp in self.fields.items()}}
