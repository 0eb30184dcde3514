"""``genpack-tui binhost serve`` in the worker: Portage regenerates the ``Packages`` index, then the
binary package directory is served read-only (server.py) until the worker is interrupted.

The index is Portage's own: ``emaint binhost --fix`` runs in a container on the artifact's lower
image, with the directory at ``/var/cache/binpkgs`` (PKGDIR), under the artifact's build lock. The
shared cache (``~/.cache/genpack/<arch>/binpkgs``) is served from the host; with
``--independent-binpkgs`` the packages are those inside the lower image, which stays mounted (and
the build lock held) while it is served. The worker's private mount namespace drops that mount
however the worker ends.
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

from genpack_tui.engine.binhost.server import BinhostServer
from genpack_tui.engine.build.context import BuildContext, PhaseFailed
from genpack_tui.engine.build.request import BuildRequest
from genpack_tui.engine.build.runner import EXIT_FAILED, make_context
from genpack_tui.engine.config import ConfigError
from genpack_tui.engine.events import ErrorEvent, EventSink, OutputLine
from genpack_tui.engine.runtime.confined import ConfinedDir
from genpack_tui.engine.runtime.errors import RuntimeEngineError
from genpack_tui.engine.runtime.lock import acquire_build_lock
from genpack_tui.engine.runtime.mounts import mounted_image
from genpack_tui.engine.runtime.ownership import ensure_user_dir

SERVE_TARGET = f"{__name__}:serve_binhost"
IMAGE_PKGDIR = "var/cache/binpkgs"
INDEX_COMMAND = ["emaint", "binhost", "--fix"]
PHASE = "binhost"


def serve_binhost(sink: EventSink, request: dict[str, Any], bind: str, port: int) -> int:
    """Worker target: index, then serve until SIGINT/SIGTERM; 0 when stopped that way."""
    req = BuildRequest.from_json(request)
    try:
        ctx = make_context(req, sink, phase=PHASE)
        with _served_directory(ctx) as directory:
            shown = ctx.paths.binpkgs_dir if not ctx.derived_independent else f"/{IMAGE_PKGDIR} of {ctx.paths.lower_image}"
            server = BinhostServer(directory, bind, port, on_request=lambda line: _say(sink, line, "request"))
            _say(sink, f"Serving {shown} on {server.url} (read-only; Ctrl-C stops)", "serve")
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                _say(sink, "Stopped.", "serve")
            finally:
                server.stop()
    except (PhaseFailed, ConfigError, RuntimeEngineError, OSError) as exc:
        sink(ErrorEvent(message=str(exc), phase=PHASE))
        return EXIT_FAILED
    return 0


def _say(sink: EventSink, text: str, step: str) -> None:
    sink(OutputLine(phase=PHASE, step=step, text=text))


@contextlib.contextmanager
def _served_directory(ctx: BuildContext) -> Iterator[ConfinedDir]:
    paths = ctx.paths
    if not paths.lower_image.exists():
        raise PhaseFailed(f"{paths.lower_image} does not exist: Portage regenerates the Packages index in the "
                          f"lower image's container, so build the artifact (or run 'lower') first")
    independent = ctx.derived_independent
    if not independent:
        ensure_user_dir(paths.binpkgs_dir, ctx.user)
    with contextlib.ExitStack() as held:
        held.enter_context(acquire_build_lock(paths.work_dir, "genpack-tui binhost serve"))
        root = held.enter_context(mounted_image(paths.lower_image))
        with ctx.step("index", "Regenerating the Packages index (emaint binhost --fix)..."):
            rc = ctx.container(root, INDEX_COMMAND, step="index", binpkgs=True)
            ctx.check(rc, "emaint binhost --fix")
        if independent:
            # the image's /var/cache/binpkgs, a link on the way resolved inside the image; below it,
            # the server refuses links like anywhere else
            with ConfinedDir(root, links="in_root").subdir(IMAGE_PKGDIR) as in_image:
                yield ConfinedDir(f"/proc/self/fd/{in_image.fileno()}")
            return
    yield ConfinedDir(paths.binpkgs_dir)
