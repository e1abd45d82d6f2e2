"""Poll each source on its own schedule: fetch in lanes, parse off the loop, store, back off."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from bot import errors
from bot.delivery.planning import PUSH_CAP, match_filters
from bot.ingest.fetch import FetchResult, fetch
from bot.ingest.inputs import NotPosts, parse_input
from bot.ingest.lanes import FetchLanes, TooSlow
from bot.ingest.teaser import consistently_cut, wants_page
from bot.models import LoadSummary, Post, Source, SourceState
from bot.outages import FailureLog
from bot.polling.fulltext import PageWorker
from bot.store import Store
from bot.store.errors import database_unavailable

log = logging.getLogger(__name__)

FAILURES_BEFORE_ALERT = 3
MAX_BACKOFF = 86_400
# How often the list of sources is read again (added and removed ones), and the longest
# sleep of a source's task before it looks at its schedule again.
REFRESH = 2.0
MAX_SLEEP = 60.0

Alert = Callable[[SourceState, str], Awaitable[None]]
_Identity = tuple[str | None, str]


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
            source.name,
            source.url,
            kind=source.kind,
            interval=source.interval or default_interval,
            origin="file",
            timezone=source.timezone,
            full_text=source.full_text,
        )


async def store_and_plan(
    store: Store,
    source_id: int,
    posts: Sequence[Post],
    *,
    plan: bool = True,
    wants_page: Callable[[Post], bool] | None = None,
) -> LoadSummary:
    """Store a poll's posts and, with `plan`, owe the new ones to the source's subscribers:
    a crash loses neither the posts nor their deliveries, nor sends a post twice.

    The posts and what they owe are recorded in one transaction (`record_poll`); the outbox
    rows are written after it, in transactions of 5,000 subscriptions each, so no write
    holds the database long. `summary.planned` counts the rows written.
    """
    summary, fanout = await record_poll(store, source_id, posts, plan=plan, wants_page=wants_page)
    if fanout is not None:
        summary.planned = await store.fan_out(fanout)
    return summary


async def record_poll(
    store: Store,
    source_id: int,
    posts: Sequence[Post],
    *,
    plan: bool = True,
    wants_page: Callable[[Post], bool] | None = None,
) -> tuple[LoadSummary, int | None]:
    """Store a poll's posts and, with `plan`, the fan-out the new ones owe (which filters
    let each through), in one transaction; the summary and the fan-out's id, if any.

    Planning compares entries with what the source has (a republished article is not
    news); chats already owed the same article through another source are skipped when the
    fan-out is written. New and updated posts for which `wants_page` says so wait for their
    page (full text).
    """
    async with store.transaction() as tx:
        upserted = await tx.upsert_posts(source_id, posts, compare=plan)
        if wants_page is not None:
            # An updated entry's new text replaced its page's: the page is asked again.
            changed = [*upserted.new_posts, *upserted.updated_posts]
            await tx.want_pages(pid for pid, post in changed if wants_page(post))
        if not (plan and upserted.new_posts):
            return upserted.summary, None
        # Each distinct filter is matched once here; the rows are written by INSERT … SELECT
        # over the subscriptions, chunk by chunk, after this transaction.
        matches = match_filters(upserted.new_posts, await tx.subscriber_filters(source_id))
        return upserted.summary, await tx.record_fanout(source_id, matches, cap=PUSH_CAP)


def backoff(interval: int, failures: int) -> int:
    """Seconds before the next try after `failures` failures in a row, capped at a day."""
    doubling: int = 2 ** min(failures, 20)
    return min(interval * doubling, MAX_BACKOFF)


class Poller:
    """Polls every source on its own schedule: a slow or failing source never holds the others.

    `public_only` is the client for sources added from Telegram (see make_client's policy);
    without it they use `client` like the others (ALLOW_PRIVATE_SOURCES=1).
    """

    def __init__(
        self,
        store: Store,
        client: httpx.AsyncClient,
        *,
        public_only: httpx.AsyncClient | None = None,
        tz: ZoneInfo,
        default_interval: int,
        on_new: Callable[[], None] | None = None,
        on_failing: Alert | None = None,
        on_recovered: Alert | None = None,
        lanes: FetchLanes | None = None,
        deadline: float | None = None,
        refresh: float = REFRESH,
        pages: PageWorker | None = None,
    ) -> None:
        self._store = store
        self._client = client
        self._public_only = public_only
        self._tz = tz
        self._default_interval = default_interval
        self._on_new = on_new
        self._on_failing = on_failing
        self._on_recovered = on_recovered
        self._lanes = lanes or FetchLanes()
        self._deadline = deadline
        self._refresh = refresh
        self._changed = asyncio.Event()
        self._listing_log = FailureLog(log, "listing the sources to poll")
        self._store_log = FailureLog(log, "a poll's database work")
        self._fanout_log = FailureLog(log, "writing a fan-out's deliveries")
        # Full articles are fetched by a worker of their own: pages never hold up feeds.
        self._pages = pages

    def sources_changed(self) -> None:
        """Look at the list of sources again now (one was added, moved or removed)."""
        self._changed.set()

    async def run(self) -> None:
        """Follow each polled source in a task of its own until cancelled, fetches included."""
        followers: dict[int, tuple[_Identity, asyncio.Task[None]]] = {}
        pages = None
        if self._pages is not None:
            pages = asyncio.create_task(self._pages.run(), name="pages")
        try:
            while True:
                self._changed.clear()
                try:
                    wanted = {s.id: s for s in await self._store.polled_sources()}
                except Exception as exc:  # the store may be busy; the followers keep going
                    self._listing_log.failed(exc)
                else:
                    self._listing_log.succeeded()
                    self._reconcile(followers, wanted)
                await self._resume_fanouts()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._refresh):
                        await self._changed.wait()
        finally:
            tasks = [task for _, task in followers.values()]
            if pages is not None:
                tasks.append(pages)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _resume_fanouts(self) -> None:
        """Write what fan-outs left unfinished still owe (a crash, an outage mid-way)."""
        try:
            if not await self._store.fanouts_waiting() or self._store.fanning_out:
                return
            written = await self._store.expand_fanouts()
        except Exception as exc:  # the store may be busy; tried again at the next look
            self._fanout_log.failed(exc)
            return
        self._fanout_log.succeeded()
        if written and self._on_new is not None:
            self._on_new()

    def _reconcile(
        self,
        followers: dict[int, tuple[_Identity, asyncio.Task[None]]],
        wanted: dict[int, SourceState],
    ) -> None:
        """One task per polled source: new ones started, removed or moved ones stopped."""
        for source_id, (identity, task) in list(followers.items()):
            state = wanted.get(source_id)
            if state is None or _identity(state) != identity or task.done():
                _end(task, source_id)
                del followers[source_id]
        for source_id, state in wanted.items():
            if source_id not in followers:
                task = asyncio.create_task(self._follow(source_id), name=f"poll {state.name}")
                followers[source_id] = (_identity(state), task)

    async def _follow(self, source_id: int) -> None:
        """Poll one source whenever its next poll comes, until it is no longer polled."""
        while True:
            try:
                state = await self._store.source_state(source_id)
            except Exception as exc:  # the database is down: look again in a moment
                self._store_log.failed(exc)
                await asyncio.sleep(self._refresh)
                continue
            self._store_log.succeeded()
            if state is None or state.url is None:
                return
            due = state.next_poll or datetime.now(UTC)
            seconds = (due - datetime.now(UTC)).total_seconds()
            if seconds > 0:
                # Capped, so a wall-clock jump or a changed schedule is noticed soon.
                await asyncio.sleep(min(seconds, MAX_SLEEP))
                continue
            await self._guarded(state)

    async def _guarded(self, source: SourceState) -> PollOutcome:
        try:
            outcome = await self.poll(source)
        except Exception as exc:  # a bug here must cost one poll, never the poller
            if database_unavailable(exc):
                # Not the source's fault: the poll is tried again once the database answers.
                self._store_log.failed(exc)
                await asyncio.sleep(self._refresh)
                return PollOutcome(source.name, "error", error=str(exc))
            log.exception("polling %s failed unexpectedly", source.name)
            try:
                return await self._failed(source, f"internal error: {exc!r}")
            except Exception as again:
                self._store_log.failed(again)
                return PollOutcome(source.name, "error", error=str(again))
        self._store_log.succeeded()
        return outcome

    async def poll(self, source: SourceState) -> PollOutcome:
        """Fetch one source with its validators, store what is new, plan its deliveries."""
        assert source.url is not None
        interval = source.interval or self._default_interval
        fetched = await self._fetch(source)
        if fetched.status == "error":
            return await self._failed(source, fetched.error or "fetch failed")
        now = datetime.now(UTC)
        if fetched.status == "not_modified":
            await self._succeeded(source, now + timedelta(seconds=interval), fetched)
            return PollOutcome(source.name, "not_modified")
        zone = source.zone(self._tz)
        parsed = await asyncio.to_thread(
            parse_input,
            fetched.body,
            tz=zone,
            today=datetime.now(zone).date(),
            content_type=fetched.content_type,
            base_url=fetched.url,
            source=source.name,
        )
        if isinstance(parsed, NotPosts):
            return await self._failed(source, parsed.reason)
        for skip in parsed.skipped:
            log.info("%s: skipped %s: %s", source.name, skip.where, skip.reason)
        feed_cut = consistently_cut(parsed.posts)

        def page_wanted(post: Post) -> bool:
            if self._pages is None or source.kind != "feed":
                return False  # a Movim dump carries its posts whole
            return wants_page(post, source.full_text, feed_cut=feed_cut)

        # The first fetch of a new source only records what is there: nothing is new yet.
        summary = await store_and_plan(
            self._store, source.id, parsed.posts, plan=source.primed, wants_page=page_wanted
        )
        if (summary.new or summary.updated) and self._pages is not None:
            self._pages.wake()
        if summary.collisions:
            log.warning(
                "%s: %d entries reuse the id of another entry; only the first of each is kept",
                source.name, summary.collisions,
            )  # fmt: skip
        await self._succeeded(source, now + timedelta(seconds=interval), fetched)
        if summary.planned and self._on_new is not None:
            self._on_new()
        status = "new" if summary.new else "unchanged"
        return PollOutcome(source.name, status, summary.new, summary.planned, len(parsed.skipped))

    async def _fetch(self, source: SourceState) -> FetchResult:
        assert source.url is not None
        url = source.url
        # Sources added from Telegram reach public addresses only, checked at every connection
        # (DNS can change); those of SOURCES_FILE and the command line are the operator's own.
        client = self._client
        if source.origin == "telegram" and self._public_only is not None:
            client = self._public_only

        def work() -> Awaitable[FetchResult]:
            return fetch(
                client,
                url,
                etag=source.etag,
                last_modified=source.last_modified,
                total_timeout=self._deadline,
            )

        try:
            return await self._lanes.run(source.id, work)
        except TooSlow as exc:
            return FetchResult("error", url, error=str(exc))

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
        # Kept as a code, rendered in each reader's language (bot/errors.py); logged as is.
        code = errors.encode(error)
        await self._store.record_poll(
            source.id,
            next_poll=datetime.now(UTC) + timedelta(seconds=backoff(interval, failures)),
            error=code,
            failing=failing,
        )
        log.warning("%s: poll failed (%d in a row): %s", source.name, failures, error)
        if failing and not source.failing and self._on_failing is not None:
            await self._on_failing(source, code)
        return PollOutcome(source.name, "error", error=error)


def _identity(source: SourceState) -> _Identity:
    """What makes a source's follower start over when it changes."""
    return (source.url, source.kind)


def _end(task: asyncio.Task[None], source_id: int) -> None:
    """Stop a follower; one that died of a bug is logged (it is started again)."""
    if not task.done():
        task.cancel()
    elif not task.cancelled() and task.exception() is not None:
        log.error("the poll of source %s stopped: %r", source_id, task.exception())
