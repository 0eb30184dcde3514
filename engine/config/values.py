"""Checks for single values: package atoms (Portage's own parser), USE strings, keywords, licenses,
names. Each ``check_*`` returns an error message, or None when the value is fine."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# C0/C1 controls and Unicode line separators would break a line-based Portage file; lone surrogates
# (possible through JSON escapes) cannot be written as UTF-8 at all.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
# USE flag names as PMS 3.1.4 defines them (the same pattern Portage uses for EAPI 8).
_USE_FLAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9+_@-]*")
_USE_EXPAND = re.compile(r"[A-Za-z][A-Za-z0-9_]*:")
_KEYWORD = re.compile(r"-?(?:\*\*|~?\*|~?[A-Za-z0-9][A-Za-z0-9_-]*)")
_LICENSE = re.compile(r"-?(?:\*|@?[A-Za-z0-9_+][A-Za-z0-9_.+-]*)")
_ENV_FILE = re.compile(r"[A-Za-z0-9_+@][A-Za-z0-9_.+@-]*(?:/[A-Za-z0-9_+@][A-Za-z0-9_.+@-]*)*")
_SET_NAME = re.compile(r"@[A-Za-z0-9_][A-Za-z0-9_.+-]*")
_PACKAGE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9+_-]*")
_UNIT = re.compile(r"[A-Za-z0-9:_.\\@-]+")
_ACCOUNT = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\$?")
_PROFILE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.+-]*)*")


def isvalidatom(atom: str, **options: bool) -> bool:
    """Portage's own atom parser, imported on first use: it costs ~70 ms, which the CLI's and the
    workbench's start-up should not pay before there is an atom to check."""
    from portage.dep import isvalidatom as portage_isvalidatom
    return bool(portage_isvalidatom(atom, **options))


def check_text(value: str) -> str | None:
    """Reject control characters and line breaks, which would inject lines into generated files."""
    m = _CONTROL.search(value)
    if m:
        what = "an unpaired surrogate" if "\ud800" <= m.group() <= "\udfff" else "a control character"
        return f"contains {what} (U+{ord(m.group()):04X}); line breaks and control characters are not allowed"
    return None


def check_command_text(value: str) -> str | None:
    """A shell command passed to ``sh -c`` as one argument: tabs and line breaks are part of a
    multi-line script (docs/compatibility.md §4); other controls, and NUL above all, are not."""
    return check_text(value.replace("\t", " ").replace("\n", " "))


def check_atom(value: str, *, wildcard: bool = False, set_reference: bool = False) -> str | None:
    """A Portage package atom (``>=cat/pkg-1.2:slot::repo[use]``); ``*/*``-style wildcards if allowed."""
    if not value:
        return "empty package atom"
    if set_reference and _SET_NAME.fullmatch(value):
        return None
    if isvalidatom(value, allow_wildcard=wildcard, allow_repo=True):
        return None
    hint = ""
    if any(ch.isspace() for ch in value):
        hint = " (it contains whitespace: write one atom per entry)"
    elif "/" not in value:
        hint = " (expected category/package, e.g. app-misc/screen)"
    elif value.startswith("-"):
        hint = " ('-' removal works only in packages)"
    return f"{value!r} is not a valid package atom{hint}"


def check_exclude(value: str) -> str | None:
    """binpkg_excludes entries: atoms (wildcards allowed) or bare package names, as emerge accepts."""
    if _PACKAGE_NAME.fullmatch(value) or isvalidatom(value, allow_wildcard=True, allow_repo=True):
        return None
    if any(ch.isspace() for ch in value):
        return f"{value!r} contains whitespace: write one package per entry"
    return f"{value!r} is not a valid package atom or package name"


@dataclass
class UseSpec:
    """A tokenised USE string: plain flags (``-flag`` disables) and ``USE_EXPAND:`` groups."""

    flags: list[str] = field(default_factory=list)
    expand: dict[str, list[str]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)  # '+flag' tokens, which Portage ignores in package.use


def parse_use(text: str) -> tuple[UseSpec, list[str]]:
    """Tokenise a USE value such as ``"wayland -X VIDEO_CARDS: virgl zink"``; returns (spec, errors).
    A ``+flag`` is kept out of the flags, in ``spec.ignored``: it is written as given, and Portage skips it."""
    spec = UseSpec()
    errors: list[str] = []
    group: str | None = None
    for token in text.split():
        if _USE_EXPAND.fullmatch(token):
            group = token[:-1]
            spec.expand.setdefault(group, [])
            continue
        name = token[1:] if token[:1] in ("-", "+") else token
        if not _USE_FLAG.fullmatch(name):
            hint = ""
            if ":" in token:
                hint = " (a USE_EXPAND group is written 'NAME:' followed by a space, e.g. 'VIDEO_CARDS: virgl')"
            errors.append(f"{token!r} is not a valid USE flag{hint}")
            continue
        if token.startswith("+"):
            spec.ignored.append(token)
            continue
        if group is None:
            spec.flags.append(token)
        else:
            spec.expand[group].append(token)
    return spec, errors


def check_keyword(token: str) -> str | None:
    return None if _KEYWORD.fullmatch(token) else f"{token!r} is not a valid keyword (e.g. ~amd64, **)"


def check_license(token: str) -> str | None:
    return None if _LICENSE.fullmatch(token) else f"{token!r} is not a valid license name or @group"


def check_env_file(token: str) -> str | None:
    if _ENV_FILE.fullmatch(token) and ".." not in token.split("/"):
        return None
    return f"{token!r} is not a valid file name under /etc/portage/env"


def check_unit(value: str) -> str | None:
    if _UNIT.fullmatch(value) and not value.startswith("-"):
        return None
    return f"{value!r} is not a valid systemd unit name"


def check_account(value: str) -> str | None:
    """User and group names as useradd/groupadd accept them (never starting with '-')."""
    if _ACCOUNT.fullmatch(value) and len(value) <= 32:
        return None
    return f"{value!r} is not a valid user/group name (letters, digits, '_', '.', '-'; not starting with '-' or a digit)"


def check_profile(value: str) -> str | None:
    if value == "" or (_PROFILE.fullmatch(value) and ".." not in value.split("/")):
        return None
    return f"{value!r} is not a valid profile name (e.g. paravirt, gnome/baremetal)"


# The longest file name the build makes from a name and a variant is
# "<name>-<variant>-<arch>.squashfs.tmp" (23 bytes besides the two); 100 bytes each keep it under the
# 255-byte limit of a file name, with room for lower-<variant>.img, genpack-<name>.tar.gz.tmp and the like.
MAX_NAME_BYTES = 100


def check_file_name(value: str, what: str) -> str | None:
    """Names used in file names (artifact name, variant name)."""
    if not value:
        return f"{what} must not be empty"
    msg = check_text(value)
    if msg:
        return f"{what} {msg}"
    size = len(value.encode("utf-8", "surrogatepass"))
    if size > MAX_NAME_BYTES:
        return (f"{what} is {size} bytes long; at most {MAX_NAME_BYTES} bytes (UTF-8) are allowed, so that the "
                "file names made from it (<name>-<variant>-<arch>.squashfs.tmp) fit in 255 bytes")
    if "/" in value or value in (".", ".."):
        return f"{what} {value!r} must not contain '/' or be '.' or '..'"
    if value.startswith("-"):
        return f"{what} {value!r} must not start with '-'"
    return None
