"""Validation of a parsed genpack.json5: every field's type and shape at every place it may appear.

The result is a :class:`CheckedDocument` holding only the values that passed (each with the config
path it came from), so the merge never sees a wrong type, plus every problem found. Everything is
checked, including variants and arch blocks that the current selection does not use.
"""
from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable

from . import values as v
from .arches import ARCHES
from .outfile import check_outfile
from .problems import PathParts, Problem, Severity, format_path
from .schema import (
    ARCH,
    CIRCULARDEP_KEYS,
    COMPRESSIONS,
    DEPRECATED,
    FIELDS,
    GROUP_KEYS,
    MAX_CAPACITY_GIB,
    PLACE_LABEL,
    TOP,
    USER_HYPHENATED,
    USER_KEYS,
    VARIANT,
    VARIANT_ARCH,
    FieldSpec,
)
from .sourcemap import SourceMap

Item = tuple[PathParts, Any]  # (config path of the value, value)


@dataclass
class Block:
    """The valid fields of one block: the top level, a variant, or an arch block.

    ``fields`` maps a field name to its cleaned value: for lists a list of :data:`Item`, for dicts a
    dict key -> :data:`Item`, for scalars an :data:`Item`.
    """

    place: str
    path: PathParts
    label: str  # provenance layer name: "top", "arch.x86_64", "variants.cuda", "variants.cuda.arch.x86_64"
    fields: dict[str, Any] = field(default_factory=dict)
    arch: dict[str, "Block"] = field(default_factory=dict)
    invalid: set[str] = field(default_factory=set)  # fields given here whose value was refused


@dataclass
class CheckedDocument:
    top: Block
    variants: dict[str, Block]
    default_variant: str | None
    problems: list[Problem]


_INVALID = object()


def _type_name(value: Any) -> str:
    """What a reader would call ``value`` in "expected X, found Y" (numbers told apart)."""
    if value is None:
        return "null"
    if isinstance(value, float):
        if math.isnan(value):
            return "not-a-number (NaN)"
        if math.isinf(value):
            return "infinity" if value > 0 else "minus infinity"
        return f"a decimal number ({value!r})"
    return {bool: "a boolean", int: "a number", str: "a string", list: "a list",
            dict: "an object"}.get(type(value), type(value).__name__)


