"""The one place sources are fetched over the network: conditional, size-capped, never raising."""

from __future__ import annotations

import asyncio
import errno
import socket
import time
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import urlsplit

import httpx

from bot.ingest.decoding import ACCEPT_ENCODING, BodyDecoder, DecodeError, TooLarge

FetchStatus = Literal["ok", "not_modified", "error"]

DEFAULT_MAX_BYTES = 5_000_000
DEFAULT_USER_AGENT = "Relais/0.1 (+news relay bot)"
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9,"
    " application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)
# httpx timeouts bound each socket operation, so a server trickling bytes could hold a poll
# for ever; the whole exchange gets this many times the read timeout.
_TOTAL_TIME_FACTOR = 4


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one GET gave: a body, "not modified", or a short human-readable error."""

    status: FetchStatus
    url: str
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    http_status: int | None = None
    error: str | None = None
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """True when a body was received."""
        return self.status == "ok"


def make_client(
    *, timeout: float = 15.0, max_redirects: int = 5, user_agent: str = DEFAULT_USER_AGENT
) -> httpx.AsyncClient:
    """An HTTP client for sources: follows up to `max_redirects`, `timeout` s per operation."""
    return httpx.AsyncClient(
        timeout=timeout,
        follow_redirects=True,
        max_redirects=max_redirects,
        # Only codings BodyDecoder can decode under the cap; httpx would add br or zstd when
        # their packages are installed.
        headers={"User-Agent": user_agent, "Accept": _ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
    )


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    total_timeout: float | None = None,
) -> FetchResult:
    """Conditional GET of `url`, body capped at `max_bytes`; failures are results, not raises.

    `total_timeout` bounds the whole exchange (default: 4 × the client's read timeout).
    """
    started = time.monotonic()

    def failed(error: str, *, final_url: str = url, http_status: int | None = None) -> FetchResult:
        elapsed = time.monotonic() - started
        return FetchResult(
            "error", final_url, http_status=http_status, error=error, elapsed=elapsed
        )

    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError as exc:
        return failed(f"invalid URL: {exc}")
    if scheme not in ("http", "https"):
        return failed("not an http(s) URL")
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = total_timeout if total_timeout is not None else _total_timeout(client)
    try:
        async with asyncio.timeout(deadline):
            result = await _get(client, url.strip(), headers, max_bytes, started)
    except TimeoutError:
        return failed(f"timed out after {deadline:.1f} s")
    except httpx.TimeoutException as exc:
        return failed(f"timed out after {_timeout_of(client, exc):.1f} s")
    except httpx.TooManyRedirects:
        return failed(f"too many redirects (max {client.max_redirects})")
    except httpx.ConnectError as exc:
        return failed(_connect_error(exc))
    except httpx.UnsupportedProtocol as exc:
        return failed(f"unsupported redirect or URL: {exc}")
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, OSError, ValueError) as exc:
        return failed(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    if result.status == "not_modified":
        # A 304 may omit validators; the ones we sent are still the current ones.
        etag_now = result.etag or etag
        return replace(result, etag=etag_now, last_modified=result.last_modified or last_modified)
    return result


async def _get(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], max_bytes: int, started: float
) -> FetchResult:
    async with client.stream("GET", url, headers=headers) as response:
        final_url = str(response.url)
        common = {
            "url": final_url,
            "content_type": response.headers.get("content-type"),
            "etag": response.headers.get("etag"),
            "last_modified": response.headers.get("last-modified"),
            "http_status": response.status_code,
        }
        if response.status_code == 304:
            elapsed = time.monotonic() - started
            return FetchResult("not_modified", **common, elapsed=elapsed)
        if not 200 <= response.status_code < 300:
            elapsed = time.monotonic() - started
            error = f"HTTP {response.status_code}"
            return FetchResult("error", **common, error=error, elapsed=elapsed)
        too_big = f"response larger than {_megabytes(max_bytes)} cap"
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            elapsed = time.monotonic() - started
            return FetchResult("error", **common, error=too_big, elapsed=elapsed)
        try:
            body = await _read_capped(response, max_bytes)
        except TooLarge:
            error = too_big
        except DecodeError as exc:
            error = str(exc)
        else:
            elapsed = time.monotonic() - started
            return FetchResult("ok", **common, body=body, elapsed=elapsed)
        elapsed = time.monotonic() - started
        return FetchResult("error", **common, error=error, elapsed=elapsed)


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """The body decoded by us, not httpx: its decoder inflates a whole raw chunk at once."""
    decoder = BodyDecoder(response.headers.get("content-encoding"), max_bytes)
    chunks = []
    raw_size = 0
    async for raw in response.aiter_raw():
        raw_size += len(raw)
        if raw_size > max_bytes:
            raise TooLarge(f"raw body larger than {max_bytes} bytes")
        chunks.append(decoder.feed(raw))
    chunks.append(decoder.finish())
    return b"".join(chunks)


def _total_timeout(client: httpx.AsyncClient) -> float:
    read = client.timeout.read
    return _TOTAL_TIME_FACTOR * (read if read is not None else 15.0)


def _timeout_of(client: httpx.AsyncClient, exc: httpx.TimeoutException) -> float:
    """The configured limit that fired, for the message."""
    timeouts = client.timeout
    limit = {
        httpx.ConnectTimeout: timeouts.connect,
        httpx.WriteTimeout: timeouts.write,
        httpx.PoolTimeout: timeouts.pool,
    }.get(type(exc), timeouts.read)
    return limit if limit is not None else 0.0


def _connect_error(exc: BaseException) -> str:
    """A short reason for a failed connection, from the OS error underneath when there is one."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or (
            isinstance(seen, OSError) and seen.errno == errno.ECONNREFUSED
        ):
            return "connection refused"
        if isinstance(seen, socket.gaierror):
            return "could not resolve host"
        seen = seen.__cause__ or seen.__context__
    message = str(exc).lower()
    if "refused" in message:
        return "connection refused"
    if "name or service not known" in message or "nodename nor servname" in message:
        return "could not resolve host"
    return f"could not connect: {exc}" if str(exc) else "could not connect"


def _megabytes(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:g} MB"
    return f"{size / 1000:g} kB"
