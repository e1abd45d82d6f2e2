"""Article pages fetched politely: one at a time per host, a gap between them, robots.txt obeyed.

The same client and safety as feeds (address checks at every connection for sources added
from Telegram, size and decoding caps, deadlines); a page that cannot be had is a failure
code, never a raise.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from bot.ingest.fetch import DEFAULT_USER_AGENT, FetchResult, fetch

# Failure codes, stored with the post and counted per source in /status: gone, http,
# timeout, too_big, not_html, robots, refused, unreachable, empty, unreadable ("not_html",
# "empty" and "unreadable" also come from the extractor, bot/ingest/page.py).
PAGE_MAX_BYTES = 3_000_000
ROBOTS_MAX_BYTES = 500_000
ROBOTS_LIFETIME = 86_400.0
_SERVER_ERROR_LIFETIME = 3_600.0
PAGE_SLOTS = 4
# Failures where no connection was made: the host was asked nothing.
_NOT_CONNECTED = ("unreachable", "refused")
_ACCEPT_HTML = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True, slots=True)
class PageFetch:
    """A fetched page (its body, final URL and type) or the code of why there is none."""

    url: str
    body: bytes = b""
    content_type: str | None = None
    failure: str | None = None
    elapsed: float = 0.0


@dataclass(slots=True)
class Turn:
    """One request's turn at a host; `reached` False when no connection was made (nothing
    was asked of the host, so the next request need not keep the gap)."""

    reached: bool = True


class HostTurns:
    """One request at a time per host, `gap` seconds between the end of one and the next."""

    def __init__(self, gap: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._gap = gap
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    @asynccontextmanager
    async def turn(self, host: str) -> AsyncIterator[Turn]:
        """Hold `host` for one request, once the gap since its previous one has passed."""
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with lock:
            last = self._last.get(host)
            if last is not None:
                wait = last + self._gap - self._clock()
                if wait > 0:
                    await asyncio.sleep(wait)
            turn = Turn()
            try:
                yield turn
            finally:
                if turn.reached:
                    self._last[host] = self._clock()


class Robots:
    """robots.txt of each host, fetched once and kept a day, asked for our user agent.

    RFC 9309: a 4xx (no robots.txt) allows everything; a 5xx disallows everything for an
    hour. A host that cannot be reached at all is not cached: its page fails as such.
    """

    def __init__(
        self, user_agent: str = DEFAULT_USER_AGENT, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._agent = user_agent
        self._clock = clock
        self._rules: dict[str, tuple[float, RobotFileParser | bool]] = {}

    def known(self, origin: str) -> bool:
        """True when `origin`'s rules are cached and fresh."""
        entry = self._rules.get(origin)
        return entry is not None and self._clock() - entry[0] < ROBOTS_LIFETIME

    async def load(
        self, client: httpx.AsyncClient, origin: str, deadline: float
    ) -> FetchResult | None:
        """Fetch and cache `origin`'s robots.txt (`origin` is scheme://host[:port]); the
        failed fetch when the host gave no answer at all (nothing is cached then)."""
        result = await fetch(
            client, origin + "/robots.txt", max_bytes=ROBOTS_MAX_BYTES, total_timeout=deadline,
            accept="text/plain, */*;q=0.5",
        )  # fmt: skip
        if not result.ok and result.http_status is None:
            return result
        rules = _rules_of(result)
        # A 5xx is kept an hour only: the lifetime counts from this back-dated moment.
        moment = self._clock() - (ROBOTS_LIFETIME - _SERVER_ERROR_LIFETIME) * (rules is False)
        self._rules[origin] = (moment, rules)
        return None

    def allows(self, origin: str, url: str) -> bool:
        """Whether our user agent may fetch `url` (rules not loaded: yes)."""
        entry = self._rules.get(origin)
        if entry is None:
            return True
        rules = entry[1]
        return rules if isinstance(rules, bool) else rules.can_fetch(self._agent, url)


def _rules_of(result: FetchResult) -> RobotFileParser | bool:
    if result.ok:
        parser = RobotFileParser()
        parser.parse(result.body.decode("utf-8", errors="replace").splitlines())
        return parser
    status = result.http_status
    return status is not None and 400 <= status < 500


class PageFetcher:
    """Fetches article pages with the feeds' safety, politely (see HostTurns and Robots).

    `public_only` is the client for pages of sources added from Telegram; without it
    (ALLOW_PRIVATE_SOURCES=1) they use `client` like the others.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        public_only: httpx.AsyncClient | None = None,
        gap: float = 5.0,
        deadline: float = 30.0,
        max_bytes: int = PAGE_MAX_BYTES,
        user_agent: str = DEFAULT_USER_AGENT,
        slots: int = PAGE_SLOTS,
    ) -> None:
        self._client = client
        self._public_only = public_only
        self._deadline = deadline
        self._max_bytes = max_bytes
        self.turns = HostTurns(gap)
        self.robots = Robots(user_agent)
        self._slots = asyncio.Semaphore(slots)

    async def fetch(self, url: str, *, untrusted: bool = False) -> PageFetch:
        """The page at `url`, or a failure code; `untrusted` for sources added from Telegram."""
        try:
            parts = urlsplit(url.strip())
            host = (parts.hostname or "").lower()
            origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        except ValueError:
            return PageFetch(url, failure="unreachable")
        if parts.scheme.lower() not in ("http", "https") or not host:
            return PageFetch(url, failure="unreachable")
        client = self._public_only if untrusted and self._public_only is not None else self._client
        # robots.txt is read in the page's turn: it is no page, so no gap before the page.
        async with self.turns.turn(parts.netloc.lower()) as turn, self._slots:
            if not self.robots.known(origin):
                unreachable = await self.robots.load(client, origin, self._deadline)
                if unreachable is not None:
                    page = PageFetch(url, failure=failure_code(unreachable))
                    turn.reached = page.failure not in _NOT_CONNECTED
                    return page
            if not self.robots.allows(origin, url):
                return PageFetch(url, failure="robots")
            result = await fetch(
                client, url, max_bytes=self._max_bytes, total_timeout=self._deadline,
                accept=_ACCEPT_HTML,
            )  # fmt: skip
            page = _page_of(result)
            turn.reached = page.failure not in _NOT_CONNECTED
        return page


def _page_of(result: FetchResult) -> PageFetch:
    if not result.ok:
        return PageFetch(result.url, failure=failure_code(result), elapsed=result.elapsed)
    media = (result.content_type or "").split(";")[0].strip().lower()
    if media and media not in _HTML_TYPES:
        return PageFetch(result.url, failure="not_html", elapsed=result.elapsed)
    return PageFetch(result.url, result.body, result.content_type, elapsed=result.elapsed)


def failure_code(result: FetchResult) -> str:
    """The failure code of a fetch that gave no body (FAILURES)."""
    error = (result.error or "").lower()
    if result.http_status in (404, 410):
        return "gone"
    if "larger than" in error:
        return "too_big"
    if "timed out" in error:
        return "timeout"
    if result.http_status is not None:
        return "http"
    # A page of a source added from Telegram that leads to a private address (its own or
    # a redirect's): the address policy's refusal (see addresses.Refusal).
    return "refused" if error.startswith("refused:") else "unreachable"
