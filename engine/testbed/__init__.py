"""The Portage test bed: a stage3 stand-in (Debian minbase + real Portage), a self-written Gentoo
tree snapshot, a stand-in genpack-overlay, and a local HTTP mirror serving them.

Shipped in the product (``genpack-tui testbed``) for offline demos; the tests build against it.
"""
from .artifacts import TestbedArtifacts
from .build import TestbedUnavailable, build_testbed, default_cache_root
from .mirror import MirrorServer
from .serve import serve_testbed

__all__ = ["TestbedArtifacts", "TestbedUnavailable", "build_testbed", "default_cache_root",
           "MirrorServer", "serve_testbed"]
