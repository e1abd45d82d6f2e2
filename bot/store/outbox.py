"""The delivery outbox: what is owed to which chat, and what became of it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from bot.models import Delivery
from bot.store.base import StoreBase, iso_utc, now_iso, parse_iso
from bot.store.db import Connection, Row

_SNIPPET = 400

_DELIVERY_SELECT = (
    "SELECT o.id, o.chat_id, o.post_id, o.kind, p.title, p.url, s.name AS source, p.published,"
    " p.hashtags, coalesce((SELECT substr(q.text, 1, ?) FROM passages q WHERE q.post_id = p.id"
    " ORDER BY q.position LIMIT 1), '') AS snippet, o.created_at, o.attempts, p.images,"
    " p.paywalled, o.thread_id"
    " FROM outbox o JOIN posts p ON p.id = o.post_id JOIN sources s ON s.id = p.source_id"
)


def _delivery(row: Row) -> Delivery:
    images = json.loads(row["images"] or "[]")
    return Delivery(
        id=row["id"],
        chat_id=row["chat_id"],
        post_id=row["post_id"],
        kind=row["kind"],
        title=row["title"],
        url=row["url"],
        source=row["source"],
        published=parse_iso(row["published"]),
        hashtags=tuple(json.loads(row["hashtags"] or "[]")),
        snippet=row["snippet"],
        created_at=parse_iso(row["created_at"]) or datetime.min.replace(tzinfo=UTC),
        attempts=row["attempts"],
        image=images[0] if images else None,
        paywalled=bool(row["paywalled"]),
        thread_id=int(row["thread_id"]),
    )


class OutboxStore(StoreBase):
    """Queries over the outbox."""

    async def enqueue(self, rows: Iterable[tuple[int, int, str]], thread_id: int = 0) -> None:
        """Owe posts to chats: (chat_id, post_id, kind), in a topic of theirs (0: the chat
        itself); a row already there stays as is."""
        async with self._transaction() as tx:
            await enqueue(tx, rows, thread_id)

    async def pending(
        self, *, now: datetime | None = None, limit: int = 1000, page_wait: float = 0.0
    ) -> list[Delivery]:
        """Oldest deliveries due now for active chats: pushes, summaries, released digests.

        A push whose post waits for its page is held `page_wait` seconds at most.
        """
        moment = now or datetime.now(UTC)
        rows = await self._db.fetchall(
            f"{_DELIVERY_SELECT} JOIN chats c ON c.id = o.chat_id"
            " WHERE o.state = 'pending' AND c.active = 1"
            " AND (o.kind != 'digest' OR o.released_at IS NOT NULL)"
            " AND (o.not_before IS NULL OR o.not_before <= ?)"
            # A paused topic (closed or deleted) is sent nothing until it reopens.
            " AND (o.thread_id = 0 OR NOT EXISTS (SELECT 1 FROM topics t"
            " WHERE t.chat_id = o.chat_id AND t.thread_id = o.thread_id"
            " AND t.paused_at IS NOT NULL))"
            " AND NOT (coalesce(p.page_state, '') = 'wanted' AND o.kind = 'push'"
            " AND o.created_at > ?)"
            " ORDER BY o.id LIMIT ?",
            (_SNIPPET, iso_utc(moment), iso_utc(moment - timedelta(seconds=page_wait)), limit),
        )
        return [_delivery(row) for row in rows]

    async def release_digest(self, chat_id: int, now: datetime, *, thread_id: int = 0) -> int:
        """A chat's (or one of its topics') digest falls due: what it gathered becomes
        sendable; returns the count.

        The schedule's moment is consumed in the same transaction, so a crash can neither
        skip a digest nor release one twice; the rows stay pending until Telegram takes
        the message that carries them.
        """
        moment = iso_utc(now)
        async with self._transaction() as tx:
            released = await tx.execute(
                "UPDATE outbox SET released_at = ? WHERE chat_id = ? AND thread_id = ?"
                " AND kind = 'digest' AND state = 'pending' AND released_at IS NULL",
                (moment, chat_id, thread_id),
            )
            if thread_id:
                await tx.execute(
                    "UPDATE topics SET last_digest_at = ? WHERE chat_id = ? AND thread_id = ?",
                    (moment, chat_id, thread_id),
                )
            else:
                await tx.execute(
                    "UPDATE chats SET last_digest_at = ? WHERE id = ?", (moment, chat_id)
                )
            return released

    async def digest_owed(
        self, chat_id: int, now: datetime | None = None, *, thread_id: int = 0
    ) -> list[Delivery]:
        """A chat's (topic's) released digest rows due now: the content of its next digest."""
        rows = await self._db.fetchall(
            f"{_DELIVERY_SELECT} WHERE o.chat_id = ? AND o.thread_id = ? AND o.kind = 'digest'"
            " AND o.state = 'pending' AND o.released_at IS NOT NULL"
            " AND (o.not_before IS NULL OR o.not_before <= ?) ORDER BY o.id",
            (_SNIPPET, chat_id, thread_id, iso_utc(now) or now_iso()),
        )
        return [_delivery(row) for row in rows]

    async def more_owed(
        self, chat_id: int, now: datetime | None = None, *, thread_id: int = 0
    ) -> tuple[dict[str, list[int]], int]:
        """A chat's (topic's) pending "more" rows due now, by source name, and their most
        attempts."""
        by_source: dict[str, list[int]] = {}
        attempts = 0
        rows = await self._db.fetchall(
            "SELECT s.name, o.id, o.attempts FROM outbox o JOIN posts p ON p.id = o.post_id"
            " JOIN sources s ON s.id = p.source_id WHERE o.chat_id = ? AND o.thread_id = ?"
            " AND o.kind = 'more' AND o.state = 'pending'"
            " AND (o.not_before IS NULL OR o.not_before <= ?) ORDER BY o.id",
            (chat_id, thread_id, iso_utc(now) or now_iso()),
        )
        for row in rows:
            by_source.setdefault(row["name"], []).append(row["id"])
            attempts = max(attempts, row["attempts"])
        return by_source, attempts

    async def mark_sent(self, ids: Sequence[int]) -> None:
        """These deliveries reached Telegram."""
        now = now_iso()
        await self._db.executemany(
            "UPDATE outbox SET state = 'sent', sent_at = ?, settled_at = ?,"
            " attempts = attempts + 1 WHERE id = ?",
            [(now, now, i) for i in ids],
        )

    async def mark_failed(self, ids: Sequence[int], error: str) -> None:
        """Telegram will never take these (the message itself is refused)."""
        await self._settle(ids, "failed", error)

    async def give_up(self, ids: Sequence[int], error: str) -> None:
        """These kept failing through every retry: no more attempts."""
        await self._settle(ids, "given_up", error)

    async def _settle(self, ids: Sequence[int], state: str, error: str) -> None:
        now = now_iso()
        await self._db.executemany(
            "UPDATE outbox SET state = ?, error = ?, settled_at = ?, attempts = attempts + 1"
            " WHERE id = ? AND state = 'pending'",
            [(state, error[:500], now, i) for i in ids],
        )

    async def bound_pushes(self, chat_id: int, keep: int) -> int:
        """A chat owes more than `keep` pushes: all but its newest `keep` become "more"
        (counted in one message); returns how many did."""
        return await self._db.execute(
            "UPDATE outbox SET kind = 'more' WHERE chat_id = ? AND kind = 'push'"
            " AND state = 'pending' AND id NOT IN (SELECT id FROM outbox WHERE chat_id = ?"
            " AND kind = 'push' AND state = 'pending' ORDER BY id DESC LIMIT ?)"
            # A post already counted as "more" for this chat stays counted once.
            " AND NOT EXISTS (SELECT 1 FROM outbox m WHERE m.chat_id = outbox.chat_id"
            " AND m.thread_id = outbox.thread_id AND m.post_id = outbox.post_id"
            " AND m.kind = 'more')",
            (chat_id, chat_id, keep),
        )

    async def fail_pending(self, chat_id: int, error: str) -> int:
        """Give up everything still owed to a chat (it blocked the bot), in every topic."""
        return await self._db.execute(
            "UPDATE outbox SET state = 'failed', error = ?, settled_at = ?"
            " WHERE chat_id = ? AND state = 'pending'",
            (error[:500], now_iso(), chat_id),
        )

    async def postpone(self, ids: Sequence[int], until: datetime, error: str) -> None:
        """Try these again later (a network error), counting the attempt."""
        await self._db.executemany(
            "UPDATE outbox SET not_before = ?, error = ?, attempts = attempts + 1"
            " WHERE id = ? AND state = 'pending'",
            [(iso_utc(until), error[:500], i) for i in ids],
        )

    async def prune_outbox(self, before: datetime) -> int:
        """Forget deliveries settled (sent, failed, given up) before `before`; pending stay."""
        return await self._db.execute(
            "DELETE FROM outbox WHERE settled_at IS NOT NULL AND settled_at < ?", (iso_utc(before),)
        )

    async def outbox_counts(self, chat_id: int | None = None) -> dict[str, int]:
        """Deliveries per state (and kind for pending ones), for one chat or all."""
        where, params = ("WHERE chat_id = ?", (chat_id,)) if chat_id is not None else ("", ())
        counts: dict[str, int] = {}
        rows = await self._db.fetchall(
            f"SELECT state, kind, count(*) AS n FROM outbox {where} GROUP BY state, kind", params
        )
        for row in rows:
            state = row["state"]
            key = f"{state}_{row['kind']}" if state == "pending" else state
            counts[key] = counts.get(key, 0) + row["n"]
        return counts


async def enqueue(db: Connection, rows: Iterable[tuple[int, int, str]], thread_id: int = 0) -> None:
    """Owe posts to chats: (chat_id, post_id, kind), in a topic of theirs (0: the chat
    itself); a row already there stays as is."""
    now = now_iso()
    await db.insert_new(
        "outbox",
        ("chat_id", "thread_id", "post_id", "kind", "created_at"),
        [(chat, thread_id, post, kind, now) for chat, post, kind in rows],
    )


# The chats (and forum topics) already owed a new post's article through another source,
# for one chunk of a fan-out (see fanout.py). A scratch table, emptied before the
# transaction ends.
_SKIP_TABLE = (
    "plan_skip (post_id BIGINT NOT NULL, chat_id BIGINT NOT NULL, thread_id BIGINT NOT NULL,"
    " PRIMARY KEY (post_id, chat_id, thread_id))"
)

_CHATS = " AND s.chat_id >= ?{below}"
# A topic's digest is its own (topics.digest); thread 0 is the chat's. A paused topic is
# owed nothing. Subqueries, not a join: the rows of thread 0 (nearly all) never look at
# topics (a join probed it for each, +60% on a 100,000-subscription fan-out on SQLite).
_DIGEST = (
    "CASE WHEN s.thread_id = 0 THEN c.digest ELSE (SELECT t.digest FROM topics t"
    " WHERE t.chat_id = s.chat_id AND t.thread_id = s.thread_id) END"
)
_NOT_PAUSED = (
    " AND (s.thread_id = 0 OR NOT EXISTS (SELECT 1 FROM topics t WHERE t.chat_id = s.chat_id"
    " AND t.thread_id = s.thread_id AND t.paused_at IS NOT NULL))"
)
_OWED = (
    "SELECT DISTINCT s.chat_id, s.thread_id, m.post_id, m.rank,"
    f" CASE WHEN {_DIGEST} IS NULL THEN 0 ELSE 1 END"
    " AS digest FROM fanout_matches m JOIN subscriptions s ON s.filters = m.filters"
    f" JOIN chats c ON c.id = s.chat_id WHERE m.fanout_id = ? AND c.active = 1{_NOT_PAUSED}"
    " AND (s.source_id = ? OR s.source_id IS NULL){chats}{skip}"
)
_SKIP = (
    " AND NOT EXISTS (SELECT 1 FROM plan_skip k"
    " WHERE k.post_id = m.post_id AND k.chat_id = s.chat_id AND k.thread_id = s.thread_id)"
)


async def subscriber_filters(db: Connection, source_id: int) -> list[str]:
    """The distinct filters of the subscriptions a new post of this source is planned
    against (inactive chats' too: they are left out when the rows are written)."""
    rows = await db.fetchall(
        "SELECT DISTINCT filters FROM subscriptions WHERE source_id = ? OR source_id IS NULL",
        (source_id,),
    )
    return [row["filters"] for row in rows]


async def owe_matching(
    db: Connection,
    fanout_id: int,
    source_id: int,
    chats: tuple[int, int | None],
    skip: Iterable[tuple[int, int, int]],
    cap: int,
) -> int:
    """Owe a fan-out's posts to the source's subscribers among `chats` in one INSERT … SELECT.

    The fan-out's matches hold (post_id, rank, filters) for each filter that passes a post,
    rank 0 for the newest post; `chats` is the range of chat ids [low, high) (high None:
    no end); `skip` the (post_id, chat_id, thread_id) already owed through another source. A chat in
    digest mode gets "digest" rows; the others "push" for their `cap` newest posts, written
    oldest first, and "more" past it. A row already there stays as is, so a chunk written
    again writes nothing. Returns the rows written.
    """
    skip = list(skip)
    if skip:
        temporary = "TEMPORARY" if db.dialect == "postgres" else "TEMP"
        await db.execute(f"CREATE {temporary} TABLE IF NOT EXISTS {_SKIP_TABLE}")
        await db.insert_rows("plan_skip", ("post_id", "chat_id", "thread_id"), skip)
    low, high = chats
    where = _CHATS.format(below="" if high is None else " AND s.chat_id < ?")
    bounds = (low,) if high is None else (low, high)
    owed = _OWED.format(chats=where, skip=_SKIP if skip else "")
    now = now_iso()
    posts = await db.fetchone(
        "SELECT count(DISTINCT post_id) AS n FROM fanout_matches WHERE fanout_id = ?",
        (fanout_id,),
    )
    if posts is None or posts["n"] < 2:
        # One post: no cap to count, and a chat with two matching subscriptions (its source
        # and "all") meets the unique key instead of a DISTINCT.
        written = await db.execute(
            "INSERT INTO outbox (chat_id, thread_id, post_id, kind, created_at)"
            f" SELECT s.chat_id, s.thread_id, m.post_id, CASE WHEN {_DIGEST} IS NULL THEN 'push'"
            " ELSE 'digest' END, ? FROM fanout_matches m"
            " JOIN subscriptions s ON s.filters = m.filters JOIN chats c ON c.id = s.chat_id"
            f" WHERE m.fanout_id = ? AND c.active = 1{_NOT_PAUSED}"
            f" AND (s.source_id = ? OR s.source_id IS NULL){where}{_SKIP if skip else ''}"
            " ON CONFLICT DO NOTHING",
            (now, fanout_id, source_id, *bounds),
        )
    else:
        written = await db.execute(
            "INSERT INTO outbox (chat_id, thread_id, post_id, kind, created_at)"
            " SELECT chat_id, thread_id, post_id, kind, ? FROM"
            " (SELECT chat_id, thread_id, post_id, rank, CASE WHEN digest = 1 THEN 'digest'"
            " WHEN row_number() OVER (PARTITION BY chat_id, thread_id ORDER BY rank) <= ?"
            " THEN 'push'"
            f" ELSE 'more' END AS kind FROM ({owed}) owed) ranked"
            # Pushes oldest first, then the summary: the outbox drains in the order written.
            " ORDER BY CASE WHEN kind = 'more' THEN 1 ELSE 0 END, rank DESC, chat_id, thread_id"
            " ON CONFLICT DO NOTHING",
            (now, cap, fanout_id, source_id, *bounds),
        )
    if skip:
        await db.execute("DELETE FROM plan_skip")
    return written
