"""Download client: timeouts, bounded retries, conditional and resumable GETs, atomic replacement.

``fetch`` keeps genpack's cache contract (``<dest>.headers`` holds ``Last-Modified:… ETag:… Content-Length:…``
and the file is fetched again only when that changes) but asks the server with one conditional GET
instead of HEAD + GET, streams into ``<dest>.part``, and renames it over ``dest`` only when complete.
A failed or interrupted download leaves the previous ``dest`` and ``.headers`` as they were.
"""
from __future__ import annotations

import importlib.metadata
import os
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Callable, TypeVar

import httpx

from genpack_tui.engine.events import DownloadFinished, DownloadProgress, Event, EventSink
from genpack_tui.engine.runtime.confined import UnsafePathError

from .atomic_file import install, open_part, read_text_or_none, remove_file, write_text_atomic
from .errors import SourceError
from .header_info import HeaderInfo
from .progress import ProgressThrottle

CHUNK_SIZE = 64 * 1024
HEADERS_SUFFIX = ".headers"
PART_SUFFIX = ".part"
_T = TypeVar("_T")


def user_agent() -> str:
    try:
        version = importlib.metadata.version("genpack-tui")
    except importlib.metadata.PackageNotFoundError:
        version = "dev"
    return f"genpack-tui/{version}"


def headers_path(dest: Path) -> Path:
    return dest.with_name(dest.name + HEADERS_SUFFIX)


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + PART_SUFFIX)


def _ignore(_event: Event) -> None:
    return None


