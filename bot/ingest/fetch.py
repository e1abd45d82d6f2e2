"""The one place sources are fetched over the network: conditional, size-capped, never raising."""

from __future__ import annotations

import asyncio
import errno
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from ipaddress import ip_address
from typing import Any, Literal
from urllib.parse import urlsplit

import httpcore
import httpx

from bot.ingest.addresses import (
    Address,
    AddressPolicy,
    Refusal,
    literal_address,
    odd_numeric_host,
)
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
RESOLVE_TIMEOUT = 10.0


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
    *,
    timeout: float = 15.0,
    max_redirects: int = 5,
    user_agent: str = DEFAULT_USER_AGENT,
    policy: AddressPolicy | None = None,
) -> httpx.AsyncClient:
    """An HTTP client for sources: follows up to `max_redirects`, `timeout` s per operation.

    With a `policy`, every connection (redirects included) goes only to addresses it allows;
    environment proxies are then ignored, since a proxy would connect in our stead.
    """
    return httpx.AsyncClient(
        timeout=timeout,
        follow_redirects=True,
        max_redirects=max_redirects,
        # Only codings BodyDecoder can decode under the cap; httpx would add br or zstd when
        # their packages are installed.
        headers={"User-Agent": user_agent, "Accept": _ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
        transport=None if policy is None else _PublicTransport(policy),
        trust_env=policy is None,
    )


async def check_public(
    url: str, policy: AddressPolicy, *, resolve_timeout: float = RESOLVE_TIMEOUT
) -> Refusal | None:
    """Why `url` may not be a source added from Telegram, or None when all its addresses are
    public (the host is resolved now; fetches check again at every connection)."""
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return Refusal("scheme")
    if parts.scheme.lower() not in ("http", "https") or not host:
        return Refusal("scheme")
    if odd_numeric_host(host):
        return Refusal("numeric", host)
    try:
        async with asyncio.timeout(resolve_timeout):
            addresses = await resolve(host, port or (443 if parts.scheme == "https" else 80))
    except (OSError, TimeoutError, UnicodeError):
        return Refusal("unresolved", host)
    return policy.refusal(host, addresses) if addresses else Refusal("unresolved", host)


async def resolve(host: str, port: int) -> list[Address]:
    """The addresses `host` resolves to, in the resolver's order (a literal is itself)."""
    literal = literal_address(host)
    if literal is not None:
        return [literal]
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ip_address(str(info[4][0]).split("%")[0]) for info in infos))


class RefusedAddress(httpcore.ConnectError):
    """A connection the address policy refused."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(str(refusal))
        self.refusal = refusal


class _PublicOnly(httpcore.AsyncNetworkBackend):
    """Resolves, checks every address, then connects to those very addresses: a DNS answer
    that changes between check and connect (rebinding) cannot slip a private one in."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._backend = httpcore.AnyIOBackend()

    # httpcore's interface names the connect deadline `timeout` (ASYNC109 does not apply).
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await resolve(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        refusal = self._policy.refusal(host, addresses)
        if refusal is not None:
            raise RefusedAddress(refusal)
        failure: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:
            try:
                return await self._backend.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's name)
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("sources are not reached through unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class _PublicTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, but its connection pool connects through _PublicOnly."""

    def __init__(self, policy: AddressPolicy) -> None:
        super().__init__(trust_env=False)
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        # httpx has no public way to hand its pool a network backend, so the pool it built is
        # replaced by the same one with ours (httpx is pinned below 0.29; a test proves it).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_PublicOnly(policy),
        )


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    total_timeout: float | None = None,
    accept: str | None = None,
) -> FetchResult:
    """Conditional GET of `url`, body capped at `max_bytes`; failures are results, not raises.

    `total_timeout` bounds the whole exchange (default: 4 × the client's read timeout);
    `accept` replaces the client's Accept header (pages ask for HTML, not feeds).
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
    headers = {} if accept is None else {"Accept": accept}
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

        def result(status: FetchStatus, body: bytes = b"", error: str | None = None) -> FetchResult:
            return FetchResult(
                status,
                str(response.url),
                body,
                response.headers.get("content-type"),
                response.headers.get("etag"),
                response.headers.get("last-modified"),
                response.status_code,
                error,
                time.monotonic() - started,
            )

        if response.status_code == 304:
            return result("not_modified")
        if not 200 <= response.status_code < 300:
            return result("error", error=f"HTTP {response.status_code}")
        too_big = f"response larger than {_megabytes(max_bytes)} cap"
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            return result("error", error=too_big)
        try:
            return result("ok", await _read_capped(response, max_bytes))
        except TooLarge:
            return result("error", error=too_big)
        except DecodeError as exc:
            return result("error", error=str(exc))


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
        if isinstance(seen, RefusedAddress):
            return str(seen.refusal)
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
