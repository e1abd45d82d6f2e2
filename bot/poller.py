"""Poll sources on their intervals: fetch, parse off the loop, store and plan, back off."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from bot.ingest.fetch import FetchResult, fetch
from bot.loader import parse_bytes
from bot.models import Source, SourceState
from bot.push import plan_deliveries
from bot.store import Store

log = logging.getLogger(__name__)

FAILURES_BEFORE_ALERT = 3
MAX_BACKOFF = 86_400
MAX_PARALLEL = 4

Alert = Callable[[SourceState, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What one poll of one source did."""

    source: str
    status: str  # "new", "unchanged", "not_modified", "error"
    new: int = 0
    planned: int = 0
    skipped: int = 0
    error: str | None = None


async def sync_sources(store: Store, sources: Sequence[Source], default_interval: int) -> None:
    """Make the configured sources (SOURCES_FILE) polled sources of the store."""
    for source in sources:
        assert source.url is not None
        await store.configure_source(
            source.name, source.url, kind=source.kind, interval=source.interval or default_interval
        )


def backoff(interval: int, failures: int) -> int:
    """Seconds before the next try after `failures` failures in a row, capped at a day."""
    return min(interval * 2 ** min(failures, 20), MAX_BACKOFF)


class Poller:
    """Polls due sources; one failing source never stops the others."""

    def __init__(
        self,
        store: Store,
        client: httpx.AsyncClient,
        *,
        tz: ZoneInfo,
        default_interval: int,
        on_new: Callable[[], None] | None = None,
        on_failing: Alert | None = None,
        on_recovered: Alert | None = None,
    ) -> None:
        self._store = store
        self._client = client
        self._tz = tz
        self._default_interval = default_interval
        self._on_new = on_new
        self._on_failing = on_failing
        self._on_recovered = on_recovered
        self._running: set[int] = set()
        self._parallel = asyncio.Semaphore(MAX_PARALLEL)

    async def tick(self) -> list[PollOutcome]:
        """Poll every source whose time has come (not those already being polled)."""
        now = datetime.now(UTC)
        due = [
            source
            for source in await self._store.polled_sources()
            if source.id not in self._running
            and (source.next_poll is None or source.next_poll <= now)
        ]
        return list(await asyncio.gather(*(self._guarded(source) for source in due)))

    async def _guarded(self, source: SourceState) -> PollOutcome:
        self._running.add(source.id)
        try:
            async with self._parallel:
                return await self.poll(source)
        except Exception as exc:  # a bug here must cost one poll, never the poller
            log.exception("polling %s failed unexpectedly", source.name)
            return await self._failed(source, f"internal error: {exc!r}")
        finally:
            self._running.discard(source.id)

    async def poll(self, source: SourceState) -> PollOutcome:
        """Fetch one source with its validators, store what is new, plan its deliveries."""
        assert source.url is not None
        interval = source.interval or self._default_interval
        fetched = await fetch(
            self._client, source.url, etag=source.etag, last_modified=source.last_modified
        )
        if fetched.status == "error":
            return await self._failed(source, fetched.error or "fetch failed")
        now = datetime.now(UTC)
        if fetched.status == "not_modified":
            await self._succeeded(source, now + timedelta(seconds=interval), fetched)
            return PollOutcome(source.name, "not_modified")
        parsed = await asyncio.to_thread(
            parse_bytes,
            fetched.body,
            tz=self._tz,
            today=date.today(),
            content_type=fetched.content_type,
            base_url=fetched.url,
            source=source.name,
        )
        if isinstance(parsed, str):
            return await self._failed(source, parsed)
        for skip in parsed.skipped:
            log.info("%s: skipped %s: %s", source.name, skip.where, skip.reason)
        # The first fetch of a new source only records what is there: nothing is new yet.
        plan = plan_deliveries if source.primed else None
        summary = await self._store.upsert_posts(source.id, parsed.posts, plan=plan)
        await self._succeeded(source, now + timedelta(seconds=interval), fetched)
        if summary.planned and self._on_new is not None:
            self._on_new()
        status = "new" if summary.new else "unchanged"
        return PollOutcome(source.name, status, summary.new, summary.planned, len(parsed.skipped))

    async def _succeeded(
        self, source: SourceState, next_poll: datetime, fetched: FetchResult
    ) -> None:
        await self._store.record_poll(
            source.id,
            next_poll=next_poll,
            success=datetime.now(UTC),
            etag=fetched.etag,
            last_modified=fetched.last_modified,
        )
        if source.failing and self._on_recovered is not None:
            await self._on_recovered(source, "")

    async def _failed(self, source: SourceState, error: str) -> PollOutcome:
        failures = source.error_count + 1
        interval = source.interval or self._default_interval
        failing = failures >= FAILURES_BEFORE_ALERT
        await self._store.record_poll(
            source.id,
            next_poll=datetime.now(UTC) + timedelta(seconds=backoff(interval, failures)),
            error=error,
            failing=failing,
        )
        log.warning("%s: poll failed (%d in a row): %s", source.name, failures, error)
        if failing and not source.failing and self._on_failing is not None:
            await self._on_failing(source, error)
        return PollOutcome(source.name, "error", error=error)
