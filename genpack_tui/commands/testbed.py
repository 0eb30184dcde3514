"""``genpack-tui testbed``: the offline demo mirror (a real Portage tree served on loopback)."""
from __future__ import annotations

import sys


def run_testbed(port: int) -> int:
    from genpack_tui.engine.testbed import TestbedUnavailable, serve_testbed
    from genpack_tui.engine.testbed.debian_mirror import NoDebianMirror
    try:
        serve_testbed(port=port, out=sys.stdout)
    except KeyboardInterrupt:  # Ctrl-C while the test bed was still being built: a normal stop
        return 0
    except (TestbedUnavailable, NoDebianMirror, OSError) as exc:
        print(f"genpack-tui testbed: error: {exc}", file=sys.stderr)
        return 1
    return 0
