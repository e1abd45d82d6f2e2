"""Chats and their subscriptions."""

from __future__ import annotations

from typing import Any

from bot.models import Chat, Subscription
from bot.store.base import StoreBase, fits_sqlite, now_iso, parse_iso
from bot.store.db import Connection, Row

_CHAT_COLUMNS = (
    "id, type, title, language, timezone, active, link_previews, quiet_start, quiet_end,"
    " digest, last_digest_at, manages, language_chosen"
)


def _chat(row: Row) -> Chat:
    return Chat(
        id=row["id"],
        type=row["type"],
        title=row["title"],
        language=row["language"],
        timezone=row["timezone"],
        active=bool(row["active"]),
        link_previews=bool(row["link_previews"]),
        quiet_start=row["quiet_start"],
        quiet_end=row["quiet_end"],
        digest=row["digest"],
        last_digest_at=parse_iso(row["last_digest_at"]),
        manages=row["manages"],
        language_chosen=bool(row["language_chosen"]),
    )


class ChatStore(StoreBase):
    """Queries over chats and subscriptions."""

    async def upsert_chat(
        self, chat_id: int, *, type: str, title: str | None = None, language: str | None = None
    ) -> Chat:
        """Record a chat (or refresh its title, and its language unless one was chosen with
        /langue) and mark it active."""
        await self._db.execute(
            "INSERT INTO chats (id, type, title, language, created_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET type = excluded.type,"
            " title = coalesce(excluded.title, chats.title), active = 1,"
            " language = CASE WHEN chats.language_chosen = 1 THEN chats.language"
            " ELSE coalesce(?, chats.language) END",
            (chat_id, type, title, language or "fr", now_iso(), language),
        )
        chat = await self.chat(chat_id)
        assert chat is not None
        return chat

    async def chat(self, chat_id: int) -> Chat | None:
        """A chat by its Telegram id."""
        row = await self._db.fetchone(f"SELECT {_CHAT_COLUMNS} FROM chats WHERE id = ?", (chat_id,))
        return None if row is None else _chat(row)

    async def chats_with_digest(self) -> list[Chat]:
        """Active chats that asked for digests."""
        return await self._chats_where("digest IS NOT NULL AND active = 1")

    async def _chats_where(self, condition: str) -> list[Chat]:
        """The chats meeting an SQL condition of the store's own (never a user's text)."""
        rows = await self._db.fetchall(f"SELECT {_CHAT_COLUMNS} FROM chats WHERE {condition}")
        return [_chat(row) for row in rows]

    async def update_chat(self, chat_id: int, **values: Any) -> None:
        """Change some of a chat's settings (active, quiet hours, digest, timezone, ...)."""
        allowed = {
            "active",
            "link_previews",
            "quiet_start",
            "quiet_end",
            "digest",
            "last_digest_at",
            "timezone",
            "manages",
            "language",
            "language_chosen",
        }
        if not values or not set(values) <= allowed:
            raise ValueError(f"unknown chat settings: {sorted(set(values) - allowed)}")
        columns = ", ".join(f"{name} = ?" for name in values)
        await self._db.execute(
            f"UPDATE chats SET {columns} WHERE id = ?", (*values.values(), chat_id)
        )

    async def migrate_chat(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: move the chat, its subscriptions and its outbox."""
        async with self._transaction() as tx:
            if await tx.fetchone("SELECT 1 FROM chats WHERE id = ?", (new_id,)):
                # Both ids known: keep the new one, carry over what the old one had (what
                # the new one has already stays; the old chat's copy goes with it).
                await tx.execute(
                    "DELETE FROM subscriptions WHERE chat_id = ?"
                    " AND (thread_id, coalesce(source_id, 0)) IN"
                    " (SELECT thread_id, coalesce(source_id, 0) FROM subscriptions"
                    " WHERE chat_id = ?)",
                    (old_id, new_id),
                )
                await tx.execute(
                    "UPDATE subscriptions SET chat_id = ? WHERE chat_id = ?", (new_id, old_id)
                )
                await tx.execute(
                    "DELETE FROM outbox WHERE chat_id = ? AND (thread_id, post_id, kind) IN"
                    " (SELECT thread_id, post_id, kind FROM outbox WHERE chat_id = ?)",
                    (old_id, new_id),
                )
                await tx.execute(
                    "DELETE FROM topics WHERE chat_id = ? AND thread_id IN"
                    " (SELECT thread_id FROM topics WHERE chat_id = ?)",
                    (old_id, new_id),
                )
                await tx.execute(
                    "UPDATE topics SET chat_id = ? WHERE chat_id = ?", (new_id, old_id)
                )
                await tx.execute(
                    "UPDATE outbox SET chat_id = ? WHERE chat_id = ?", (new_id, old_id)
                )
                await tx.execute("DELETE FROM chats WHERE id = ?", (old_id,))
            else:
                await tx.execute(
                    "UPDATE chats SET id = ?, type = 'supergroup' WHERE id = ?", (new_id, old_id)
                )

    # -- subscriptions -------------------------------------------------------------------

    async def subscribe(
        self,
        chat_id: int,
        source_id: int | None,
        filters: str = "",
        shown: str | None = None,
        *,
        thread_id: int = 0,
    ) -> bool:
        """Follow a source (None: all) with a filter (`shown`: as the user wrote it), in a
        topic of the chat (0: the chat itself); True when new, False when updated.

        One upsert, so two racing /subscribe of a chat never both insert. The conflict
        target repeats the unique index's expressions exactly, as SQLite requires.
        """
        created_at = now_iso()
        row = await self._db.returning(
            "INSERT INTO subscriptions"
            " (chat_id, thread_id, source_id, filters, filters_shown, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (chat_id, thread_id, (coalesce(source_id, 0)))"
            " DO UPDATE SET filters = excluded.filters, filters_shown = excluded.filters_shown"
            " RETURNING created_at",
            (chat_id, thread_id, source_id, filters, shown, created_at),
        )
        # An update keeps the row's own created_at: ours (to the microsecond, and writes are
        # serialised) comes back only from the insert.
        return row is not None and row["created_at"] == created_at

    async def unsubscribe(
        self, chat_id: int, source_id: int | None, *, every: bool = False, thread_id: int = 0
    ) -> int:
        """Stop following a source (None: the `all` subscription; every=True: everything)
        in a topic of the chat (0: the chat itself)."""
        if every:
            return await self._db.execute(
                "DELETE FROM subscriptions WHERE chat_id = ? AND thread_id = ?",
                (chat_id, thread_id),
            )
        return await self._db.execute(
            "DELETE FROM subscriptions WHERE chat_id = ? AND thread_id = ?"
            " AND coalesce(source_id, 0) = ?",
            (chat_id, thread_id, source_id or 0),
        )

    async def remove_subscription(self, chat_id: int, subscription_id: int) -> bool:
        """Remove one subscription of this chat by id (the buttons of /subscriptions)."""
        if not fits_sqlite(subscription_id):
            return False
        removed = await self._db.execute(
            "DELETE FROM subscriptions WHERE id = ? AND chat_id = ?", (subscription_id, chat_id)
        )
        return removed > 0

    async def subscriptions(self, chat_id: int, thread_id: int = 0) -> list[Subscription]:
        """A chat's subscriptions in one topic (0: the chat itself), `all` first, then by
        source name."""
        rows = await self._db.fetchall(
            "SELECT s.id, s.chat_id, s.source_id, src.name AS source, s.filters,"
            " CASE WHEN s.thread_id = 0 THEN c.digest ELSE t.digest END IS NOT NULL AS digest,"
            " s.filters_shown, s.thread_id"
            " FROM subscriptions s JOIN chats c ON c.id = s.chat_id"
            " LEFT JOIN topics t ON t.chat_id = s.chat_id AND t.thread_id = s.thread_id"
            " LEFT JOIN sources src ON src.id = s.source_id"
            " WHERE s.chat_id = ? AND s.thread_id = ? ORDER BY s.source_id IS NOT NULL, src.key",
            (chat_id, thread_id),
        )
        return [_subscription(row, row["filters_shown"]) for row in rows]

    async def subscribers(self, source_id: int) -> list[Subscription]:
        """Active subscriptions that a new post of this source must be planned against."""
        return await subscribers(self._db, source_id)


async def subscribers(db: Connection, source_id: int) -> list[Subscription]:
    """Active subscriptions that a new post of this source must be planned against."""
    rows = await db.fetchall(
        "SELECT s.id, s.chat_id, s.source_id, NULL AS source, s.filters,"
        " CASE WHEN s.thread_id = 0 THEN c.digest ELSE t.digest END IS NOT NULL AS digest,"
        " s.thread_id"
        " FROM subscriptions s JOIN chats c ON c.id = s.chat_id"
        " LEFT JOIN topics t ON t.chat_id = s.chat_id AND t.thread_id = s.thread_id"
        " WHERE c.active = 1 AND t.paused_at IS NULL"
        " AND (s.source_id = ? OR s.source_id IS NULL)",
        (source_id,),
    )
    return [_subscription(row) for row in rows]


def _subscription(row: Row, shown: str | None = None) -> Subscription:
    return Subscription(
        row["id"],
        row["chat_id"],
        row["source_id"],
        row["source"],
        row["filters"],
        bool(row["digest"]),
        shown,
        int(row["thread_id"]),
    )
