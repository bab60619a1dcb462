"""Downloading one publisher file: over HTTP(S) with httpx, or from a local path.

What a download goes through before its bytes are handed on:

* timeouts (connect and read) and retries with exponential backoff and jitter on connection
  errors, timeouts, truncated bodies, HTTP 408/429/5xx (``Retry-After`` honoured, capped);
  any other HTTP error is final at once;
* conditional requests: the ETag and Last-Modified of the last accepted download are sent as
  ``If-None-Match`` / ``If-Modified-Since``; a 304 means "not modified" and nothing is read;
* a content-type check (an HTML page is never a list: a portal, a login wall, an error page),
  and a sniff of the first bytes for HTML whatever the header says;
* a size cap on the bytes after decompression, whether the server compressed the transfer
  (``Content-Encoding: gzip``) or serves a ``.gz`` file: a gzip bomb stops at the cap, never
  fills memory;
* progress reported through a callback (``received``, ``total``), so the caller draws the bar.

Nothing here parses: :mod:`.validate` does.
"""

from __future__ import annotations

import email.utils
import random
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from .. import __version__

ProgressFn = Callable[[int, "int | None"], None]

MiB = 1 << 20
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 120.0


@dataclass(frozen=True, slots=True)
class FetchOptions:
    timeout: float = 60.0  # seconds without a byte before a read gives up; connect: min(timeout, 15)
    retries: int = 3  # attempts after the first
    backoff: float = 1.0  # first wait between attempts, doubled each time (plus up to 25% jitter)
    max_bytes: int = 512 * MiB  # cap on the bytes after decompression
    user_agent: str = f"clearway/{__version__} (restricted-party list update)"


@dataclass(slots=True)
class Validators:
    """What the publisher said identifies the last accepted download."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        h = {}
        if self.etag:
            h["If-None-Match"] = self.etag
        if self.last_modified:
            h["If-Modified-Since"] = self.last_modified
        return h


@dataclass(slots=True)
class Fetched:
    location: str  # the final URL (after redirects) or the file's path
    not_modified: bool = False
    data: bytes = b""  # decompressed
    content_type: str = ""
    validators: Validators = field(default_factory=Validators)
    attempts: int = 1
    wire_bytes: int = 0  # bytes received (before decompression)

    @property
    def last_modified_date(self) -> str:
        """The publisher's Last-Modified as an ISO date, or ''."""
        if not self.validators.last_modified:
            return ""
        try:
            return email.utils.parsedate_to_datetime(self.validators.last_modified).date().isoformat()
        except (TypeError, ValueError, IndexError):
            return ""


