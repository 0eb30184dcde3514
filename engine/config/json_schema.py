"""The JSON Schema (draft 2020-12) of genpack.json5, made from the field table in schema.py.

Every field, its places and its description come from :data:`schema.FIELDS`; this module only says
how each field kind is written in JSON Schema. The schema refuses what the validator (validate.py)
reports as an error about a value's type or shape: a wrong type, a value outside its range or choices,
a control character in a string, a user or group without a name, a deprecated field name. What the
validator only warns about (unknown keys, fields that have no effect where they stand, arch names
that never match) the schema accepts, describing it. Finer checks stay the validator's alone: package
atom, USE flag, keyword and licence syntax, whether default_variant names a variant, and name lengths
in bytes (the schema counts characters). One difference cannot be written in JSON Schema: a whole
number with a decimal point (``64.0``) is an integer to JSON Schema, while the validator wants ``64``.
"""
from __future__ import annotations

from typing import Any

from .arches import ARCHES
from .schema import (
    ARCH,
    CIRCULARDEP_KEY_DESCRIPTIONS,
    COMPRESSIONS,
    DEFAULT_COMPRESSION,
    DEFAULT_LOWER_CAPACITY_GIB,
    DEPRECATED,
    FIELDS,
    GROUP_KEY_DESCRIPTIONS,
    MAX_CAPACITY_GIB,
    PLACE_LABEL,
    TOP,
    USER_HYPHENATED,
    USER_KEY_DESCRIPTIONS,
    VARIANT,
    VARIANT_ARCH,
    FieldSpec,
)

DRAFT = "https://json-schema.org/draft/2020-12/schema"

# values.check_text: no control characters or line breaks (surrogates cannot occur in parsed JSON text)
_NO_CONTROLS = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$"
# values.check_file_name (its byte limit is the validator's): not empty, '.', '..', starting with '-', or with '/'
_FILE_NAME = r"^(?!\.\.?$)(?!-)[^/\x00-\x1f\x7f-\x9f\u2028\u2029]+$"
# outfile.check_outfile, the text part: a relative path naming a file, not blank
_OUTFILE = r"^(?!/)(?=.*\S)[^\x00-\x1f\x7f-\x9f\u2028\u2029]*[^/\x00-\x1f\x7f-\x9f\u2028\u2029]$"
_ACCOUNT = r"^[A-Za-z_][A-Za-z0-9_.-]*\$?$"  # values.check_account
_UNIT = r"^[A-Za-z0-9:_.\\@-]+$"  # values.check_unit
_ABSOLUTE = r"^/[^:\x00-\x1f\x7f-\x9f\u2028\u2029]*$"
_NO_COLON = r"^[^:\x00-\x1f\x7f-\x9f\u2028\u2029]*$"
# values.check_command_text: a shell command may span lines and hold tabs
_COMMAND = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]*$"

_BLOCK_DEF = {TOP: None, ARCH: "archBlock", VARIANT: "variantBlock", VARIANT_ARCH: "variantArchBlock"}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


def _text(description: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "string", "pattern": _NO_CONTROLS}
    if description:
        out["description"] = description
    return out


def _strings() -> dict[str, Any]:
    return {"type": "array", "items": _text()}


def _string_or_strings() -> dict[str, Any]:
    return {"oneOf": [_text(), _strings()]}


def _atom_dict(value: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "propertyNames": {"minLength": 1, "pattern": _NO_CONTROLS},
            "additionalProperties": value}


def _account(key_schemas: dict[str, dict[str, Any]], descriptions: dict[str, str], what: str) -> dict[str, Any]:
    properties = {key: {**key_schemas[key], "description": text} for key, text in descriptions.items()}
    return {
        "description": f"A {what}: its name, or an object with at least 'name'.",
        "oneOf": [
            {"type": "string", "pattern": _ACCOUNT, "maxLength": 32, "description": f"The {what} name."},
            {"type": "object", "required": ["name"], "properties": properties},
        ],
    }


def _user() -> dict[str, Any]:
    name = {"type": "string", "pattern": _ACCOUNT, "maxLength": 32}
    keys: dict[str, dict[str, Any]] = {
        "name": name,
        "uid": {"type": ["number", "string"], "minimum": 0},
        "comment": {"type": "string", "pattern": _NO_COLON},
        "home": {"type": "string", "pattern": _NO_COLON},
        "shell": {"type": "string", "pattern": _ABSOLUTE},
        "initial_group": {"oneOf": [{"type": "integer", "minimum": 0}, name]},
        "additional_groups": {"oneOf": [{"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_.$,-]*$"},
                                        {"type": "array", "items": name}]},
        "create_home": {"type": "boolean"},
        "empty_password": {"type": "boolean"},
    }
    schema = _account(keys, USER_KEY_DESCRIPTIONS, "user")
    properties = schema["oneOf"][1]["properties"]
    for hyphenated, canonical in USER_HYPHENATED.items():
        properties[hyphenated] = {**keys[canonical],
                                  "description": f"Another spelling of '{canonical}' (which wins when both are given)."}
    return schema


