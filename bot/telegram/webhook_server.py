"""The webhook's HTTP server: what anyone may send before the secret is checked is bounded."""

from __future__ import annotations

import errno
import hmac
import logging
import resource
import socket
import time
from asyncio import Future
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from http import HTTPStatus
from typing import Any

from tornado import httputil
from tornado.http1connection import HTTP1Connection, HTTP1ServerConnection
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream

log = logging.getLogger(__name__)

# Telegram's updates are a few kB; a document's is its metadata, never the file itself.
MAX_BODY = 1024 * 1024
MAX_HEADERS = 16 * 1024
# A request's headers must all arrive within this many seconds of its start (tornado waits
# an hour by default: a thousand trickling connections were never closed), its body as well.
HEADER_TIMEOUT = 10.0
BODY_TIMEOUT = 10.0
# Open connections at once. Telegram opens at most 100 (setWebhook's max_connections, 40 by
# default); past the cap the one waiting longest for its headers is closed to make room.
MAX_CONNECTIONS = 256
# Accepting fails while no file descriptor is left: stop listening that long, then retry.
ACCEPT_PAUSE = 1.0
# Repeated events (connections dropped, accepts failing) are logged at most this often.
LOG_EVERY = 60.0

_ANSWER = "HTTP/1.1 {} {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
_OUT_OF_FILES = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


