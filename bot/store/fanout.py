"""Fan-out in chunks: a poll records what its new posts owe; short transactions write it.

The poller's transaction records a poll's new posts and, with them, a fan-out: which
subscription filters let each post through. The outbox rows are then written chunk by
chunk, by range of chat ids, each chunk in a transaction of its own that also moves the
fan-out's cursor past it: a crash between two chunks resumes at the cursor, and a chunk
written twice writes nothing (the outbox's unique key). Every rule that counts per chat
(the cap of pushes a poll, chats owed the article through another source) is exact,
since one chat's rows are all in one chunk.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.store.base import StoreBase, now_iso
from bot.store.db import Connection, Database
from bot.store.dedup import delivered_elsewhere
from bot.store.outbox import owe_matching

# Subscriptions one chunk covers. On two shared cores, 10,000 (6,500 rows owed a post)
# took 31–44 ms on SQLite but 97–188 ms on PostgreSQL, too close to the 200 ms allowed a
# transaction: half that (push_bench.py).
CHUNK = 5_000
# Below every chat id (Telegram's are 64-bit, groups' negative): nothing done yet.
_FIRST = -(2**63)


async def record_fanout(
    db: Connection, source_id: int, matches: Sequence[tuple[int, int, str]], cap: int
) -> int | None:
    """Record that new posts of a source are owed to the subscribers whose filter passes
    them: `matches` holds (post_id, rank, filters), rank 0 for the newest post. Returns the
    fan-out's id (None when nothing matched)."""
    if not matches:
        return None
    row = await db.returning(
        "INSERT INTO fanouts (source_id, cap, next_chat, created_at) VALUES (?, ?, ?, ?)"
        " RETURNING id",
        (source_id, cap, _FIRST, now_iso()),
    )
    assert row is not None
    fanout_id = int(row["id"])
    await db.insert_rows(
        "fanout_matches",
        ("fanout_id", "post_id", "rank", "filters"),
        [(fanout_id, post_id, rank, filters) for post_id, rank, filters in matches],
    )
    return fanout_id


async def expand_chunk(db: Connection, fanout_id: int, size: int | None) -> tuple[int, bool]:
    """Write the outbox rows of a fan-out's next `size` subscriptions (None: all the rest)
    and move its cursor past them, the fan-out removed when done: (rows written, done)."""
    lock = " FOR UPDATE" if db.dialect == "postgres" else ""
    row = await db.fetchone(
        f"SELECT source_id, cap, next_chat FROM fanouts WHERE id = ?{lock}", (fanout_id,)
    )
    if row is None:
        return 0, True
    source_id, cap, low = row["source_id"], row["cap"], row["next_chat"]
    high = None
    if size is not None:
        high = await _chunk_end(db, source_id, low, max(size, 2))
    keys = {
        row["id"]: row["url_key"]
        for row in await db.fetchall(
            "SELECT id, url_key FROM posts WHERE url_key IS NOT NULL AND id IN"
            " (SELECT post_id FROM fanout_matches WHERE fanout_id = ?)",
            (fanout_id,),
        )
    }
    elsewhere = await delivered_elsewhere(db, source_id, keys, datetime.now(UTC), (low, high))
    skip = [(post_id, *chat) for post_id, chats in elsewhere.items() for chat in chats]
    written = await owe_matching(db, fanout_id, source_id, (low, high), skip, cap)
    if high is None:
        await db.execute("DELETE FROM fanout_matches WHERE fanout_id = ?", (fanout_id,))
        await db.execute("DELETE FROM fanouts WHERE id = ?", (fanout_id,))
        return written, True
    await db.execute("UPDATE fanouts SET next_chat = ? WHERE id = ?", (high, fanout_id))
    return written, False


async def _chunk_end(db: Connection, source_id: int, low: int, size: int) -> int | None:
    """The chat of the subscription after the `size` next ones from chat `low` (None: fewer
    are left). A chunk ends before it, so one chat's subscriptions (its source's and
    "all") fall in one chunk."""
    chats: list[int] = []
    # Two walks of the (source_id, chat_id) index in order, rather than one OR sorted whole.
    for which in ("source_id = ?", "source_id IS NULL"):
        params = (source_id, low, size + 1) if "?" in which else (low, size + 1)
        rows = await db.fetchall(
            f"SELECT chat_id FROM subscriptions WHERE {which} AND chat_id >= ?"
            " ORDER BY chat_id LIMIT ?",
            params,
        )
        chats += (int(row["chat_id"]) for row in rows)
    chats.sort()
    return chats[size] if len(chats) > size else None


class FanoutStore(StoreBase):
    """Expands recorded fan-outs into the outbox, one short transaction per chunk."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        # One expansion at a time in a process: a chunk sees the rows of the chunks before
        # it, so a chat following two sources that carry one article is owed it once.
        self._fanout_lock = asyncio.Lock()
        self._awaited: dict[int, int] = {}

    async def fan_out(self, fanout_id: int, *, chunk: int = CHUNK) -> int:
        """Expand this fan-out (and any left before it); the rows written for it."""
        self._awaited[fanout_id] = 0
        try:
            await self.expand_fanouts(chunk=chunk)
            return self._awaited[fanout_id]
        finally:
            del self._awaited[fanout_id]

    async def expand_fanouts(self, *, chunk: int = CHUNK, chunks: int | None = None) -> int:
        """Expand every recorded fan-out, oldest first (those a crash left too), in at most
        `chunks` transactions (None: until done); returns the rows written."""
        total = 0
        done_chunks = 0
        async with self._fanout_lock:
            rows = await self._db.fetchall("SELECT id FROM fanouts ORDER BY id")
            for fanout_id in [row["id"] for row in rows]:
                done = False
                while not done:
                    if chunks is not None and done_chunks >= chunks:
                        return total
                    async with self._transaction() as tx:
                        written, done = await expand_chunk(tx, fanout_id, chunk)
                    done_chunks += 1
                    total += written
                    if fanout_id in self._awaited:
                        self._awaited[fanout_id] += written
        return total

    @property
    def fanning_out(self) -> bool:
        """A fan-out is being written by this process now."""
        return self._fanout_lock.locked()

    async def fanouts_waiting(self) -> int:
        """Fan-outs recorded and not yet fully written (a crash, an outage, or under way)."""
        row = await self._db.fetchone("SELECT count(*) AS n FROM fanouts")
        return int(row["n"]) if row else 0
