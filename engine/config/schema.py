"""Which genpack.json5 fields exist, what shape each has, and where each takes effect.

Places: ``top`` (the document), ``arch`` (an ``arch.<k>`` block at top level), ``variant``
(``variants.<v>``) and ``variant_arch`` (``variants.<v>.arch.<k>``). Placement follows genpack's merge
lists (docs/genpack.md §2) with docs/compatibility.md §1: a variant may set name/profile/outfile, and
setup_commands merge from arch and variant blocks.
"""
from __future__ import annotations

from dataclasses import dataclass

TOP, ARCH, VARIANT, VARIANT_ARCH = "top", "arch", "variant", "variant_arch"
_ALL = frozenset({TOP, ARCH, VARIANT, VARIANT_ARCH})
_TOP_VARIANT = frozenset({TOP, VARIANT})
_TOP = frozenset({TOP})


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # see validate.py: one checker per kind
    places: frozenset[str]
    merge: str  # scalar | removal_list | unique_list | append_list | account_list | dict | top_only | none


# Canonical order, also the order fields are merged within one block (genpack's fixed order first).
FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("name", "name", _TOP_VARIANT, "scalar"),
        FieldSpec("profile", "profile", _TOP_VARIANT, "scalar"),
        FieldSpec("outfile", "outfile", _TOP_VARIANT, "scalar"),
        FieldSpec("compression", "compression", _TOP, "scalar"),
        FieldSpec("lower-layer-capacity", "capacity", _TOP, "scalar"),
        FieldSpec("independent_binpkgs", "bool", _TOP, "scalar"),
        FieldSpec("devel", "bool", _TOP, "scalar"),
        FieldSpec("default_variant", "default_variant", _TOP, "scalar"),
        FieldSpec("circulardep_breaker", "circulardep_breaker", _TOP, "scalar"),
        FieldSpec("buildtime_packages_first", "bool", _TOP_VARIANT, "scalar"),
        FieldSpec("packages", "packages", _ALL, "removal_list"),
        FieldSpec("buildtime_packages", "atom_list", _ALL, "unique_list"),
        FieldSpec("accept_keywords", "keywords_dict", _ALL, "dict"),
        FieldSpec("use", "use_dict", _ALL, "dict"),
        FieldSpec("mask", "mask_list", _ALL, "unique_list"),
        FieldSpec("license", "license_dict", _ALL, "dict"),
        FieldSpec("env", "env_dict", _ALL, "dict"),
        FieldSpec("binpkg_excludes", "excludes", _ALL, "unique_list"),
        FieldSpec("users", "users", _TOP_VARIANT, "account_list"),
        FieldSpec("groups", "groups", _TOP_VARIANT, "account_list"),
        FieldSpec("setup_commands", "commands", _ALL, "append_list"),
        FieldSpec("services", "services", _ALL, "unique_list"),
        FieldSpec("arch", "arch", _TOP_VARIANT, "none"),
        FieldSpec("variants", "variants", _TOP, "none"),
    )
}

MERGED_FIELDS = tuple(name for name, spec in FIELDS.items() if spec.merge != "none")

DEPRECATED = {
    "buildtime-packages": "buildtime_packages",
    "binpkg-exclude": "binpkg_excludes",
    "circulardep-breaker": "circulardep_breaker",
}

PLACE_LABEL = {
    TOP: "at the top level",
    ARCH: "inside an arch block",
    VARIANT: "inside a variant",
    VARIANT_ARCH: "inside an arch block of a variant",
}

# Keys of user and group objects; the hyphenated spellings are accepted, the underscore one wins.
USER_KEYS = ("name", "uid", "comment", "home", "shell", "initial_group", "additional_groups",
             "create_home", "empty_password")
USER_HYPHENATED = {
    "create-home": "create_home",
    "initial-group": "initial_group",
    "additional-groups": "additional_groups",
    "empty-password": "empty_password",
}
GROUP_KEYS = ("name", "gid")
CIRCULARDEP_KEYS = ("packages", "use")

COMPRESSIONS = ("gzip", "xz", "lzo", "none")
DEFAULT_COMPRESSION = "gzip"
DEFAULT_LOWER_CAPACITY_GIB = 128
MAX_CAPACITY_GIB = 16 * 1024  # ext4's largest file (4 KiB blocks): the sparse image file must fit
