"""Searches saved behind result-page buttons: each belongs to one chat, under a random id."""

from __future__ import annotations

import secrets
from datetime import datetime

from bot.store.base import StoreBase, _iso, _now

# 12 random bytes: 16 url-safe characters, unguessable, and short enough that a button's
# data (`q:<id>:<page>`) stays far below Telegram's 64 bytes.
QUERY_ID_BYTES = 12


class QueryStore(StoreBase):
    """Saved searches, so ◀ ▶ buttons keep working after a restart."""

    async def save_query(self, chat_id: int, query: str) -> str:
        """The id of `query` saved for `chat_id` (the same id when the chat searches again)."""
        row = await self._db.returning(
            "INSERT INTO saved_queries (id, chat_id, query, used_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (chat_id, query) DO UPDATE SET used_at = excluded.used_at"
            " RETURNING id",
            (secrets.token_urlsafe(QUERY_ID_BYTES), chat_id, query, _now()),
        )
        assert row is not None
        return str(row["id"])

    async def saved_query(self, chat_id: int, query_id: str) -> str | None:
        """The query saved under `query_id` for this chat; None for any other chat or id."""
        row = await self._db.fetchone(
            "SELECT query FROM saved_queries WHERE id = ? AND chat_id = ?", (query_id, chat_id)
        )
        return None if row is None else str(row["query"])

    async def forget_queries(self, before: datetime) -> int:
        """Drop saved queries unused since `before`; their buttons then say they expired."""
        return await self._db.execute(
            "DELETE FROM saved_queries WHERE used_at < ?", (_iso(before),)
        )
