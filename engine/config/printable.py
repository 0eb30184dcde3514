"""Making untrusted text safe to print: every character a terminal would act on or not show is
written as an escape, so a name or path cannot move the cursor, recolour or hide text."""
from __future__ import annotations

import unicodedata

# Abbreviations of the C0 controls and DEL (they have no name in the Unicode database).
_C0 = ("NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN "
       "EM SUB ESC FS GS RS US").split()


def escape_controls(text: str, *, keep_tabs: bool = False) -> str:
    """``text`` with controls (C0, DEL, C1), line/paragraph separators, format characters (bidi
    overrides, zero-width) and lone surrogates written as ``\\x1b``, ``\\n``, ``\\u202e``...

    ``keep_tabs``: leave tabs as they are (source excerpts keep them so a caret line aligns)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or (keep_tabs and ch == "\t") else ascii(ch)[1:-1] for ch in text)


def describe_char(ch: str) -> str:
    """``U+001B (ESC)``, ``U+00E9 (LATIN SMALL LETTER E WITH ACUTE)``: a character named for a message."""
    code = ord(ch)
    if code < 0x20:
        name = _C0[code]
    elif code == 0x7F:
        name = "DEL"
    else:
        name = unicodedata.name(ch, "")
    return f"U+{code:04X} ({name})" if name else f"U+{code:04X}"
