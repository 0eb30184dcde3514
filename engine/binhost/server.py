"""A read-only HTTP server for one binary package directory: what Portage's ``--getbinpkg`` fetches.

GET and HEAD only. Every path is opened below the directory through a ConfinedDir that refuses links
at every step (engine/runtime/confined.py), so neither ``..`` nor a link planted in the cache reaches
a file outside it; directories are not listed. Each request is reported as one line as it is answered.
"""
from __future__ import annotations

import email.utils
import os
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

from genpack_tui.engine.runtime.confined import ConfinedDir, UnsafePathError

RequestLog = Callable[[str], None]
ALLOWED = "GET, HEAD"


def request_path(target: str) -> str | None:
    """The relative path a request target names, or None when it may not name one (``..``, NUL)."""
    # origin form (/path?query) as Portage sends it; absolute form (http://host/path) as proxies do
    raw = urlsplit(target).path if "://" in target else target.split("?", 1)[0].split("#", 1)[0]
    path = unquote(raw)
    if "\0" in path or "\\" in path:
        return None
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        return None
    return "/".join(parts)


class BinhostServer:
    """Serves ``directory`` on ``host:port`` (port 0: a free one) until ``stop``, which closes it."""

    def __init__(self, directory: ConfinedDir, host: str = "127.0.0.1", port: int = 0,
                 on_request: RequestLog | None = None) -> None:
        if directory.links != "refuse":
            raise ValueError("a binhost serves a ConfinedDir that refuses links")
        self.directory = directory
        self.on_request = on_request or (lambda _line: None)
        self._httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._httpd.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def serve_forever(self) -> None:
        self._httpd.serve_forever(poll_interval=0.2)

    def start(self) -> "BinhostServer":
        self._thread = threading.Thread(target=self.serve_forever, name="binhost", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self.directory.close()

    def __enter__(self) -> "BinhostServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _handler_for(server: BinhostServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "genpack-tui-binhost"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:  # our own one line per request instead
            return None

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            server.on_request(f"{self.client_address[0]} {self.command} {self.path} {code} {size}")

        def do_GET(self) -> None:
            self._serve(body=True)

        def do_HEAD(self) -> None:
            self._serve(body=False)

        def _refuse_method(self) -> None:
            self.send_response(405, "read-only binhost")
            self.send_header("Allow", ALLOWED)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse_method

        def _serve(self, body: bool) -> None:
            relative = request_path(self.path)
            if relative is None:
                return self.send_error(400, "path leaves the binary package directory")
            directory = server.directory
            try:
                if not relative or directory.is_dir(relative):
                    return self.send_error(404, "directories are not listed")
                handle = directory.open_read(relative)
            except UnsafePathError:
                return self.send_error(403, "links and special files are not served")
            except (FileNotFoundError, NotADirectoryError):
                return self.send_error(404)
            except PermissionError:
                return self.send_error(403)
            with handle:
                st = os.fstat(handle.fileno())
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(st.st_size))
                self.send_header("Last-Modified", email.utils.formatdate(st.st_mtime, usegmt=True))
                self.end_headers()
                if body:
                    shutil.copyfileobj(handle, self.wfile, 1 << 20)

    return Handler

