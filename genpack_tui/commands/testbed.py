"""``genpack-tui testbed``: the offline demo mirror (a real Portage tree served on loopback)."""
from __future__ import annotations

import sys
from pathlib import Path


def run_testbed(port: int, real_genpack_progs: Path | None = None) -> int:
    from genpack_tui.engine.testbed import TestbedUnavailable, serve_testbed
    from genpack_tui.engine.testbed.debian_mirror import NoDebianMirror
    from genpack_tui.engine.testbed.real_progs import RealProgsError
    try:
        serve_testbed(port=port, out=sys.stdout, real_genpack_progs=real_genpack_progs)
    except KeyboardInterrupt:  # Ctrl-C while the test bed was still being built: a normal stop
        return 0
    except RealProgsError as exc:
        print(f"genpack-tui testbed: error: --real-genpack-progs {exc}", file=sys.stderr)
        return 1
    except (TestbedUnavailable, NoDebianMirror, OSError) as exc:
        print(f"genpack-tui testbed: error: {exc}", file=sys.stderr)
        return 1
    return 0
