"""``genpack-tui upper-clean``: genpack's own answer to it, word for word, and genpack's exit status
(docs/compatibility.md §16). genpack lists the action and refuses it; so does genpack-tui, without a
traceback, so that scripts written for genpack see the same result."""
from __future__ import annotations

from typing import TextIO

GENPACK_ANSWER = "upper-clean is not implemented yet, use 'upper' and then remove upper directory manually."


def run_upper_clean(err: TextIO) -> int:
    err.write(f"genpack-tui: error: {GENPACK_ANSWER}\n")
    return 1
