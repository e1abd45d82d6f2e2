"""The delivery outbox: what is owed to which chat, and what became of it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.models import Delivery
from bot.store.base import StoreBase, _iso, _now, _parse_iso
from bot.store.db import Connection

_SNIPPET = 400

_DELIVERY_SELECT = (
    "SELECT o.id, o.chat_id, o.post_id, o.kind, p.title, p.url, s.name, p.published,"
    " p.hashtags, coalesce((SELECT substr(q.text, 1, ?) FROM passages q WHERE q.post_id = p.id"
    " ORDER BY q.position LIMIT 1), ''), o.created_at, o.attempts, p.images, p.paywalled"
    " FROM outbox o JOIN posts p ON p.id = o.post_id JOIN sources s ON s.id = p.source_id"
)


def _delivery(row: Any) -> Delivery:
    images = json.loads(row[12] or "[]")
    return Delivery(
        id=row[0],
        chat_id=row[1],
        post_id=row[2],
        kind=row[3],
        title=row[4],
        url=row[5],
        source=row[6],
        published=_parse_iso(row[7]),
        hashtags=tuple(json.loads(row[8] or "[]")),
        snippet=row[9],
        created_at=_parse_iso(row[10]) or datetime.min.replace(tzinfo=UTC),
        attempts=row[11],
        image=images[0] if images else None,
        paywalled=bool(row[13]),
    )


class OutboxStore(StoreBase):
    """Queries over the outbox."""

    async def enqueue(self, rows: Iterable[tuple[int, int, str]]) -> None:
        """Owe posts to chats: (chat_id, post_id, kind); a row already there stays as is."""
        async with self._transaction() as tx:
            await enqueue(tx, rows)

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
            " AND NOT (coalesce(p.page_state, '') = 'wanted' AND o.kind = 'push'"
            " AND o.created_at > ?)"
            " ORDER BY o.id LIMIT ?",
            (_SNIPPET, _iso(moment), _iso(moment - timedelta(seconds=page_wait)), limit),
        )
        return [_delivery(row) for row in rows]

    async def release_digest(self, chat_id: int, now: datetime) -> int:
        """A chat's digest falls due: what it gathered becomes sendable; returns the count.

        The schedule's moment is consumed in the same transaction, so a crash can neither
        skip a digest nor release one twice; the rows stay pending until Telegram takes
        the message that carries them.
        """
        moment = _iso(now)
        async with self._transaction() as tx:
            released = await tx.execute(
                "UPDATE outbox SET released_at = ? WHERE chat_id = ? AND kind = 'digest'"
                " AND state = 'pending' AND released_at IS NULL",
                (moment, chat_id),
            )
            await tx.execute("UPDATE chats SET last_digest_at = ? WHERE id = ?", (moment, chat_id))
            return released

    async def digest_owed(self, chat_id: int, now: datetime | None = None) -> list[Delivery]:
        """A chat's released digest rows due now: the content of its next digest."""
        rows = await self._db.fetchall(
            f"{_DELIVERY_SELECT} WHERE o.chat_id = ? AND o.kind = 'digest'"
            " AND o.state = 'pending' AND o.released_at IS NOT NULL"
            " AND (o.not_before IS NULL OR o.not_before <= ?) ORDER BY o.id",
            (_SNIPPET, chat_id, _iso(now) or _now()),
        )
        return [_delivery(row) for row in rows]

    async def more_owed(
        self, chat_id: int, now: datetime | None = None
    ) -> tuple[dict[str, list[int]], int]:
        """A chat's pending "more" rows due now, by source name, and their most attempts."""
        by_source: dict[str, list[int]] = {}
        attempts = 0
        rows = await self._db.fetchall(
            "SELECT s.name, o.id, o.attempts FROM outbox o JOIN posts p ON p.id = o.post_id"
            " JOIN sources s ON s.id = p.source_id WHERE o.chat_id = ? AND o.kind = 'more'"
            " AND o.state = 'pending' AND (o.not_before IS NULL OR o.not_before <= ?)"
            " ORDER BY o.id",
            (chat_id, _iso(now) or _now()),
        )
        for name, row_id, tries in rows:
            by_source.setdefault(name, []).append(row_id)
            attempts = max(attempts, tries)
        return by_source, attempts

    async def mark_sent(self, ids: Sequence[int]) -> None:
        """These deliveries reached Telegram."""
        now = _now()
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
        now = _now()
        await self._db.executemany(
            "UPDATE outbox SET state = ?, error = ?, settled_at = ?, attempts = attempts + 1"
            " WHERE id = ? AND state = 'pending'",
            [(state, error[:500], now, i) for i in ids],
        )

    async def fail_pending(self, chat_id: int, error: str) -> int:
        """Give up everything still owed to a chat (it blocked the bot)."""
        return await self._db.execute(
            "UPDATE outbox SET state = 'failed', error = ?, settled_at = ?"
            " WHERE chat_id = ? AND state = 'pending'",
            (error[:500], _now(), chat_id),
        )

    async def postpone(self, ids: Sequence[int], until: datetime, error: str) -> None:
        """Try these again later (a network error), counting the attempt."""
        await self._db.executemany(
            "UPDATE outbox SET not_before = ?, error = ?, attempts = attempts + 1"
            " WHERE id = ? AND state = 'pending'",
            [(_iso(until), error[:500], i) for i in ids],
        )

    async def prune_outbox(self, before: datetime) -> int:
        """Forget deliveries settled (sent, failed, given up) before `before`; pending stay."""
        return await self._db.execute(
            "DELETE FROM outbox WHERE settled_at IS NOT NULL AND settled_at < ?", (_iso(before),)
        )

    async def outbox_counts(self, chat_id: int | None = None) -> dict[str, int]:
        """Deliveries per state (and kind for pending ones), for one chat or all."""
        where, params = ("WHERE chat_id = ?", (chat_id,)) if chat_id is not None else ("", ())
        counts: dict[str, int] = {}
        rows = await self._db.fetchall(
            f"SELECT state, kind, count(*) FROM outbox {where} GROUP BY state, kind", params
        )
        for state, kind, count in rows:
            key = f"{state}_{kind}" if state == "pending" else state
            counts[key] = counts.get(key, 0) + count
        return counts


async def enqueue(db: Connection, rows: Iterable[tuple[int, int, str]]) -> None:
    """Owe posts to chats: (chat_id, post_id, kind); a row already there stays as is."""
    now = _now()
    await db.insert_new(
        "outbox",
        ("chat_id", "post_id", "kind", "created_at"),
        [(chat, post, kind, now) for chat, post, kind in rows],
    )
