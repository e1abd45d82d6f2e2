"""The search index kept in step with the store, persisted beside it, queried off the loop."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from datetime import tzinfo
from pathlib import Path

from bot.search import QuoteResponse, SearchIndex, SearchResponse
from bot.store import Store

log = logging.getLogger(__name__)

# Saving a large index costs about a second: do it at most this often while running.
SAVE_EVERY = 300.0


class Searcher:
    """Answers search and quote queries over everything the store holds, as it changes."""

    def __init__(
        self, store: Store, index_path: Path | None = None, *, tz: tzinfo | None = None
    ) -> None:
        self._store = store
        self._path = index_path
        self._tz = tz  # the zone whose days since:/until: mean
        self._index = SearchIndex.build([], tz=tz)
        self._seq = 0
        self._lock = asyncio.Lock()
        self._saved_at = 0.0
        self._dirty = False
        self._store_id = 0

    @classmethod
    def beside(cls, store: Store, *, tz: tzinfo | None = None) -> Searcher:
        """A searcher whose index file sits next to the database file."""
        return cls(store, store.path.with_name(store.path.name + ".index"), tz=tz)

    async def start(self) -> None:
        """Load the persisted index when it is there, then catch up with the store."""
        self._store_id = await self._store.store_id()
        if self._path is not None and self._path.exists():
            loaded = await asyncio.to_thread(_load, self._path, self._store_id, self._tz)
            if loaded is not None:
                self._index, self._seq = loaded
        await self.refresh()
        if self._dirty:
            await self.save()

    async def refresh(self) -> None:
        """Apply what changed in the store since the last refresh (new, updated, deleted)."""
        async with self._lock:
            seq, changes = await self._store.index_changes(self._seq)
            if changes:
                if self._seq == 0 and len(self._index) == 0:
                    self._index = await asyncio.to_thread(SearchIndex.build, changes, tz=self._tz)
                else:
                    await asyncio.to_thread(self._index.update, changes)
                self._dirty = True
            self._seq = seq
            self._index.set_source_urls(await self._store.source_urls())
        if self._dirty and time.monotonic() - self._saved_at > SAVE_EVERY:
            await self.save()

    async def save(self) -> None:
        """Write the index and the store position it reflects."""
        if self._path is None:
            return
        async with self._lock:
            await asyncio.to_thread(_save, self._index, self._seq, self._store_id, self._path)
            self._saved_at = time.monotonic()
            self._dirty = False

    async def search(self, query: str, *, limit: int = 5, offset: int = 0) -> SearchResponse:
        """Posts matching the query, best first."""
        await self.refresh()
        return await asyncio.to_thread(self._index.search, query, limit=limit, offset=offset)

    async def quote(
        self, query: str, *, limit: int = 1, rng: random.Random | None = None
    ) -> QuoteResponse:
        """Passages matching the query, the interviewee's words first."""
        await self.refresh()
        return await asyncio.to_thread(self._index.quote, query, limit=limit, rng=rng)

    async def suggest(self, query: str) -> str | None:
        """A close spelling of the query that the vocabulary knows, if any."""
        return await asyncio.to_thread(self._index.suggest, query)

    def __len__(self) -> int:
        return len(self._index)


def _seq_path(path: Path) -> Path:
    return path.with_name(path.name + ".seq")


def _save(index: SearchIndex, seq: int, store_id: int, path: Path) -> None:
    # The index first, then its position: a crash between the two leaves an older
    # position, and replaying changes onto the index is harmless. Both are replaced whole
    # (a temporary file renamed), so a reader never sees half of either.
    index.save(path)
    seq_path = _seq_path(path)
    tmp = seq_path.with_name(f"{seq_path.name}.{os.getpid()}.tmp")
    tmp.write_text(f"{store_id}:{seq}")
    os.replace(tmp, seq_path)


def _load(path: Path, store_id: int, tz: tzinfo | None) -> tuple[SearchIndex, int] | None:
    try:
        owner_text, seq_text = _seq_path(path).read_text().strip().split(":")
        owner, seq = int(owner_text), int(seq_text)
    except (OSError, ValueError, UnicodeDecodeError):
        log.warning("search index position at %s unreadable; rebuilding", _seq_path(path))
        return None
    if owner != store_id:
        log.info("search index at %s belongs to another database; rebuilding", path)
        return None
    index = SearchIndex.load(path, tz=tz)
    if index is None:
        log.warning("search index at %s unreadable; rebuilding", path)
        return None
    return index, seq
