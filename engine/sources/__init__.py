"""Sources of a lower image (stage3, Portage snapshot, genpack overlay): discovery, download, identity.

Headless: no textual/rich imports. All network access of the engine goes through ``DownloadClient``
(``engine.sources.http``). Import the submodules themselves: this package re-exports nothing, so
that reading a recorded identity (``engine.sources.identity``) does not load the HTTP client.
"""
