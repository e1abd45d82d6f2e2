"""A real HTTP server on 127.0.0.1 serving canned feeds, for fetch and poller tests.

In a test's event loop:            In a thread (the test blocks, e.g. on a subprocess):

    async with FeedServer() as s:      with FeedServer() as s:
        s.set("/a.xml", b"<rss/>")         s.set("/a.xml", b"<rss/>")
        ... s.url("/a.xml") ...            subprocess.run([... s.url("/a.xml") ...])
        assert s.hits["/a.xml"] == 1

Routes can change while the server runs (from any thread); it answers 304 to a matching
If-None-Match / If-Modified-Since when the route has an ETag / Last-Modified.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from types import TracebackType

from aiohttp import web
from multidict import CIMultiDict

RSS = "application/rss+xml; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Route:
    """What the server answers on one path."""

    body: bytes = b""
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    chunked: bool = False
    repeat: int = 1
    interval: float = 0.0


@dataclass(frozen=True, slots=True)
class SeenRequest:
    """A request the server received (header names are case-insensitive)."""

    path: str
    headers: Mapping[str, str]


class FeedServer:
    """HTTP server with a mutable table of path → Route; counts hits per path."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.hits: Counter[str] = Counter()
        # Body bytes handed to the socket per path (streamed routes): how much a client read.
        self.written: Counter[str] = Counter()
        self.requests: list[SeenRequest] = []
        # (path, start, end) of each answered request, by the server's monotonic clock.
        self.spans: list[tuple[str, float, float]] = []
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def url(self, path: str = "/") -> str:
        """Absolute URL of `path` on this server."""
        return f"http://{self.host}:{self.port}{path}"

    def set(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        content_type: str | None = RSS,
        headers: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | float | None = None,
        delay: float = 0.0,
        chunked: bool = False,
        repeat: int = 1,
        interval: float = 0.0,
    ) -> None:
        """Serve `body` on `path` (replacing any route).

        `last_modified` may be a Unix time; `delay` sleeps before answering; `chunked` sends
        no Content-Length; `repeat` streams the body that many times (huge bodies, no memory),
        `interval` seconds apart (a trickling server).
        """
        all_headers = dict(headers or {})
        if content_type and status != 304:
            all_headers.setdefault("Content-Type", content_type)
        if isinstance(last_modified, int | float):
            last_modified = formatdate(last_modified, usegmt=True)
        raw = body.encode() if isinstance(body, str) else body
        route = Route(
            raw, status, all_headers, etag, last_modified, delay, chunked, repeat, interval
        )
        with self._lock:
            self._routes[path] = route

    def redirect(self, path: str, to: str, status: int = 302) -> None:
        """Answer `path` with a redirect to `to` (a path or URL)."""
        self.set(path, status=status, content_type=None, headers={"Location": to})

    def remove(self, path: str) -> None:
        """Stop serving `path` (it answers 404)."""
        with self._lock:
            self._routes.pop(path, None)

    def answered(self, path: str) -> bool:
        """Whether a request to `path` has been answered (or given up on) by now."""
        with self._lock:
            return any(span[0] == path for span in self.spans)

    def seen(self, path: str) -> list[SeenRequest]:
        """Requests received on `path`, oldest first."""
        with self._lock:
            return [request for request in self.requests if request.path == path]

    async def start(self) -> None:
        """Listen on a real socket (a free port unless one was given)."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # Handlers still sleeping (slow routes) must not hold up the end of a test.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        # Binding the socket ourselves gives the chosen free port without private attributes.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        """Close the socket and pending connections."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FeedServer:
        await self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def __enter__(self) -> FeedServer:
        """Run the server on its own event loop in a daemon thread."""
        ready = threading.Event()
        errors: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # reported to the starting thread below
                errors.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=serve, name="feed-server", daemon=True)
        self._thread.start()
        ready.wait(10)
        if errors:
            raise errors[0]
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = self._thread = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        started = time.monotonic()
        try:
            return await self._answer(request)
        finally:
            with self._lock:
                self.spans.append((request.path, started, time.monotonic()))

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        with self._lock:
            self.hits[path] += 1
            self.requests.append(SeenRequest(path, CIMultiDict(request.headers)))
            route = self._routes.get(path)
        if route is None:
            return web.Response(status=404, text="not found")
        if route.delay:
            await asyncio.sleep(route.delay)
        offered = {"ETag": route.etag, "Last-Modified": route.last_modified}
        validators = {name: value for name, value in offered.items() if value}
        if route.status == 200 and _not_modified(request, route):
            return web.Response(status=304, headers=validators)
        headers = {**route.headers, **validators}
        if not route.chunked and route.repeat == 1 and not route.interval:
            return web.Response(status=route.status, body=route.body, headers=headers)
        response = web.StreamResponse(status=route.status, headers=headers)
        response.enable_chunked_encoding()
        try:
            await response.prepare(request)
            for index in range(route.repeat):
                if index and route.interval:
                    await asyncio.sleep(route.interval)
                await response.write(route.body)
                with self._lock:
                    self.written[path] += len(route.body)
            await response.write_eof()
        except (ConnectionError, RuntimeError):
            pass  # the client hung up (a size cap did its job)
        return response


def _not_modified(request: web.Request, route: Route) -> bool:
    """True when the request's validators match the route (RFC 9110: ETag first)."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match and route.etag:
        tags = [tag.strip() for tag in if_none_match.split(",")]
        return "*" in tags or route.etag in tags
    if_modified_since = request.headers.get("If-Modified-Since")
    if if_modified_since and route.last_modified:
        try:
            since = parsedate_to_datetime(if_modified_since)
            modified = parsedate_to_datetime(route.last_modified)
        except (TypeError, ValueError):
            return False
        return modified <= since
    return False