@dataclass(frozen=True)
class Timeouts:
    connect: float = 15.0
    read: float = 60.0  # longest silence tolerated between two pieces of data


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries in all; before try n+1 wait ``backoff * 2**(n-1)`` seconds, capped."""

    attempts: int = 4
    backoff: float = 1.0
    max_backoff: float = 30.0

    def delay(self, failed_attempt: int) -> float:
        return float(min(self.backoff * 2.0 ** (failed_attempt - 1), self.max_backoff))


@dataclass(frozen=True)
class FetchResult:
    path: Path
    info: str  # header identity of what is now at ``path``
    changed: bool  # True when a new file was downloaded
    size: int


class _Retryable(Exception):
    def __init__(self, error: SourceError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class _Transfer:
    """What survives between attempts of one fetch, so a retry can resume with a Range request."""

    info: HeaderInfo | None = None
    total: int | None = None
    validator: str = ""  # strong ETag or Last-Modified for If-Range; empty: cannot resume
    throttle: ProgressThrottle = field(default_factory=ProgressThrottle)
    last_reported: int = -1


def _status_reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "unexpected status"


def _transport_failure(url: str, exc: httpx.HTTPError, timeouts: Timeouts) -> SourceError:
    if isinstance(exc, httpx.ConnectTimeout):
        reason = f"connection timed out after {timeouts.connect:g} s"
    elif isinstance(exc, httpx.TimeoutException):
        reason = f"no data from the server for {timeouts.read:g} s (read timeout)"
    elif isinstance(exc, httpx.ConnectError):
        reason = f"cannot connect: {exc}"
    elif isinstance(exc, httpx.RemoteProtocolError):
        reason = f"connection broken by the server: {exc}"
    else:
        reason = f"network error: {exc}" if str(exc) else f"network error: {type(exc).__name__}"
    return SourceError(reason, url=url)


class DownloadClient:
    """One HTTP client for all downloads of a build. Use as a context manager or call ``close()``."""

    def __init__(
        self,
        *,
        timeouts: Timeouts = Timeouts(),
        retry: RetryPolicy = RetryPolicy(),
        progress_interval: float = 0.1,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.timeouts = timeouts
        self.retry = retry
        self._progress_interval = progress_interval
        self._sleep = sleep
        self._client = httpx.Client(
            # identity: the bytes on disk must be the file the server describes (size, DIGESTS)
            headers={"User-Agent": user_agent(), "Accept-Encoding": "identity"},
            timeout=httpx.Timeout(timeouts.read, connect=timeouts.connect),
            follow_redirects=True,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "DownloadClient":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- small requests ----------------------------------------------------------------------

    def head_info(self, url: str) -> str:
        """genpack's identity string for ``url`` from a HEAD request (a GET's headers if HEAD is refused)."""

        def attempt() -> str:
            response = self._client.head(url)
            if response.status_code in (405, 501):
                with self._client.stream("GET", url) as streamed:
                    self._check_status(url, streamed)
                    return HeaderInfo.from_headers(streamed.headers).format()
            self._check_status(url, response)
            return HeaderInfo.from_headers(response.headers).format()

        return self._with_retries(url, attempt)

    def get_bytes(self, url: str, *, missing_ok: bool = False, max_size: int = 16 * 1024 * 1024) -> bytes | None:
        """A small file in memory; None when ``missing_ok`` and the server says 404/410."""

        def attempt() -> bytes | None:
            with self._client.stream("GET", url) as response:
                if missing_ok and response.status_code in (404, 410):
                    return None
                self._check_status(url, response)
                data = bytearray()
                for chunk in response.iter_bytes(CHUNK_SIZE):
                    data += chunk
                    if len(data) > max_size:
                        raise SourceError(f"larger than {max_size} bytes, refusing to read it", url=url)
                return bytes(data)

        return self._with_retries(url, attempt)

    def get_text(self, url: str, *, missing_ok: bool = False) -> str | None:
        data = self.get_bytes(url, missing_ok=missing_ok)
        return None if data is None else data.decode("utf-8", errors="replace")

    # -- file downloads ------------------------------------------------------------------------

    def fetch(
        self,
        url: str,
        dest: Path | str,
        *,
        known_info: str | None = None,
        sink: EventSink | None = None,
        check: Callable[[Path], None] | None = None,
    ) -> FetchResult:
        """Bring ``dest`` up to date with ``url``.

        ``known_info`` is the identity of the file at ``dest`` (default: the content of
        ``<dest>.headers``). When the server still has that version, nothing is downloaded.
        ``check`` sees a complete new download before it replaces ``dest``; when it raises, the
        download is deleted and ``dest`` and its ``.headers`` stay as they were.
        """
        dest = Path(dest)
        emit = sink or _ignore
        if known_info is None:
            known_info = read_text_or_none(headers_path(dest))
        known = HeaderInfo.parse(known_info)
        if known is not None and not self._file_matches(dest, known):
            known = None
        part = part_path(dest)
        transfer = _Transfer(throttle=ProgressThrottle(self._progress_interval))
        try:
            remove_file(part)  # left by a killed earlier run; never trusted
            info = self._with_retries(url, lambda: self._attempt(url, part, known, transfer, emit))
            if info is None:
                assert known is not None
                return self._cached(url, dest, known, known_info or "", emit)
            if check is not None:
                check(part)
            return self._install(url, dest, part, info, transfer, emit)
        except BaseException:
            remove_file(part)
            raise

    @staticmethod
    def _file_matches(dest: Path, known: HeaderInfo) -> bool:
        try:
            size = dest.stat().st_size
        except FileNotFoundError:
            return False
        return known.size is None or known.size == size

    def _attempt(
        self, url: str, part: Path, known: HeaderInfo | None, transfer: _Transfer, emit: EventSink
    ) -> HeaderInfo | None:
        """One GET. Returns None when ``known`` is still current, else the new file's identity."""
        offset = part.stat().st_size if part.exists() else 0
        headers: dict[str, str] = {}
        resuming = offset > 0 and bool(transfer.validator)
        if resuming:
            headers["Range"] = f"bytes={offset}-"
            headers["If-Range"] = transfer.validator
        elif known is not None:
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        with self._client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304 and known is not None and not resuming:
                return None
            self._check_status(url, response)
            if response.status_code == 206:
                if not resuming or self._range_start(response) != offset:
                    transfer.validator = ""  # start over with a plain GET
                    remove_file(part)
                    raise _Retryable(SourceError("the server sent a part of the file that was not asked for", url=url))
                append = True
            elif response.status_code != 200:
                raise SourceError(f"unexpected answer HTTP {response.status_code}", url=url)
            else:
                info = HeaderInfo.from_headers(response.headers)
                if known is not None and info == known:
                    return None  # server ignores conditional requests but reports the same file
                transfer.info = info
                transfer.total = info.size
                transfer.validator = self._validator(info)
                offset, append = 0, False
            received = offset
            with open_part(part, append=append) as out:
                for chunk in response.iter_bytes():  # unbuffered: what arrived is on disk if the link breaks
                    out.write(chunk)
                    received += len(chunk)
                    if transfer.throttle.due():
                        emit(DownloadProgress(url=url, received=received, total=transfer.total))
                        transfer.last_reported = received
                out.flush()
                os.fsync(out.fileno())
        if transfer.total is not None and received != transfer.total:
            raise _Retryable(
                SourceError(f"incomplete download: received {received} of {transfer.total} bytes", url=url)
            )
        assert transfer.info is not None
        return transfer.info

    @staticmethod
    def _range_start(response: httpx.Response) -> int | None:
        value = response.headers.get("Content-Range", "")  # "bytes 100-199/200"
        try:
            unit, rest = value.split(" ", 1)
            return int(rest.split("-", 1)[0]) if unit == "bytes" else None
        except ValueError:
            return None

    @staticmethod
    def _validator(info: HeaderInfo) -> str:
        if info.etag and not info.etag.startswith("W/"):
            return info.etag
        return info.last_modified

    def _cached(self, url: str, dest: Path, known: HeaderInfo, known_info: str, emit: EventSink) -> FetchResult:
        hp = headers_path(dest)
        if read_text_or_none(hp) != known_info:
            write_text_atomic(hp, known.format())
        size = dest.stat().st_size
        emit(DownloadFinished(url=url, path=str(dest), size=size, cached=True))
        return FetchResult(path=dest, info=known.format(), changed=False, size=size)

    def _install(
        self, url: str, dest: Path, part: Path, info: HeaderInfo, transfer: _Transfer, emit: EventSink
    ) -> FetchResult:
        size = part.stat().st_size
        if transfer.last_reported != size:
            emit(DownloadProgress(url=url, received=size, total=transfer.total))
        hp = headers_path(dest)
        try:
            # drop the old identity first: a crash between the two renames then means "unknown, fetch again"
            remove_file(hp)
            install(part, dest)
            write_text_atomic(hp, info.format())
        except OSError as exc:
            raise SourceError(f"cannot store the download at {dest}: {exc.strerror or exc}", url=url) from None
        emit(DownloadFinished(url=url, path=str(dest), size=size, cached=False))
        return FetchResult(path=dest, info=info.format(), changed=True, size=size)

    # -- errors and retries --------------------------------------------------------------------

    @staticmethod
    def _check_status(url: str, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        error = SourceError(_status_reason(status), url=url, status=status)
        if status >= 500 or status == 429:
            raise _Retryable(error)
        raise error

    def _with_retries(self, url: str, attempt: Callable[[], _T]) -> _T:
        tries = max(1, self.retry.attempts)
        for number in range(1, tries + 1):
            try:
                try:
                    return attempt()
                except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                    raise SourceError(f"not a usable URL: {exc}", url=url) from None
                except httpx.TooManyRedirects:
                    raise SourceError("too many redirects", url=url) from None
                except (httpx.LocalProtocolError, httpx.ProxyError) as exc:
                    raise SourceError(f"request failed: {exc}", url=url) from None
                except httpx.TransportError as exc:
                    raise _Retryable(_transport_failure(url, exc, self.timeouts)) from None
                except httpx.HTTPError as exc:  # e.g. a body that does not decode
                    raise SourceError(f"bad answer from the server: {exc}", url=url) from None
                except (OSError, UnsafePathError) as exc:
                    raise SourceError(f"cannot write the download: {exc}", url=url) from None
            except _Retryable as failure:
                if number == tries:
                    if tries > 1:
                        raise SourceError(
                            f"{failure.error.reason} (gave up after {tries} attempts)",
                            url=failure.error.url,
                            status=failure.error.status,
                        ) from None
                    raise failure.error from None
                self._sleep(self.retry.delay(number))
        raise AssertionError("unreachable")


def head_info(url: str, **client_options: object) -> str:
    """genpack's identity string for ``url`` (a one-off client; reuse ``DownloadClient`` for many)."""
    with DownloadClient(**client_options) as client:  # type: ignore[arg-type]
        return client.head_info(url)


def fetch(
    url: str,
    dest: Path | str,
    *,
    known_info: str | None = None,
    sink: EventSink | None = None,
    client: DownloadClient | None = None,
    check: Callable[[Path], None] | None = None,
) -> FetchResult:
    """``DownloadClient.fetch`` with a one-off client unless ``client`` is given."""
    if client is not None:
        return client.fetch(url, dest, known_info=known_info, sink=sink, check=check)
    with DownloadClient() as own:
        return own.fetch(url, dest, known_info=known_info, sink=sink, check=check)
