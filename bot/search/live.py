"""The live search: the index kept in step with the store, in a file beside it, queried
off the event loop."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterator, Mapping
from datetime import tzinfo
from pathlib import Path
from typing import Protocol

from bot.models import IndexedPost
from bot.search.index import SearchIndex
from bot.search.results import QuoteResponse, SearchResponse

log = logging.getLogger(__name__)

CHANGES_AT_ONCE = 5000  # posts read from the store and indexed in one transaction


class ChangeFeed(Protocol):
    """What the live search reads of the store (`bot.store.Store` is one; search never
    imports the store): its identity, its changes in order and its sources' URLs."""

    @property
    def path(self) -> Path | None: ...

    async def store_id(self) -> int: ...

    async def index_changes(
        self, after_seq: int = 0, *, limit: int | None = None
    ) -> tuple[int, list[IndexedPost]]: ...

    async def source_urls(self) -> Mapping[str, str | None]: ...


class Searcher:
    """Answers search and quote queries over everything the store holds, as it changes."""

    def __init__(
        self, store: ChangeFeed, index_path: Path | None = None, *, tz: tzinfo | None = None
    ) -> None:
        self._store = store
        self._path = index_path
        self._tz = tz  # the zone whose days since:/until: mean
        self._index: SearchIndex | None = None
        self._seq = 0
        self._lock = asyncio.Lock()
        self._store_id = 0

    @classmethod
    def beside(cls, store: ChangeFeed, *, tz: tzinfo | None = None) -> Searcher:
        """A searcher whose index file sits next to the database file."""
        assert store.path is not None, "a PostgreSQL store has no file to sit beside"
        return cls(store, store.path.with_name(store.path.name + ".index"), tz=tz)

    async def start(self) -> None:
        """Open the index file when it is there and belongs to this database (else build a
        new one), then catch up with the store."""
        self._store_id = await self._store.store_id()
        if self._path is not None:
            opened = await asyncio.to_thread(_open, self._path, self._store_id, self._tz)
            if opened is not None:
                self._index, self._seq = opened
        if self._index is None:
            if self._path is not None:
                # Before the index was a SQLite file, its store position was kept beside it.
                self._path.with_name(self._path.name + ".seq").unlink(missing_ok=True)
            self._index, self._seq = await self._build()
        await self.refresh()

    async def _build(self) -> tuple[SearchIndex, int]:
        """A new index of everything the store holds and the position it reaches: the
        store read in pieces (a large database is never held whole) and written by
        `SearchIndex.build` in one pass without a journal (the file is new: if this fails,
        it is rebuilt at the next start), then stamped."""
        loop = asyncio.get_running_loop()
        reached = 0

        def changes() -> Iterator[IndexedPost]:
            # Runs in the build's worker thread; the store is read on the event loop.
            nonlocal reached
            while True:
                read = self._store.index_changes(reached, limit=CHANGES_AT_ONCE)
                seq, posts = asyncio.run_coroutine_threadsafe(read, loop).result()
                yield from posts
                if seq == reached:
                    return
                reached = seq

        index = await asyncio.to_thread(SearchIndex.build, changes(), tz=self._tz, path=self._path)
        await asyncio.to_thread(index.update, [], stamp=f"{self._store_id}:{reached}")
        return index, reached

    async def refresh(self) -> None:
        """Apply what changed in the store since the last refresh (new, updated, deleted),
        written to the index file with the store position it reaches, in one transaction."""
        async with self._lock:
            while True:
                # In pieces, so a long backlog is never held whole.
                seq, changes = await self._store.index_changes(self._seq, limit=CHANGES_AT_ONCE)
                if changes:
                    stamp = f"{self._store_id}:{seq}"
                    await asyncio.to_thread(self.index.update, changes, stamp=stamp)
                if seq == self._seq:
                    break
                self._seq = seq
            self.index.set_source_urls(await self._store.source_urls())

    async def close(self) -> None:
        """Close the index file (every refresh is already written)."""
        async with self._lock:
            if self._index is not None:
                await asyncio.to_thread(self._index.close)
                self._index = None

    @property
    def index(self) -> SearchIndex:
        """The index, once started."""
        if self._index is None:
            raise RuntimeError("the searcher is not started")
        return self._index

    async def search(self, query: str, *, limit: int = 5, offset: int = 0) -> SearchResponse:
        """Posts matching the query, best first."""
        await self.refresh()
        return await asyncio.to_thread(self.index.search, query, limit=limit, offset=offset)

    async def quote(
        self, query: str, *, limit: int = 1, rng: random.Random | None = None
    ) -> QuoteResponse:
        """Passages matching the query, the interviewee's words first."""
        await self.refresh()
        return await asyncio.to_thread(self.index.quote, query, limit=limit, rng=rng)

    async def suggest(self, query: str) -> str | None:
        """A close spelling of the query that the vocabulary knows, if any."""
        return await asyncio.to_thread(self.index.suggest, query)

    def __len__(self) -> int:
        return len(self.index)


def _open(path: Path, store_id: int, tz: tzinfo | None) -> tuple[SearchIndex, int] | None:
    """The index at `path` and the store position it reflects, or None when it is missing,
    unreadable, or of another database (then it is rebuilt)."""
    if not path.exists():
        return None
    index = SearchIndex.open(path, tz=tz)
    if index is None:
        log.warning("search index at %s unreadable; rebuilding", path)
        return None
    try:
        owner_text, seq_text = (index.stamp or "").split(":")
        owner, seq = int(owner_text), int(seq_text)
    except ValueError:
        owner, seq = None, 0
    if owner != store_id:
        log.info("search index at %s is not this database's; rebuilding", path)
        index.close()
        return None
    return index, seq
