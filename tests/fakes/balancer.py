"""A round-robin HTTP load balancer on 127.0.0.1, as replicas of a webhook bot sit behind."""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

# Hop-by-hop headers (RFC 9110 7.6.1) and those aiohttp sets itself are not passed on.
_DROPPED = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host", "content-length"}
)


@dataclass(frozen=True, slots=True)
class Routed:
    """One request and the backend that answered it (None: no backend could be reached)."""

    backend: int | None
    status: int
    body: bytes

    def json(self) -> Any:
        """The request body as JSON (an Update, for a webhook)."""
        return json.loads(self.body)


class RoundRobinProxy:
    """Sends each request to the next backend in turn, and on to the following one when a
    backend refuses the connection (as nginx's `proxy_next_upstream error` does); a backend
    that took the request and then failed is not tried again (POST is not idempotent).
    `routed` records where every request went.
    """

    def __init__(self, backends: list[str], host: str = "127.0.0.1") -> None:
        self.backends = list(backends)
        self.host = host
        self.port = 0
        self.routed: list[Routed] = []
        self._next = 0
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        """Root URL of the balancer."""
        return f"http://{self.host}:{self.port}"

    async def __aenter__(self) -> RoundRobinProxy:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROPPED}
        for _ in range(len(self.backends)):
            index = self._next % len(self.backends)
            self._next += 1
            url = self.backends[index] + request.rel_url.raw_path_qs
            try:
                async with self._session.request(
                    request.method, url, data=body, headers=headers
                ) as answer:
                    content = await answer.read()
                    self.routed.append(Routed(index, answer.status, body))
                    return web.Response(status=answer.status, body=content, reason=answer.reason)
            except aiohttp.ClientConnectorError:
                continue
        self.routed.append(Routed(None, 502, body))
        return web.Response(status=502, reason="Bad Gateway")
