"""``genpack-tui testbed``: the offline demo mirror (a real Portage tree served on loopback)."""
from __future__ import annotations

import sys


def run_testbed(port: int) -> int:
    from engine.testbed import serve_testbed
    try:
        serve_testbed(port=port, out=sys.stdout)
    except KeyboardInterrupt:
        pass
    return 0
