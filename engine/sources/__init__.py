"""Sources of a lower image (stage3, Portage snapshot, genpack overlay): discovery, download, identity.

Headless: no textual/rich imports. All network access of the engine goes through ``DownloadClient``.
"""
from .errors import SourceError
from .fetch_all import SourcePaths, source_paths, update_sources
from .http import DownloadClient, FetchResult, RetryPolicy, Timeouts, fetch, head_info
from .identity import IdentityError, SourceIdentity, SourceRecord, identity_path, load_identity, save_identity
from .locations import (
    DEFAULT_MIRROR,
    DEFAULT_OVERLAY_URL,
    MIRROR_ENV,
    OVERLAY_URL_ENV,
    SourceLocations,
    resolve_locations,
)
from .stage3 import Stage3Entry, check_stage3, discover_latest_stage3, parse_latest_list

__all__ = [
    "DEFAULT_MIRROR", "DEFAULT_OVERLAY_URL", "DownloadClient", "FetchResult", "IdentityError", "MIRROR_ENV",
    "OVERLAY_URL_ENV", "RetryPolicy", "SourceError", "SourceIdentity", "SourceLocations", "SourcePaths",
    "SourceRecord", "Stage3Entry", "Timeouts", "check_stage3", "discover_latest_stage3", "fetch", "head_info",
    "identity_path", "load_identity", "parse_latest_list", "resolve_locations", "save_identity", "source_paths",
    "update_sources",
]
