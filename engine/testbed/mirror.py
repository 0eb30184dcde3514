"""A real HTTP server on 127.0.0.1 laid out like a Gentoo mirror plus GitHub's overlay archive.

Honours GET and HEAD, ETag / Last-Modified / Content-Length, If-None-Match / If-Modified-Since
(304). Tests can publish or replace files at run time, make the server drop a connection after N
bytes of a path, and count requests per path.
"""
from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

from . import distfiles, mirror_layout
from .artifacts import TestbedArtifacts
from .signing import Signer, SigningKey
from .stage3 import timestamp_of

_CHUNK = 1 << 16


@dataclass(frozen=True)
class _Resource:
    data: bytes | None
    file: Path | None
    size: int
    etag: str
    last_modified: int  # seconds since the epoch

    def chunks(self) -> Iterator[bytes]:
        if self.data is not None:
            for i in range(0, len(self.data), _CHUNK):
                yield self.data[i:i + _CHUNK]
            return
        assert self.file is not None
        with open(self.file, "rb") as f:
            while chunk := f.read(_CHUNK):
                yield chunk


def _normalise(path: str) -> str:
    return path.split("?", 1)[0].lstrip("/")


def _etag_of(content: bytes | Path) -> str:
    h = hashlib.sha256()
    if isinstance(content, bytes):
        h.update(content)
    else:
        with open(content, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    return f'"{h.hexdigest()[:32]}"'


class MirrorServer:
    """``signing_key`` (default: the test bed's) signs the DIGESTS and the snapshot as Gentoo's release
    key does; without one they are published unsigned."""

    def __init__(self, artifacts: TestbedArtifacts | None = None, host: str = "127.0.0.1", port: int = 0,
                 *, signing_key: SigningKey | None = None) -> None:
        self.signing_key = signing_key or (artifacts.signing_key if artifacts is not None else None)
        self._signer = Signer(self.signing_key) if self.signing_key is not None else None
        self._lock = threading.Lock()
        self._resources: dict[str, _Resource] = {}
        self._drops: dict[str, list[int]] = {}
        self._counts: Counter[tuple[str, str]] = Counter()
        self._last_modified = 0
        self._httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        if artifacts is not None:
            self.publish_stage3(artifacts.stage3)
            self.publish_snapshot(artifacts.portage_snapshot)
            self.publish(mirror_layout.OVERLAY, artifacts.overlay_tarball)
            if artifacts.distfiles_dir.is_dir():
                self.publish_distfiles(artifacts.distfiles_dir)

    # -- addresses ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    @property
    def mirror_url(self) -> str:
        return self.base_url

    @property
    def keyring(self) -> Path | None:
        """The public keyring that verifies what this server signs (``--keyring``)."""
        return self.signing_key.keyring if self.signing_key is not None else None

    @property
    def overlay_url(self) -> str:
        return self.base_url + mirror_layout.OVERLAY

    def url(self, path: str) -> str:
        return self.base_url + _normalise(path)

    # -- content -----------------------------------------------------------------------------
    def publish(self, path: str, content: bytes | str | Path) -> str:
        """Serve ``content`` (bytes, text, or a file read at request time) at ``path``; a replaced
        file gets a new ETag (if its bytes differ) and always a later Last-Modified."""
        if isinstance(content, str):
            content = content.encode()
        if isinstance(content, Path):
            resource_args: dict[str, Any] = {"data": None, "file": content, "size": content.stat().st_size}
        else:
            resource_args = {"data": content, "file": None, "size": len(content)}
        etag = _etag_of(content)
        with self._lock:
            self._last_modified = max(int(time.time()), self._last_modified + 1)
            self._resources[_normalise(path)] = _Resource(etag=etag, last_modified=self._last_modified,
                                                          **resource_args)
        return self.url(path)

    def unpublish(self, path: str) -> None:
        with self._lock:
            self._resources.pop(_normalise(path), None)

    def publish_stage3(self, tarball: Path) -> str:
        """Publish a stage3 with its DIGESTS (clear-signed when the server has a key) and point
        latest-stage3-*.txt at it; returns its URL."""
        timestamp = timestamp_of(tarball)
        path = mirror_layout.stage3_path(tarball.name, timestamp)
        url = self.publish(path, tarball)
        digests = mirror_layout.digests_text(tarball)
        self.publish(path + ".DIGESTS", self._signer.clearsign(digests) if self._signer else digests)
        self.publish(mirror_layout.LATEST_STAGE3,
                     mirror_layout.latest_stage3_text(tarball.name, timestamp, tarball.stat().st_size))
        return url

    def publish_snapshot(self, tarball: Path) -> str:
        """Publish a Portage snapshot with its ``.md5sum`` and (with a key) its ``.gpgsig``."""
        url = self.publish(mirror_layout.SNAPSHOT, tarball)
        self.publish(mirror_layout.SNAPSHOT_MD5SUM, mirror_layout.md5sum_text(tarball))
        if self._signer is not None:
            self.publish(mirror_layout.SNAPSHOT_SIGNATURE, self._signer.detached_signature(tarball))
        else:
            self.unpublish(mirror_layout.SNAPSHOT_SIGNATURE)
        return url

    def publish_overlay(self, tarball: Path) -> str:
        return self.publish(mirror_layout.OVERLAY, tarball)

    def publish_distfiles(self, directory: Path) -> None:
        """Serve every file of ``directory`` under ``distfiles/`` (flat, as its ``layout.conf`` says),
        where Portage looks for them through ``GENTOO_MIRRORS``."""
        self.publish(distfiles.LAYOUT_CONF, distfiles.LAYOUT_CONF_TEXT)
        for file in sorted(directory.iterdir()):
            if file.is_file() and not file.name.endswith(".part"):
                self.publish(distfiles.mirror_path(file.name), file)

    def corrupt_distfile(self, name: str) -> None:
        """Serve ``distfiles/<name>`` with one byte changed (same size): Portage's digest check
        must refuse it. Publish the file again to undo."""
        path = distfiles.mirror_path(name)
        with self._lock:
            resource = self._resources[_normalise(path)]
        data = resource.data if resource.data is not None else b"".join(resource.chunks())
        self.publish(path, distfiles.corrupted(data))

    def resource_headers(self, path: str) -> dict[str, str]:
        with self._lock:
            r = self._resources[_normalise(path)]
        return {"ETag": r.etag, "Last-Modified": formatdate(r.last_modified, usegmt=True),
                "Content-Length": str(r.size)}

    # -- faults and counters -----------------------------------------------------------------
    def drop_connection_after(self, path: str, nbytes: int, times: int = 1) -> None:
        """The next ``times`` GETs of ``path`` send full headers, ``nbytes`` of body, then drop."""
        with self._lock:
            self._drops.setdefault(_normalise(path), []).extend([nbytes] * times)

    def clear_faults(self) -> None:
        with self._lock:
            self._drops.clear()

    def request_count(self, path: str, method: str | None = None) -> int:
        key = _normalise(path)
        with self._lock:
            return sum(n for (m, p), n in self._counts.items() if p == key and method in (None, m))

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> "MirrorServer":
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, name="testbed-mirror", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def wait(self) -> None:
        """Block while the server runs (Ctrl-C interrupts)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.5)

    def __enter__(self) -> "MirrorServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- used by the request handler ---------------------------------------------------------
    def _lookup(self, method: str, path: str) -> tuple[_Resource | None, int | None]:
        key = _normalise(path)
        with self._lock:
            self._counts[(method, key)] += 1
            resource = self._resources.get(key)
            drop = None
            if method == "GET" and resource is not None and self._drops.get(key):
                drop = self._drops[key].pop(0)
        return resource, drop


def _not_modified(handler: BaseHTTPRequestHandler, r: _Resource) -> bool:
    inm = handler.headers.get("If-None-Match")
    if inm is not None:
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or r.etag in tags or f"W/{r.etag}" in tags
    ims = handler.headers.get("If-Modified-Since")
    if ims:
        try:
            return r.last_modified <= parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def _handler_for(server: MirrorServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "genpack-tui-testbed-mirror/1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            return

        def do_HEAD(self) -> None:
            self._serve(body=False)

        def do_GET(self) -> None:
            self._serve(body=True)

        def _serve(self, body: bool) -> None:
            resource, drop = server._lookup(self.command, self.path)
            if resource is None:
                message = b"not found\n"
                self.send_response(404)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(message)))
                self.end_headers()
                if body:
                    self.wfile.write(message)
                return
            headers = {"ETag": resource.etag, "Last-Modified": formatdate(resource.last_modified, usegmt=True)}
            if _not_modified(self, resource):
                self.send_response(304)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                return
            self.send_response(200)
            for k, v in headers.items():
                self.send_header(k, v)
            text = self.path.endswith((".txt", ".DIGESTS", ".md5sum"))
            self.send_header("Content-Type", "text/plain; charset=utf-8" if text else "application/octet-stream")
            self.send_header("Content-Length", str(resource.size))
            self.end_headers()
            if not body:
                return
            sent = 0
            for chunk in resource.chunks():
                if drop is not None and sent + len(chunk) >= drop:
                    self.wfile.write(chunk[:drop - sent])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(chunk)
                sent += len(chunk)

    return Handler
