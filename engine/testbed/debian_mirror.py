"""Find the Debian mirror this machine's apt is configured with (never hard-coded)."""
from __future__ import annotations

import re
from pathlib import Path

APT_DIR = Path("/etc/apt")


class NoDebianMirror(RuntimeError):
    """The machine's apt sources name no Debian mirror to debootstrap from."""


def _one_line_entries(text: str) -> list[tuple[str, list[str]]]:
    entries = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line.startswith("deb "):
            continue
        words = re.sub(r"\[[^\]]*\]", " ", line).split()  # drop "[signed-by=...]" options
        if len(words) >= 3:
            entries.append((words[1], [words[2]]))
    return entries


def _deb822_entries(text: str) -> list[tuple[str, list[str]]]:
    entries = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for raw in stanza.splitlines():
            if raw.lstrip().startswith("#") or ":" not in raw or raw[:1].isspace():
                continue
            key, value = raw.split(":", 1)
            fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        for uri in fields.get("uris", "").split():
            entries.append((uri, fields.get("suites", "").split()))
    return entries


def apt_entries(apt_dir: Path = APT_DIR) -> list[tuple[str, list[str]]]:
    """All enabled ``deb`` (uri, suites) pairs, sources.list first."""
    entries: list[tuple[str, list[str]]] = []
    main = apt_dir / "sources.list"
    if main.is_file():
        entries += _one_line_entries(main.read_text(errors="replace"))
    parts = apt_dir / "sources.list.d"
    if parts.is_dir():
        for f in sorted(parts.iterdir()):
            if f.suffix == ".list":
                entries += _one_line_entries(f.read_text(errors="replace"))
            elif f.suffix == ".sources":
                entries += _deb822_entries(f.read_text(errors="replace"))
    return entries


def debian_mirror(suite: str, apt_dir: Path = APT_DIR) -> str:
    """The URI of the first apt source that carries ``suite`` itself (not -security/-updates);
    failing that, the first Debian archive (a URI ending in /debian) listing any release suite,
    since an archive mirror carries every release."""
    entries = apt_entries(apt_dir)
    for uri, suites in entries:
        if suite in suites:
            return uri
    for uri, suites in entries:
        if uri.rstrip("/").endswith("/debian") and any("-" not in s for s in suites):
            return uri
    raise NoDebianMirror(
        f"no apt source for the Debian suite {suite!r} in {apt_dir}/sources.list or "
        f"{apt_dir}/sources.list.d/*.{{list,sources}}; the test bed needs one for debootstrap"
    )
