"""A write transaction callers compose: upsert a poll's posts, then owe them, atomically."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager

from bot.models import Post, Subscription
from bot.store.base import StoreBase
from bot.store.chats import subscribers
from bot.store.db import Connection
from bot.store.fanout import expand_chunk, record_fanout
from bot.store.outbox import enqueue, subscriber_filters
from bot.store.pages import want_pages
from bot.store.posts import Upserted, upsert_posts


class Transaction:
    """Store operations inside one transaction: all of them are kept, or none."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def upsert_posts(
        self, source_id: int, posts: Sequence[Post], *, compare: bool = False
    ) -> Upserted:
        """Store posts (see posts.upsert_posts); `compare` matches republished articles."""
        return await upsert_posts(self._db, source_id, posts, compare=compare)

    async def subscribers(self, source_id: int) -> list[Subscription]:
        """Active subscriptions that a new post of this source must be planned against."""
        return await subscribers(self._db, source_id)

    async def subscriber_filters(self, source_id: int) -> list[str]:
        """The distinct filters of the subscriptions to this source (and to every source)."""
        return await subscriber_filters(self._db, source_id)

    async def record_fanout(
        self, source_id: int, matches: Sequence[tuple[int, int, str]], *, cap: int
    ) -> int | None:
        """Record what new posts owe the subscribers whose filter passes them, written to the
        outbox afterwards in short transactions (see fanout.py); the fan-out's id."""
        return await record_fanout(self._db, source_id, matches, cap)

    async def expand_fanout(self, fanout_id: int) -> int:
        """Write a whole fan-out inside this transaction, in one statement; the rows written."""
        written, _ = await expand_chunk(self._db, fanout_id, None)
        return written

    async def enqueue(self, rows: Iterable[tuple[int, int, str]]) -> None:
        """Owe posts to chats: (chat_id, post_id, kind); a row already there stays as is."""
        await enqueue(self._db, rows)

    async def want_pages(self, post_ids: Iterable[int]) -> None:
        """These new posts wait for their page (full text from the article's page)."""
        await want_pages(self._db, post_ids)


class TransactionStore(StoreBase):
    """Opens transactions that callers compose."""

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """`async with store.transaction() as tx:` commits on exit, rolls back on error."""
        async with self._transaction() as db:
            yield Transaction(db)