def raise_file_limit() -> tuple[int, int]:
    """Raise the soft limit on open files to the hard one (systemd's soft default is 1,024);
    the limits afterwards."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as exc:
            log.warning("could not raise the open files limit from %d: %s", soft, exc)
        else:
            soft = target
    return soft, hard


def install(path: str, secret: str) -> None:
    """Make every tornado HTTPServer built from now on (PTB builds the webhook's with no
    settings) a GuardedServer for `path` and `secret`, with the limits above; at most half
    the open files limit in connections, whatever it is."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    HTTPServer.configure(
        GuardedServer,
        path=path,
        secret=secret,
        max_connections=max(8, min(MAX_CONNECTIONS, soft // 2)),
        max_body_size=MAX_BODY,
        max_header_size=MAX_HEADERS,
        idle_connection_timeout=HEADER_TIMEOUT,
        body_timeout=BODY_TIMEOUT,
        no_keep_alive=False,
    )


class _Throttled:
    """A log line for an event that may repeat a thousand times a second: the first one,
    then at most one per LOG_EVERY seconds with how many happened meanwhile."""

    def __init__(self, message: str) -> None:
        self._message = message
        self._last = -LOG_EVERY
        self._count = 0

    def __call__(self, *args: object) -> None:
        self._count += 1
        now = time.monotonic()
        if now - self._last >= LOG_EVERY:
            log.warning(self._message + " (%d in the last minute)", *args, self._count)
            self._last, self._count = now, 0


class GuardedServer(HTTPServer):
    """tornado's HTTPServer, refusing at the headers a request not for the webhook's path
    (404) or without its secret (403): a body up to MAX_BODY is read and dropped, a larger
    one never read (the connection closed). Open connections are capped, and accepting
    pauses instead of spinning when no file descriptor is left. Plain HTTP only: TLS ends
    in front of the bot."""

    def initialize(  # type: ignore[override]
        self,
        request_callback: Any,
        *,
        path: str,
        secret: str,
        max_connections: int = MAX_CONNECTIONS,
        **settings: Any,
    ) -> None:
        super().initialize(request_callback, **settings)
        if self.ssl_options is not None:
            raise ValueError("the webhook server serves plain HTTP: TLS ends in front of it")
        self.paths = {path.rstrip("/"), path.rstrip("/") + "/"}
        self.secret = secret.encode()
        self.max_connections = max_connections
        self._open = 0
        # Connections waiting for a request's headers, oldest first.
        self._waiting: dict[HTTP1ServerConnection, float] = {}
        self._listening: list[tuple[socket.socket, Callable[[], None]]] = []
        self._stopped = False
        self._dropped = _Throttled("%d connections open: closed the one idle longest")
        self._refused = _Throttled("%d connections open, none idle: refused a new one")
        self._no_files = _Throttled("cannot accept connections: %s; pausing %.0f s")

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> None:
        """Serve a new connection, making room first if the cap is reached."""
        if self._open >= self.max_connections:
            if not self._waiting:
                stream.close()  # every connection is busy with a request: refuse this one
                self._refused(self._open)
                return
            oldest = next(iter(self._waiting))
            del self._waiting[oldest]
            oldest.stream.close()
            self._dropped(self._open)
        self._open += 1
        super().handle_stream(stream, address)

    def start_request(
        self, server_conn: object, request_conn: httputil.HTTPConnection
    ) -> httputil.HTTPMessageDelegate:
        """Each request on a connection: checked at its headers before its body is read."""
        assert isinstance(server_conn, HTTP1ServerConnection)
        self._waiting.pop(server_conn, None)
        self._waiting[server_conn] = time.monotonic()
        inner = super().start_request(server_conn, request_conn)
        return _Gate(self, server_conn, request_conn, inner)

    def on_close(self, server_conn: object) -> None:
        """A connection ended."""
        assert isinstance(server_conn, HTTP1ServerConnection)
        self._open -= 1
        self._waiting.pop(server_conn, None)
        super().on_close(server_conn)

    def heard(self, server_conn: HTTP1ServerConnection) -> None:
        """A connection's request headers arrived: it is busy, not idle."""
        self._waiting.pop(server_conn, None)

    def refusal(
        self, start_line: httputil.RequestStartLine, headers: httputil.HTTPHeaders
    ) -> int | None:
        """None for Telegram's requests (the webhook's path with its secret), else the status
        to answer: 404 at any other path, 403 without the secret or with another method."""
        if start_line.path.partition("?")[0] not in self.paths:
            return 404
        given = headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode("latin-1", "replace")
        if start_line.method != "POST" or not hmac.compare_digest(given, self.secret):
            return 403
        return None

    # Listening: tornado's own accept loop logs a traceback per attempt and spins while no
    # file descriptor is left (835,206 tracebacks in 100 s); this one pauses and says so.
    def add_sockets(self, sockets: Iterable[socket.socket]) -> None:
        """Start accepting connections on `sockets`."""
        for sock in sockets:
            self._listen(sock)

    def _listen(self, sock: socket.socket) -> None:
        loop = IOLoop.current()
        fd = sock.fileno()
        loop.add_handler(sock, lambda _fd, _events: self._accept(sock), IOLoop.READ)

        def remove() -> None:
            loop.remove_handler(fd)

        self._listening.append((sock, remove))

    def _accept(self, sock: socket.socket) -> None:
        for _ in range(128):
            try:
                connection, address = sock.accept()
            except BlockingIOError:
                return
            except ConnectionAbortedError:
                continue
            except OSError as exc:
                if exc.errno not in _OUT_OF_FILES:
                    raise
                self._pause(sock, exc)
                return
            connection.setblocking(False)
            self._connected(connection, address)

    def _connected(self, connection: socket.socket, address: Any) -> None:
        stream = IOStream(
            connection, max_buffer_size=self.max_buffer_size, read_chunk_size=self.read_chunk_size
        )
        self.handle_stream(stream, address)

    def _pause(self, sock: socket.socket, exc: OSError) -> None:
        self._no_files(exc.strerror or exc, ACCEPT_PAUSE)
        for index, (listening, remove) in enumerate(self._listening):
            if listening is sock:
                remove()
                del self._listening[index]
                break
        IOLoop.current().call_later(ACCEPT_PAUSE, self._resume, sock)

    def _resume(self, sock: socket.socket) -> None:
        if sock.fileno() != -1 and not self._stopped:
            self._listen(sock)

    def stop(self) -> None:
        """Stop listening (open connections are closed by close_all_connections)."""
        self._stopped = True
        for sock, remove in self._listening:
            remove()
            sock.close()
        self._listening.clear()


def _close(stream: IOStream, written: Future[None]) -> None:
    if not written.cancelled():
        written.exception()  # a client gone already: nothing to tell it
    stream.close()


class _Gate(httputil.HTTPMessageDelegate):
    """One request: refused at its headers unless it is Telegram's, else passed through."""

    def __init__(
        self,
        server: GuardedServer,
        server_conn: HTTP1ServerConnection,
        request_conn: httputil.HTTPConnection,
        inner: httputil.HTTPMessageDelegate,
    ) -> None:
        self._server = server
        self._server_conn = server_conn
        self._request_conn = request_conn
        self._inner = inner
        self._refused: int | None = None

    def headers_received(
        self,
        start_line: httputil.RequestStartLine | httputil.ResponseStartLine,
        headers: httputil.HTTPHeaders,
    ) -> Awaitable[None] | None:
        self._server.heard(self._server_conn)
        assert isinstance(start_line, httputil.RequestStartLine)
        self._refused = self._server.refusal(start_line, headers)
        if self._refused is None:
            return self._inner.headers_received(start_line, headers)
        length = headers.get("Content-Length", "0")
        if length.isdigit() and int(length) <= MAX_BODY and "Transfer-Encoding" not in headers:
            return None  # a small body: read and dropped, then answered 403 (see finish)
        # A large body is never read: answered at once, the connection closed.
        if isinstance(self._request_conn, HTTP1Connection):
            stream = self._request_conn.detach()
            answer = _ANSWER.format(self._refused, HTTPStatus(self._refused).phrase).encode()
            stream.write(answer).add_done_callback(partial(_close, stream))
        return None

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        if self._refused is not None:
            return None
        return self._inner.data_received(chunk)

    def finish(self) -> None:
        if self._refused is None:
            self._inner.finish()
            return
        status = HTTPStatus(self._refused)
        self._request_conn.write_headers(
            httputil.ResponseStartLine("HTTP/1.1", status.value, status.phrase),
            httputil.HTTPHeaders({"Content-Length": "0"}),
        )
        self._request_conn.finish()

    def on_connection_close(self) -> None:
        if self._refused is None:
            self._inner.on_connection_close()