def _show(value: Any, limit: int = 60) -> str:
    """``value`` as it is written in genpack.json5 (null, true, NaN...), shortened to ``limit``."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, int) and value.bit_length() > limit * 3:  # too long to show (and str() may refuse it)
        return f"a number of about {int(value.bit_length() * math.log10(2))} digits"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _where(places: frozenset[str]) -> str:
    if places == frozenset({TOP}):
        return "it is read at the top level only"
    if ARCH not in places:
        return "it is read at the top level and in variants only"
    return "it is read at the top level, in variants and in arch blocks"


class _Validator:
    def __init__(self, source_map: SourceMap | None, filename: str | None) -> None:
        self.source_map = source_map or SourceMap()
        self.filename = filename
        self.problems: list[Problem] = []

    # -- reporting -----------------------------------------------------------------------------
    def report(self, severity: Severity, path: PathParts, message: str, *, at_key: bool = False) -> None:
        pos = self.source_map.key_pos(path) if at_key else self.source_map.value_pos(path)
        line, column = pos if pos else (None, None)
        self.problems.append(Problem(severity, format_path(path), message, self.filename, line, column))

    def error(self, path: PathParts, message: str) -> Any:
        self.report("error", path, message)
        return _INVALID

    def expect(self, value: Any, types: type | tuple[type, ...], path: PathParts, what: str) -> bool:
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in _as_tuple(types))
        if not ok:
            self.error(path, f"expected {what}, found {_type_name(value)}")
        return ok

    def text(self, value: Any, path: PathParts, what: str = "a string") -> bool:
        if not self.expect(value, str, path, what):
            return False
        msg = v.check_text(value)
        if msg:
            self.error(path, msg)
            return False
        return True

    def unknown_key(self, path: PathParts, key: str, known: list[str], what: str) -> None:
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        self.report("warning", path, f"unknown key {key!r} {what} is ignored{hint}", at_key=True)

    # -- blocks ----------------------------------------------------------------------------------
    def block(self, data: dict[Any, Any], place: str, path: PathParts, label: str) -> Block:
        block = Block(place, path, label)
        for key, value in data.items():
            if not isinstance(key, str):
                self.error(path, f"keys must be strings, found {_type_name(key)}")
                continue
            kpath = path + (key,)
            if key in DEPRECATED:
                self.report("error", kpath, f"'{key}' is deprecated, use '{DEPRECATED[key]}' instead", at_key=True)
                continue
            spec = FIELDS.get(key)
            if spec is None:
                self.unknown_key(kpath, key, list(FIELDS), PLACE_LABEL[place])
                continue
            if place not in spec.places:
                self.report("warning", kpath, self._no_effect(spec, place), at_key=True)
                continue
            if key == "variants":
                continue  # checked by document(), the only place where variants take effect
            if key == "arch":
                block.arch = self.arch(value, kpath, place, label)
                continue
            checked = self.field(spec, value, kpath)
            if checked is _INVALID:
                block.invalid.add(key)
            else:
                block.fields[key] = checked
                if key == "devel":
                    self.report("warning", kpath, "'devel' has no effect (genpack ignores it); "
                                "use the --devel option to build a devel image", at_key=True)
        return block

    def _no_effect(self, spec: FieldSpec, place: str) -> str:
        if spec.name == "arch":
            return "'arch' has no effect inside an arch block (arch blocks do not nest)"
        if spec.name == "variants":
            return "'variants' has no effect inside a variant (variants do not nest)"
        return f"'{spec.name}' has no effect {PLACE_LABEL[place]}; {_where(spec.places)}"

    def arch(self, value: Any, path: PathParts, place: str, label: str) -> dict[str, Block]:
        if not self.expect(value, dict, path, "an object mapping arch names (e.g. x86_64, or x86_64|aarch64) to settings"):
            return {}
        inner = ARCH if place == TOP else VARIANT_ARCH
        blocks: dict[str, Block] = {}
        for key, body in value.items():
            kpath = path + (key,)
            for token in key.split("|"):
                if token not in ARCHES:
                    close = difflib.get_close_matches(token.strip(), ARCHES, n=1, cutoff=0.5)
                    hint = f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(ARCHES)}"
                    self.report("warning", kpath, f"arch name {token!r} never matches (exact names, no spaces){hint}",
                                at_key=True)
            if not self.expect(body, dict, kpath, "an object of settings"):
                continue
            sub_label = ("" if place == TOP else label + ".") + "arch." + key
            blocks[key] = self.block(body, inner, kpath, sub_label)
        return blocks

    # -- fields ----------------------------------------------------------------------------------
    def field(self, spec: FieldSpec, value: Any, path: PathParts) -> Any:
        checker: Callable[[Any, PathParts], Any] = getattr(self, "k_" + spec.kind)
        return checker(value, path)

    def k_name(self, value: Any, path: PathParts) -> Any:
        if not self.text(value, path):
            return _INVALID
        msg = v.check_file_name(value, "name")
        return self.error(path, msg) if msg else (path, value)

    def k_profile(self, value: Any, path: PathParts) -> Any:
        if not self.text(value, path):
            return _INVALID
        msg = v.check_profile(value)
        return self.error(path, msg) if msg else (path, value)

    def k_outfile(self, value: Any, path: PathParts) -> Any:
        if not self.text(value, path, "a file name"):
            return _INVALID
        msg = check_outfile(value)
        return self.error(path, msg) if msg else (path, value)

    def k_compression(self, value: Any, path: PathParts) -> Any:
        if not isinstance(value, str) or value not in COMPRESSIONS:
            return self.error(path, f"expected one of {', '.join(COMPRESSIONS)}, found {_show(value)}")
        return (path, value)

    def k_capacity(self, value: Any, path: PathParts) -> Any:
        if not self.expect(value, int, path, "a whole number of GiB"):
            return _INVALID
        if value < 1:
            return self.error(path, f"must be at least 1 (GiB), found {_show(value)}")
        if value > MAX_CAPACITY_GIB:
            return self.error(path, f"must be at most {MAX_CAPACITY_GIB} (GiB): the image is a file on an ext4 "
                              f"file system, which holds files up to 16 TiB; found {_show(value)}")
        return (path, value)

    def k_bool(self, value: Any, path: PathParts) -> Any:
        return (path, value) if self.expect(value, bool, path, "true or false") else _INVALID

    def k_default_variant(self, value: Any, path: PathParts) -> Any:
        return (path, value) if self.text(value, path, "a variant name") else _INVALID

    def k_circulardep_breaker(self, value: Any, path: PathParts) -> Any:
        if not self.expect(value, dict, path, "an object {packages: [...], use: \"...\"}"):
            return _INVALID
        clean: dict[str, Any] = {"packages": [], "use": None}
        for key, item in value.items():
            kpath = path + (key,)
            if key == "packages":
                items = self._list(item, kpath, self._atom)
                clean["packages"] = [] if items is _INVALID else [atom for _, atom in items]
            elif key == "use":
                if item is None or not self.text(item, kpath, "a string of USE flags"):
                    continue
                spec, errors = v.parse_use(item)
                for msg in errors:
                    self.error(kpath, msg)
                self._ignored_use(spec, kpath, "USE")
                if spec.expand:
                    self.error(kpath, "USE_EXPAND groups ('NAME:') cannot be used here: the value becomes the USE variable")
                if not errors and not spec.expand:
                    clean["use"] = item
            else:
                self.unknown_key(kpath, str(key), list(CIRCULARDEP_KEYS), "in circulardep_breaker")
        return (path, clean)

    # lists of atoms
    def _list(self, value: Any, path: PathParts, item_check: Callable[[Any, PathParts], Any]) -> Any:
        if not self.expect(value, list, path, "a list"):
            return _INVALID
        items: list[Item] = []
        for index, item in enumerate(value):
            ipath = path + (index,)
            checked = item_check(item, ipath)
            if checked is not _INVALID:
                items.append((ipath, checked))
        return items

    def _commented_out(self, item: str, path: PathParts, at_key: bool = False) -> bool:
        """An entry starting with '#' becomes a comment line in the Portage file: kept, but inert."""
        if item.startswith("#"):
            self.report("warning", path, f"{item!r} starts with '#': Portage reads it as a comment, "
                        "so it has no effect", at_key=at_key)
            return True
        return False

    def _atom(self, item: Any, path: PathParts, *, wildcard: bool = False) -> Any:
        if not self.text(item, path, "a package atom string"):
            return _INVALID
        if self._commented_out(item, path):
            return item
        msg = v.check_atom(item, wildcard=wildcard, set_reference=not wildcard)
        return self.error(path, msg) if msg else item

    def _package(self, item: Any, path: PathParts) -> Any:
        if isinstance(item, str) and item.startswith("-"):
            if not self.text(item, path):
                return _INVALID
            msg = v.check_atom(item[1:], set_reference=True)
            return self.error(path, f"removal entry {item!r}: {msg}") if msg else item
        return self._atom(item, path)

    def k_packages(self, value: Any, path: PathParts) -> Any:
        return self._list(value, path, self._package)

    def k_atom_list(self, value: Any, path: PathParts) -> Any:
        return self._list(value, path, self._atom)

    def _mask(self, item: Any, path: PathParts) -> Any:
        if isinstance(item, str) and item.startswith("-"):
            if not self.text(item, path):
                return _INVALID
            msg = v.check_atom(item[1:], wildcard=True)
            if msg:
                return self.error(path, f"entry {item!r}: {msg}")
            # written to package.mask as it is, as genpack does (docs/compatibility.md §4)
            self.report("warning", path, f"{item!r} is written to package.mask as it is: Portage then only drops "
                        f"the same atom {item[1:]!r} from the profiles' masks; '-' does not remove a mask given "
                        "in genpack.json5 (only packages has removal entries)")
            return item
        return self._atom(item, path, wildcard=True)

    def k_mask_list(self, value: Any, path: PathParts) -> Any:
        return self._list(value, path, self._mask)

    def _checked_string(self, what: str, checker: Callable[[str], str | None]) -> Callable[[Any, PathParts], Any]:
        """An item check: a string (``what``) that ``checker`` accepts (it returns an error message or None)."""

        def check(item: Any, ipath: PathParts) -> Any:
            if not self.text(item, ipath, what):
                return _INVALID
            msg = checker(item)
            return self.error(ipath, msg) if msg else item

        return check

    def k_excludes(self, value: Any, path: PathParts) -> Any:
        check = self._checked_string("a package atom or name", v.check_exclude)
        if isinstance(value, str):
            checked = check(value, path)
            return _INVALID if checked is _INVALID else [(path, checked)]
        if not isinstance(value, list):
            return self.error(path, f"expected a string or a list of strings, found {_type_name(value)}")
        return self._list(value, path, check)

    def k_services(self, value: Any, path: PathParts) -> Any:
        return self._list(value, path, self._checked_string("a systemd unit name", v.check_unit))

    def k_commands(self, value: Any, path: PathParts) -> Any:
        def check(item: Any, ipath: PathParts) -> Any:
            if isinstance(item, dict):
                self.report("warning", ipath, "object entries in setup_commands are not supported and are skipped "
                            "(as in genpack); write the command as a string")
                return _INVALID
            if not self.expect(item, str, ipath, "a shell command string"):
                return _INVALID
            msg = v.check_command_text(item)
            return self.error(ipath, msg.replace("line breaks and control", "control")) if msg else item

        return self._list(value, path, check)

    # dicts keyed by atom
    def _atom_dict(self, value: Any, path: PathParts, check_value: Callable[[Any, PathParts], Any]) -> Any:
        if not self.expect(value, dict, path, "an object mapping package atoms to values"):
            return _INVALID
        clean: dict[str, Item] = {}
        for key, item in value.items():
            kpath = path + (key,)
            if not isinstance(key, str):
                self.error(path, f"keys must be strings, found {_type_name(key)}")
                continue
            msg = v.check_text(key) or (None if self._commented_out(key, kpath, True) else
                                        v.check_atom(key, wildcard=True))
            if msg:
                self.report("error", kpath, msg, at_key=True)
                continue
            checked = check_value(item, kpath)
            if checked is not _INVALID:
                clean[key] = (kpath, checked)
        return clean

    def _tokens(self, item: Any, path: PathParts, what: str, allow_null: bool) -> Any:
        """A string or list of strings, split into whitespace-separated tokens (a list), None, or _INVALID."""
        if item is None and allow_null:
            return None
        if isinstance(item, list):
            parts: list[str] = []
            ok = True
            for index, part in enumerate(item):
                if self.text(part, path + (index,), "a string"):
                    parts.append(part)
                else:
                    ok = False
            return " ".join(parts).split() if ok else _INVALID
        if not isinstance(item, str):
            null = ", or null" if allow_null else ""
            return self.error(path, f"expected a string or list of {what}{null}, found {_type_name(item)}")
        if not self.text(item, path):
            return _INVALID
        return item.split()

    def _token_dict(self, value: Any, path: PathParts, what: str, allow_null: bool,
                    check: Callable[[str], str | None]) -> Any:
        def check_value(item: Any, kpath: PathParts) -> Any:
            tokens = self._tokens(item, kpath, what, allow_null)
            if tokens is _INVALID:
                return _INVALID
            if tokens is not None:
                errors = [msg for msg in map(check, tokens) if msg]
                for msg in errors:
                    self.error(kpath, msg)
                if errors:
                    return _INVALID
                if not tokens and not allow_null:  # an empty keyword list means ~arch, like null
                    self.report("warning", kpath, f"no {what} given")
            return item

        return self._atom_dict(value, path, check_value)

    def k_keywords_dict(self, value: Any, path: PathParts) -> Any:
        return self._token_dict(value, path, "keywords", True, v.check_keyword)

    def k_license_dict(self, value: Any, path: PathParts) -> Any:
        return self._token_dict(value, path, "licenses", False, v.check_license)

    def k_env_dict(self, value: Any, path: PathParts) -> Any:
        return self._token_dict(value, path, "env file names", False, v.check_env_file)

    def k_use_dict(self, value: Any, path: PathParts) -> Any:
        def check_value(item: Any, kpath: PathParts) -> Any:
            tokens = self._tokens(item, kpath, "USE flags", False)
            if tokens is _INVALID:
                return _INVALID
            spec, errors = v.parse_use(" ".join(tokens))
            for msg in errors:
                self.error(kpath, msg)
            if errors:
                return _INVALID
            self._ignored_use(spec, kpath, "package.use")
            for group, flags in spec.expand.items():
                if not flags:
                    self.report("warning", kpath, f"USE_EXPAND group '{group}:' has no values")
            if not tokens:
                self.report("warning", kpath, "no USE flags given")
            return item

        return self._atom_dict(value, path, check_value)

    def _ignored_use(self, spec: v.UseSpec, path: PathParts, where: str) -> None:
        """'+flag' is written as given, as genpack does; Portage skips it (docs/compatibility.md §4)."""
        for token in spec.ignored:
            self.report("warning", path, f"{token!r}: Portage ignores a '+' flag in {where} ('Invalid USE flag'), "
                        f"so it has no effect; write {token[1:]!r} to enable it")

    # users and groups
    def _account(self, item: Any, path: PathParts, keys: tuple[str, ...], what: str,
                 check_key: Callable[[str, Any, PathParts], bool]) -> Any:
        if isinstance(item, str):
            if not self.text(item, path):
                return _INVALID
            msg = v.check_account(item)
            return self.error(path, msg) if msg else item
        if not isinstance(item, dict):
            return self.error(path, f"expected a {what} name or an object with at least 'name', found {_type_name(item)}")
        ok = True
        for key, value in item.items():
            kpath = path + (key,)
            if not isinstance(key, str):
                return self.error(path, f"keys must be strings, found {_type_name(key)}")
            canonical = USER_HYPHENATED.get(key, key) if what == "user" else key
            if canonical not in keys:
                known = list(keys) + (list(USER_HYPHENATED) if what == "user" else [])
                self.unknown_key(kpath, key, known, f"in a {what}")
                continue
            if canonical != key and canonical in item:
                self.report("warning", kpath, f"'{key}' is ignored because '{canonical}' is also given", at_key=True)
                continue
            ok = check_key(canonical, value, kpath) and ok
        if "name" not in item:
            return self.error(path, f"a {what} object needs a 'name'")
        return item if ok else _INVALID

    def _user_key(self, key: str, value: Any, path: PathParts) -> bool:
        if key == "name":
            if not self.text(value, path):
                return False
            msg = v.check_account(value)
        elif key == "uid":
            if value is None:
                return True  # genpack: no -u, the next free id
            if isinstance(value, int) and not isinstance(value, bool):
                msg = None if value >= 0 else "must not be negative"
            elif isinstance(value, (str, float)):
                if isinstance(value, str) and not self.text(value, path):
                    return False
                # passed on as `useradd -u <text>`, as genpack does (docs/compatibility.md §4)
                fate = ("useradd takes it as the id" if isinstance(value, str) and value.isdigit() and value.isascii()
                        else "useradd refuses anything but a whole number, so the upper phase will fail")
                self.report("warning", path, f"uid {_show(value)} is not a whole number: it is passed as "
                            f"'useradd -u {value}' ({fate}); write a number, e.g. 1000")
                msg = None
            else:
                self.error(path, f"expected a numeric user id, found {_type_name(value)}")
                return False
        elif key in ("create_home", "empty_password"):
            return self.expect(value, bool, path, "true or false")
        elif key in ("comment", "home", "shell"):
            if not self.text(value, path):
                return False
            msg = "must not contain ':'" if ":" in value else None
            if msg is None and key == "home" and not value.startswith("/"):
                # passed on as `useradd -d <home>`, as genpack does (docs/compatibility.md §4)
                self.report("warning", path, f"home {value!r} is not an absolute path: it is passed as "
                            f"'useradd -d {value}', which refuses it ('invalid home directory'), so the upper "
                            f"phase will fail; write '/{value}'")
            elif msg is None and key == "shell" and not value.startswith("/"):
                msg = f"expected an absolute path, found {value!r}"
        elif key == "initial_group":
            if isinstance(value, int) and not isinstance(value, bool):
                msg = None if value >= 0 else "must not be negative"
            else:
                if not self.text(value, path, "a group name or id"):
                    return False
                msg = v.check_account(value)
        else:  # additional_groups
            if isinstance(value, str):
                names: list[Any] = value.split(",")
            elif isinstance(value, list):
                names = value
            else:
                self.error(path, f"expected a group name or a list of group names, found {_type_name(value)}")
                return False
            msg = None
            for index, name in enumerate(names):
                npath = path + (index,) if isinstance(value, list) else path
                if not self.text(name, npath, "a group name"):
                    return False
                m = v.check_account(name)
                if m:
                    self.error(npath, m)
                    return False
        if msg:
            self.error(path, msg)
            return False
        return True

    def _group_key(self, key: str, value: Any, path: PathParts) -> bool:
        if key == "name":
            if not self.text(value, path):
                return False
            msg = v.check_account(value)
        else:
            if not self.expect(value, int, path, "a numeric group id"):
                return False
            msg = None if value >= 0 else "must not be negative"
        if msg:
            self.error(path, msg)
            return False
        return True

    def k_users(self, value: Any, path: PathParts) -> Any:
        return self._list(value, path, lambda item, p: self._account(item, p, USER_KEYS, "user", self._user_key))

    def k_groups(self, value: Any, path: PathParts) -> Any:
        return self._list(value, path, lambda item, p: self._account(item, p, GROUP_KEYS, "group", self._group_key))

    # -- document --------------------------------------------------------------------------------
    def document(self, data: dict[Any, Any]) -> CheckedDocument:
        top = self.block(data, TOP, (), "top")
        variants: dict[str, Block] = {}
        raw_variants = data.get("variants")
        if "variants" in data and self.expect(raw_variants, dict, ("variants",), "an object mapping variant names to settings") \
                and isinstance(raw_variants, dict):
            for name, body in raw_variants.items():
                vpath = ("variants", name)
                msg = v.check_file_name(name, "variant name")
                if msg:
                    self.report("error", vpath, msg, at_key=True)
                    continue
                if not self.expect(body, dict, vpath, "an object of settings"):
                    continue
                variants[name] = self.block(body, VARIANT, vpath, f"variants.{name}")
        default = None
        if "default_variant" in top.fields:
            dpath, name = top.fields["default_variant"]
            if name == "":
                # genpack treats an empty default_variant as "no variant" too (it is falsy)
                default = None
            elif name not in variants:
                available = ", ".join(repr(n) for n in variants) or "none defined"
                self.error(dpath, f"default_variant {name!r} is not a variant (available: {available})")
            else:
                default = name
        return CheckedDocument(top, variants, default, self.problems)


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def validate(data: dict[Any, Any], source_map: SourceMap | None = None, filename: str | None = None) -> CheckedDocument:
    """Check every field of ``data`` (a parsed genpack.json5 object); never raises for bad content."""
    return _Validator(source_map, filename).document(data)