class FetchError(Exception):
    """A download that failed; ``str()`` says why in one line."""

    def __init__(self, message: str, *, retryable: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


def is_url(location: str) -> bool:
    return urlsplit(location).scheme in ("http", "https")


def local_path(location: str) -> Path:
    parts = urlsplit(location)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    return Path(location).expanduser()


# ---------------------------------------------------------------- decompression with a cap


def _over_cap(max_bytes: int) -> FetchError:
    cap = f"{max_bytes / MiB:,.0f} MiB" if max_bytes >= MiB else f"{max_bytes:,} bytes"
    return FetchError(f"the file is larger than the {cap} cap once decompressed "
                      "(a gzip bomb? raise CLEARWAY_MAX_DOWNLOAD_MB if the list really is that big)")


def gunzip_capped(data: bytes, max_bytes: int) -> bytes:
    """Undo gzip (every member) without ever holding more than ``max_bytes`` of output."""
    if data[:2] != b"\x1f\x8b":
        if len(data) > max_bytes:
            raise _over_cap(max_bytes)
        return data
    out: list[bytes] = []
    size = 0
    rest = data
    try:
        while rest[:2] == b"\x1f\x8b":
            d = zlib.decompressobj(wbits=31)
            chunk_in = rest
            while True:
                piece = d.decompress(chunk_in, max_bytes + 1 - size)
                size += len(piece)
                out.append(piece)
                if size > max_bytes:
                    raise _over_cap(max_bytes)
                if d.eof:
                    rest = d.unused_data
                    break
                if not d.unconsumed_tail and not piece:
                    # All input consumed, nothing more to come out, and the stream did not end.
                    raise FetchError("the gzip data is truncated (the download was cut off)")
                chunk_in = d.unconsumed_tail
    except zlib.error as exc:
        raise FetchError(f"the gzip data is corrupt ({exc})") from None
    return b"".join(out)


def _looks_like_html(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


def _check_body(data: bytes, what: str) -> None:
    if _looks_like_html(data):
        raise FetchError(f"{what} is an HTML page, not a list file (a portal, an error or a moved page)")


# ---------------------------------------------------------------- local files


def read_local(location: str, options: FetchOptions, progress: ProgressFn | None = None) -> Fetched:
    path = local_path(location)
    if not path.exists():
        raise FetchError(f"file not found: {path}")
    if not path.is_file():
        raise FetchError(f"not a file: {path}")
    size = path.stat().st_size
    if size > options.max_bytes:
        raise _over_cap(options.max_bytes)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FetchError(f"cannot read {path}: {exc.strerror or exc}") from None
    if progress:
        progress(len(raw), len(raw))
    data = gunzip_capped(raw, options.max_bytes)
    _check_body(data, str(path))
    return Fetched(location=str(path), data=data, wire_bytes=len(raw))


# ---------------------------------------------------------------- HTTP


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _attempt(client: httpx.Client, url: str, validators: Validators | None, options: FetchOptions,
             accept: Callable[[str], bool] | None, progress: ProgressFn | None) -> Fetched:
    headers = {"User-Agent": options.user_agent, "Accept-Encoding": "gzip, deflate"}
    if validators:
        headers.update(validators.headers())
    try:
        with client.stream("GET", url, headers=headers) as resp:
            final = str(resp.url)
            if resp.status_code == 304:
                return Fetched(location=final, not_modified=True, validators=validators or Validators())
            if resp.status_code != 200:
                reason = resp.reason_phrase or ""
                msg = f"HTTP {resp.status_code}{' ' + reason if reason else ''} from {final}"
                if resp.status_code in RETRY_STATUS:
                    raise FetchError(msg, retryable=True, retry_after=_retry_after(resp.headers.get("retry-after")))
                raise FetchError(msg)
            ctype = resp.headers.get("content-type", "")
            if accept is not None and not accept(ctype):
                raise FetchError(f"unexpected content type {ctype.split(';')[0]!r} from {final}")
            declared = resp.headers.get("content-length")
            total = int(declared) if declared and declared.isdigit() else None
            encoded = resp.headers.get("content-encoding", "").lower() not in ("", "identity")
            if total is not None and not encoded and total > options.max_bytes:
                raise _over_cap(options.max_bytes)
            chunks: list[bytes] = []
            size = 0
            for chunk in resp.iter_bytes():  # decoded: Content-Encoding undone, chunk by chunk
                size += len(chunk)
                if size > options.max_bytes:
                    raise _over_cap(options.max_bytes)
                chunks.append(chunk)
                if progress:
                    progress(resp.num_bytes_downloaded, total)
            wire = resp.num_bytes_downloaded
            v = Validators(resp.headers.get("etag"), resp.headers.get("last-modified"))
    except httpx.TimeoutException as exc:
        kind = type(exc).__name__.replace("Timeout", " timeout").lower().strip()
        raise FetchError(f"{kind} after {options.timeout:g} s from {url}", retryable=True) from None
    except httpx.RemoteProtocolError as exc:
        raise FetchError(f"the download was cut off ({exc})", retryable=True) from None
    except httpx.DecodingError as exc:
        raise FetchError(f"the compressed transfer is corrupt ({exc})", retryable=True) from None
    except httpx.ConnectError as exc:
        raise FetchError(f"cannot connect to {urlsplit(url).netloc} ({exc})", retryable=True) from None
    except httpx.TransportError as exc:
        raise FetchError(f"network error from {urlsplit(url).netloc} ({type(exc).__name__}: {exc})",
                         retryable=True) from None
    data = gunzip_capped(b"".join(chunks), options.max_bytes)
    _check_body(data, f"the response from {final}")
    return Fetched(location=final, data=data, content_type=ctype, validators=v, wire_bytes=wire)


def fetch(location: str, *, validators: Validators | None = None, options: FetchOptions | None = None,
          accept: Callable[[str], bool] | None = None, progress: ProgressFn | None = None,
          client: httpx.Client | None = None, sleep: Callable[[float], None] = time.sleep) -> Fetched:
    """Download ``location`` (an http(s) URL, a ``file://`` URL or a local path).

    Raises :class:`FetchError` with the reason once every attempt has failed.
    """
    options = options or FetchOptions()
    if not is_url(location):
        return read_local(location, options, progress)
    own = client is None
    if client is None:
        client = httpx.Client(
            timeout=httpx.Timeout(options.timeout, connect=min(options.timeout, 15.0)),
            follow_redirects=True, max_redirects=10, trust_env=True)
    try:
        attempt = 0
        while True:
            attempt += 1
            try:
                got = _attempt(client, location, validators, options, accept, progress)
                got.attempts = attempt
                return got
            except FetchError as exc:
                if not exc.retryable or attempt > options.retries:
                    if attempt > 1:
                        raise FetchError(f"{exc} (after {attempt} attempts)") from None
                    raise
                wait = options.backoff * (2 ** (attempt - 1))
                wait *= 1 + random.random() * 0.25
                if exc.retry_after is not None:
                    wait = max(wait, min(exc.retry_after, MAX_RETRY_AFTER))
                sleep(wait)
    finally:
        if own:
            client.close()
