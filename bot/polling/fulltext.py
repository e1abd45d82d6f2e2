"""Full articles for teasers: a worker of its own fetches posts' pages and stores their text."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.filters import Document, FilterError, document, parse_filter
from bot.ingest.page import Page, page_passages, read_page
from bot.ingest.pages import PageFetcher
from bot.ingest.teaser import uncut
from bot.models import Passage
from bot.store import Store
from bot.store.pages import PageText, WantedPage
from bot.text import normalize

log = logging.getLogger(__name__)

# How often the worker looks for wanted pages when nothing woke it, and how many it takes
# from the store at once.
REFRESH = 5.0
BATCH = 50
# The teaser stays first, as the lead, unless the page's text already holds its beginning.
_LEAD_PROBE = 80


@dataclass(frozen=True, slots=True)
class PageOutcome:
    """What became of one post's page: "page", "paywalled", or a failure code."""

    post_id: int
    result: str


class PageWorker:
    """Fetches the pages posts wait for, politely (PageFetcher), and completes the posts.

    Every host has its turn in the fetcher, so pages of many hosts go at once while those
    of one host follow each other with the gap; a failure leaves the post its teaser.
    """

    def __init__(
        self,
        store: Store,
        fetcher: PageFetcher,
        *,
        on_done: Callable[[], None] | None = None,
        refresh: float = REFRESH,
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._on_done = on_done
        self._refresh = refresh
        self._wake = asyncio.Event()
        self._busy: set[int] = set()
        self._tasks: set[asyncio.Task[PageOutcome]] = set()
        self.done = 0

    def wake(self) -> None:
        """Look for wanted pages now (a poll stored new teasers)."""
        self._wake.set()

    async def run(self) -> None:
        """Fetch wanted pages until cancelled."""
        try:
            while True:
                self._wake.clear()
                try:
                    await self.start_wanted()
                except Exception:  # the store may be busy; try again at the next round
                    log.exception("could not list the pages to fetch")
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._refresh):
                        await self._wake.wait()
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def start_wanted(
        self, *, source_id: int | None = None
    ) -> list[asyncio.Task[PageOutcome]]:
        """Start a task for each wanted page not already being fetched; returns them."""
        wanted = await self._store.pages_wanted(BATCH, skip=sorted(self._busy), source_id=source_id)
        started = []
        for item in wanted:
            self._busy.add(item.post_id)
            task = asyncio.create_task(self._guarded(item), name=f"page {item.post_id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            started.append(task)
        return started

    async def drain(
        self,
        *,
        source_id: int | None = None,
        progress: Callable[[PageOutcome], None] | None = None,
    ) -> list[PageOutcome]:
        """Fetch every wanted page (of one source) and wait for them all (the backfill);
        `progress` hears of each page as it is done."""
        outcomes: list[PageOutcome] = []
        running: set[asyncio.Task[PageOutcome]] = set()
        try:
            while True:
                running.update(await self.start_wanted(source_id=source_id))
                if not running:
                    return outcomes
                done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    if not task.cancelled():
                        outcomes.append(task.result())
                        if progress is not None:
                            progress(task.result())
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _guarded(self, item: WantedPage) -> PageOutcome:
        try:
            return await self.complete(item)
        except Exception:  # a bug here costs one page, never the worker or the post
            log.exception("completing post %s from %s failed", item.post_id, item.url)
            with contextlib.suppress(Exception):
                await self._store.page_failed(item.post_id, "empty")
            return PageOutcome(item.post_id, "empty")
        finally:
            self._busy.discard(item.post_id)

    async def complete(self, item: WantedPage) -> PageOutcome:
        """Fetch one post's page and store what it gives (or why it gave nothing)."""
        fetched = await self._fetcher.fetch(item.url, untrusted=item.origin == "telegram")
        if fetched.failure is not None:
            log.info("%s: page %s: %s", item.source, item.url, fetched.failure)
            await self._store.page_failed(item.post_id, fetched.failure)
            return PageOutcome(item.post_id, fetched.failure)
        page = await asyncio.to_thread(
            read_page, fetched.body, fetched.url, content_type=fetched.content_type
        )
        text = page_text(page, item)
        await self._store.complete_page(item.post_id, text)
        if text.paywalled:
            await self._leave_out_walled(item)
        self.done += 1
        if self._on_done is not None:
            self._on_done()
        if text.failure:
            return PageOutcome(item.post_id, text.failure)
        return PageOutcome(item.post_id, "paywalled" if text.paywalled else "page")

    async def _leave_out_walled(self, item: WantedPage) -> None:
        """Chats whose filters say `-abonnés` are no longer owed a post found to be for
        subscribers (its push waited for the page; one already sent stays sent)."""
        owed = await self._store.owed_pushes(item.post_id)
        if not owed:
            return
        doc = document(item.title, "\n".join(p.text for p in item.passages), paywalled=True)
        passing = {
            (sub.chat_id, sub.thread_id)
            for sub in await self._store.subscribers(item.source_id)
            if _passes(sub.filters, doc)
        }
        await self._store.withdraw(
            [row for chat, rows in owed.items() if chat not in passing for row in rows]
        )


def _passes(filters: str, doc: Document) -> bool:
    try:
        return parse_filter(filters).matches(doc)
    except FilterError:
        return False


def page_text(page: Page, item: WantedPage) -> PageText:
    """What a read page gives its post: the article's passages (the teaser first when it says
    something else), or none behind a wall or without an article; metadata either way."""
    meta = PageText(
        image=None if item.has_image else page.image,
        author=None if item.author else page.author,
        published=None if item.published else page.published,
        canonical_url=page.canonical_url,
    )
    if page.paywalled:
        # The feed's text stays: what a wall page shows is the wall, not the article.
        return replace(meta, paywalled=True)
    passages: tuple[Passage, ...] = ()
    credits: tuple[str, ...] = ()
    if page.failure is None:
        passages, credits = page_passages(page, item.title)
    if not passages:
        return replace(meta, failure=page.failure or "empty")
    lead = _lead(item.passages, passages)
    return replace(meta, passages=(*lead, *passages), credits=tuple(credits))


def _lead(teaser: tuple[Passage, ...], article: tuple[Passage, ...]) -> tuple[Passage, ...]:
    """The teaser's passages when the article does not already hold their words."""
    if not teaser:
        return ()
    body = normalize(" ".join(p.text for p in article))
    head = normalize(uncut(" ".join(p.text for p in teaser)))
    probe = head[:_LEAD_PROBE].rstrip(" .…")
    # A teaser cut with « […] » ends mid-sentence: its start is what to look for.
    return () if not probe or probe in body else teaser