def _group() -> dict[str, Any]:
    keys = {"name": {"type": "string", "pattern": _ACCOUNT, "maxLength": 32},
            "gid": {"type": "integer", "minimum": 0}}
    return _account(keys, GROUP_KEY_DESCRIPTIONS, "group")


def _kind(kind: str, place: str) -> dict[str, Any]:
    """The schema of one field kind (validate.py's ``k_<kind>`` checker) at ``place``."""
    if kind == "name":
        return {"type": "string", "pattern": _FILE_NAME, "maxLength": 100}
    if kind == "outfile":
        return {"type": "string", "pattern": _OUTFILE}
    if kind == "profile":
        return _text()
    if kind == "compression":
        return {"enum": list(COMPRESSIONS), "default": DEFAULT_COMPRESSION}
    if kind == "capacity":
        return {"type": "integer", "minimum": 1, "maximum": MAX_CAPACITY_GIB, "default": DEFAULT_LOWER_CAPACITY_GIB}
    if kind == "bool":
        return {"type": "boolean"}
    if kind == "default_variant":
        return _text()
    if kind == "circulardep_breaker":
        return {"type": "object", "properties": {
            "packages": {**_strings(), "description": CIRCULARDEP_KEY_DESCRIPTIONS["packages"]},
            "use": {"oneOf": [_text(), {"type": "null"}], "description": CIRCULARDEP_KEY_DESCRIPTIONS["use"]},
        }}
    if kind in ("packages", "atom_list", "mask_list"):
        return {"type": "array", "items": {**_text(), "minLength": 1}}
    if kind == "excludes":
        return {"oneOf": [_text(), _strings()]}
    if kind == "services":
        return {"type": "array", "items": {"type": "string", "pattern": _UNIT}}
    if kind == "commands":
        return {"type": "array", "items": {"oneOf": [
            {"type": "string", "pattern": _COMMAND},
            {"type": "object", "description": "Not supported: skipped with a warning, as genpack skips it."},
        ]}}
    if kind == "keywords_dict":
        return _atom_dict({"oneOf": [_text(), _strings(), {"type": "null"}]})
    if kind in ("use_dict", "license_dict", "env_dict"):
        return _atom_dict(_string_or_strings())
    if kind == "users":
        return {"type": "array", "items": _ref("user")}
    if kind == "groups":
        return {"type": "array", "items": _ref("group")}
    if kind == "arch":
        return _ref("arch" if place == TOP else "variantArch")
    if kind == "variants":
        return {"type": "object", "propertyNames": {"pattern": _FILE_NAME, "maxLength": 100},
                "additionalProperties": _ref("variantBlock")}
    raise ValueError(f"no JSON Schema for field kind {kind!r}")


def _no_effect(spec: FieldSpec, place: str) -> dict[str, Any]:
    return {"description": f"'{spec.name}' has no effect {PLACE_LABEL[place]} (ignored with a warning)."}


def _block_properties(place: str) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for spec in FIELDS.values():
        if place in spec.places:
            properties[spec.name] = {**_kind(spec.kind, place), "description": spec.description}
        else:
            properties[spec.name] = _no_effect(spec, place)
    for old, new in DEPRECATED.items():
        properties[old] = {"deprecated": True, "not": {},
                           "description": f"Deprecated spelling of '{new}': refused, write '{new}'."}
    return properties


def _arch_map(block: str) -> dict[str, Any]:
    names = "|".join(ARCHES)
    return {
        "type": "object",
        "patternProperties": {rf"^({names})(\|({names}))*$": _ref(block)},
        "additionalProperties": {**_ref(block), "description": "A key naming an arch genpack does not know "
                                 f"({', '.join(ARCHES)}) never matches (a warning)."},
    }


def _block(place: str, title: str) -> dict[str, Any]:
    return {"title": title, "type": "object", "properties": _block_properties(place)}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a genpack.json5 document (draft 2020-12), as a JSON-serialisable dict."""
    root = _block(TOP, "genpack.json5")
    return {
        "$schema": DRAFT,
        **root,
        "description": "The definition of a genpack artifact: what goes into the image and how it is built.",
        "$defs": {
            "archBlock": _block(ARCH, "Settings for matching architectures"),
            "variantBlock": _block(VARIANT, "A variant's settings"),
            "variantArchBlock": _block(VARIANT_ARCH, "A variant's settings for matching architectures"),
            "arch": _arch_map("archBlock"),
            "variantArch": _arch_map("variantArchBlock"),
            "user": _user(),
            "group": _group(),
        },
    }
