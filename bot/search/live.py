"""The live search: the index kept in step with the store, in a file beside it, queried
off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import sqlite3
from collections.abc import Awaitable, Callable, Iterator, Mapping
from datetime import tzinfo
from pathlib import Path
from typing import Protocol, TypeVar

from bot.models import IndexedPost
from bot.search.index import SearchIndex
from bot.search.results import QuoteResponse, SearchResponse

log = logging.getLogger(__name__)

CHANGES_AT_ONCE = 5000  # posts read from the store and indexed in one transaction
# A build of a large database takes a minute or more before start-up goes on: a line every
# so many posts read shows it is under way (and how fast).
BUILD_LOG_EVERY = 100_000

T = TypeVar("T")

_SQLITE_HEADER = b"SQLite format 3\x00"


class IndexRebuilding(RuntimeError):
    """The index is being rebuilt from the store (its file was damaged, or the database was
    replaced under the running bot): ask again in a moment."""


class ChangeFeed(Protocol):
    """What the live search reads of the store (`bot.store.Store` is one; search never
    imports the store): its identity, a mark that moves with every change, its changes in
    order and its sources' URLs."""

    @property
    def path(self) -> Path | None: ...

    async def store_id(self) -> int: ...

    async def change_mark(self) -> tuple[int, int]: ...

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
        self._rebuilding: asyncio.Task[None] | None = None
        self._file_size = 0  # the index file's size when last seen sound
        self._urls_read = False
        # The store's change counter when the index last caught up (None: catch up at once).
        self._mark: int | None = None

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
        await asyncio.to_thread(self.index.warm)

    async def _build(self) -> tuple[SearchIndex, int]:
        """A new index of everything the store holds and the position it reaches: the
        store read in pieces (a large database is never held whole) and written by
        `SearchIndex.build` in one pass without a journal (the file is new: if this fails,
        it is rebuilt at the next start), then stamped."""
        loop = asyncio.get_running_loop()
        reached = 0
        count = 0

        def changes() -> Iterator[IndexedPost]:
            # Runs in the build's worker thread; the store is read on the event loop.
            nonlocal reached, count
            while True:
                read = self._store.index_changes(reached, limit=CHANGES_AT_ONCE)
                seq, posts = asyncio.run_coroutine_threadsafe(read, loop).result()
                yield from posts
                if (count + len(posts)) // BUILD_LOG_EVERY > count // BUILD_LOG_EVERY:
                    log.info("building the search index: %d posts so far", count + len(posts))
                count += len(posts)
                if seq == reached:
                    return
                reached = seq

        index = await asyncio.to_thread(SearchIndex.build, changes(), tz=self._tz, path=self._path)
        await asyncio.to_thread(index.update, [], stamp=f"{self._store_id}:{reached}")
        log.info("search index built: %d posts, %d passages", count, len(index))
        return index, reached

    async def refresh(self) -> None:
        """Apply what changed in the store since the last refresh (new, updated, deleted),
        written to the index file with the store position it reaches, in one transaction.

        A new store id (the database replaced by `import --replace`) or a damaged index
        file starts a rebuild in the background; IndexRebuilding until it is done."""
        if not await self._follow():
            await self._check_file()

    async def _follow(self) -> bool:
        """Follow the store: one read of its id and change counter; its changes read only
        when the counter moved (every query comes through here: nothing on this path reads
        the store in proportion to its size). Whether the index file was checked."""
        self._check_rebuilding()
        store_id, mark = await self._store.change_mark()
        if store_id != self._store_id:
            log.warning(
                "the database was replaced (store id %d, was %d): rebuilding the search index",
                store_id, self._store_id,
            )  # fmt: skip
            self._rebuild()
        if mark == self._mark and self._urls_read:
            return False
        await self._check_file()  # the changes are written to it
        await self._guarded(lambda: self._catch_up(mark))
        return True

    async def _check_file(self) -> None:
        if self._path is not None:
            self._judge(await asyncio.to_thread(_file_problem, self._path, self._file_size))

    def _judge(self, problem: str | int) -> None:
        """Act on `_file_problem`'s answer: a rebuild (IndexRebuilding) or the size seen."""
        if isinstance(problem, str):
            log.warning("search index at %s damaged (%s): rebuilding it", self._path, problem)
            self._rebuild()
        elif not self.rebuilding:
            self._file_size = problem

    async def _catch_up(self, mark: int) -> None:
        async with self._lock:
            changed = not self._urls_read
            while True:
                # In pieces, so a long backlog is never held whole.
                seq, changes = await self._store.index_changes(self._seq, limit=CHANGES_AT_ONCE)
                if changes:
                    changed = True
                    stamp = f"{self._store_id}:{seq}"
                    await asyncio.to_thread(self.index.update, changes, stamp=stamp)
                if seq == self._seq:
                    break
                self._seq = seq
            if changed:
                # Aliases by domain name sources that have posts: they change with the posts,
                # not on every query.
                self.index.set_source_urls(await self._store.source_urls())
                self._urls_read = True
            # Read before the changes were: a change committed since moved it again.
            self._mark = mark

    async def _answer(self, work: Callable[[SearchIndex], T]) -> T:
        """`work` on the index in a worker thread, the index file checked there first: one
        hop off the event loop per query."""
        self._check_rebuilding()
        index, path, seen = self.index, self._path, self._file_size

        def checked() -> tuple[str | int, T | None]:
            problem = 0 if path is None else _file_problem(path, seen)
            return (problem, None) if isinstance(problem, str) else (problem, work(index))

        problem, result = await self._guarded(lambda: asyncio.to_thread(checked))
        self._judge(problem)
        return result  # type: ignore[return-value]  # None only with a problem, raised above

    def _check_rebuilding(self) -> None:
        if self._rebuilding is None:
            return
        if not self._rebuilding.done():
            raise IndexRebuilding
        self._rebuilding = None
        if self._index is None:  # the last rebuild failed (logged): try again
            self._rebuild()

    def _rebuild(self) -> None:
        """Start rebuilding the index from the store, unless already under way; raises
        IndexRebuilding."""
        if self._rebuilding is None or self._rebuilding.done():
            self._rebuilding = asyncio.create_task(self._rebuilt(), name="index rebuild")
        raise IndexRebuilding

    async def _rebuilt(self) -> None:
        try:
            async with self._lock:
                damaged, self._index = self._index, None
                if damaged is not None:
                    # A damaged file may not even close cleanly: it is replaced anyway.
                    with contextlib.suppress(sqlite3.Error):
                        await asyncio.to_thread(damaged.close)
                self._store_id = await self._store.store_id()
                self._file_size = 0  # a new file, maybe smaller than the damaged one
                self._index, self._seq = await self._build()
                self._urls_read = False  # the new index knows no source aliases yet
                self._mark = None
            log.warning("search index rebuilt: %d passages", len(self._index))
        except Exception as exc:  # the store unreachable meanwhile: tried again on next use
            log.error("could not rebuild the search index: %s", exc)

    async def _guarded(self, work: Callable[[], Awaitable[T]]) -> T:
        """`work` on the index; a damaged index file starts a rebuild (IndexRebuilding)."""
        self._check_rebuilding()
        try:
            return await work()
        except sqlite3.DatabaseError as exc:
            log.warning("search index at %s damaged (%s): rebuilding it", self._path, exc)
            self._rebuild()
            raise  # never reached: _rebuild raises

    async def close(self) -> None:
        """Close the index file (every refresh is already written)."""
        if self._rebuilding is not None:
            self._rebuilding.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._rebuilding
            self._rebuilding = None
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
        await self._follow()
        return await self._answer(lambda index: index.search(query, limit=limit, offset=offset))

    async def quote(
        self, query: str, *, limit: int = 1, rng: random.Random | None = None
    ) -> QuoteResponse:
        """Passages matching the query, the interviewee's words first."""
        await self._follow()
        return await self._answer(lambda index: index.quote(query, limit=limit, rng=rng))

    async def suggest(self, query: str) -> str | None:
        """A close spelling of the query that the vocabulary knows, if any."""
        return await self._guarded(lambda: asyncio.to_thread(self.index.suggest, query))

    @property
    def rebuilding(self) -> bool:
        """Whether the index is being rebuilt now."""
        return self._rebuilding is not None and not self._rebuilding.done()

    def __len__(self) -> int:
        """Passages searchable now (none while the index is rebuilt)."""
        return len(self._index) if self._index is not None else 0


def _file_problem(path: Path, size_seen: int) -> str | int:
    """What is wrong with the index file at `path`, else its size now. SQLite keeps serving
    the pages it has cached from a file truncated or overwritten under it, and the file never
    shrinks by itself (no VACUUM), so a file smaller than last seen or not starting with
    SQLite's header is damaged, even when every query still works."""
    try:
        with path.open("rb") as file:
            header = file.read(len(_SQLITE_HEADER))
            size = os.fstat(file.fileno()).st_size
    except FileNotFoundError:
        return "file missing"
    except OSError as exc:
        return exc.strerror or str(exc)
    if size < size_seen:
        return f"{size} bytes, {size_seen} before"
    if header != _SQLITE_HEADER:
        return "not an SQLite file"
    return size


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
