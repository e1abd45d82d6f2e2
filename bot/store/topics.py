"""Forum topics: a topic's own settings (digest, quiet hours, previews) and its pause."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.models import Chat
from bot.store.base import now_iso, parse_iso
from bot.store.chats import ChatStore
from bot.store.db import Row

# What /digest, /quiet and /previews set in a topic; the rest (language, time zone) is
# the chat's.
TOPIC_SETTINGS = frozenset(
    {"link_previews", "quiet_start", "quiet_end", "digest", "last_digest_at"}
)
_COLUMNS = (
    "thread_id, title, link_previews, quiet_start, quiet_end, digest, last_digest_at, paused_at"
)


def as_topic(chat: Chat, row: Row) -> Chat:
    """The chat as one of its topics: the topic's settings over the chat's."""
    return dataclasses.replace(
        chat,
        thread_id=int(row["thread_id"]),
        topic_title=row["title"],
        link_previews=bool(row["link_previews"]),
        quiet_start=row["quiet_start"],
        quiet_end=row["quiet_end"],
        digest=row["digest"],
        last_digest_at=parse_iso(row["last_digest_at"]),
        paused_at=parse_iso(row["paused_at"]),
    )


class TopicStore(ChatStore):
    """Queries over the topics of forum chats."""

    async def open_topic(self, chat: Chat, thread_id: int, title: str | None = None) -> Chat:
        """Record a topic a message came from (resuming it when paused) and return the chat
        as that topic; thread 0 is the chat itself."""
        if not thread_id:
            return chat
        await self._db.execute(
            "INSERT INTO topics (chat_id, thread_id, title, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (chat_id, thread_id) DO UPDATE SET"
            " title = coalesce(excluded.title, topics.title), paused_at = NULL,"
            " paused_error = NULL",
            (chat.id, thread_id, title, now_iso()),
        )
        topic = await self.topic(chat, thread_id)
        assert topic is not None
        return topic

    async def topic(self, chat: Chat, thread_id: int) -> Chat | None:
        """The chat as one of its known topics (the chat itself for thread 0)."""
        if not thread_id:
            return chat
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM topics WHERE chat_id = ? AND thread_id = ?",
            (chat.id, thread_id),
        )
        return None if row is None else as_topic(chat, row)

    async def update_settings(self, target: Chat, **values: Any) -> None:
        """Change settings where they apply: the topic's own for a topic, else the chat's."""
        if not target.thread_id:
            await self.update_chat(target.id, **values)
            return
        if not values or not set(values) <= TOPIC_SETTINGS:
            raise ValueError(f"unknown topic settings: {sorted(set(values) - TOPIC_SETTINGS)}")
        columns = ", ".join(f"{name} = ?" for name in values)
        await self._db.execute(
            f"UPDATE topics SET {columns} WHERE chat_id = ? AND thread_id = ?",
            (*values.values(), target.id, target.thread_id),
        )

    async def pause_topic(self, chat_id: int, thread_id: int, error: str) -> bool:
        """Telegram says the topic is closed or gone: nothing more is sent to it, what it
        was owed is dropped, its subscriptions stay. True when it was not paused before
        (the admins are told then, once)."""
        now = now_iso()
        async with self._transaction() as tx:
            await tx.execute(
                "INSERT INTO topics (chat_id, thread_id, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (chat_id, thread_id) DO NOTHING",
                (chat_id, thread_id, now),
            )
            paused = await tx.execute(
                "UPDATE topics SET paused_at = ?, paused_error = ?"
                " WHERE chat_id = ? AND thread_id = ? AND paused_at IS NULL",
                (now, error[:500], chat_id, thread_id),
            )
            await tx.execute(
                "UPDATE outbox SET state = 'failed', error = ?, settled_at = ?"
                " WHERE chat_id = ? AND thread_id = ? AND state = 'pending'",
                (error[:500], now, chat_id, thread_id),
            )
        return paused > 0

    async def resume_topic(self, chat_id: int, thread_id: int) -> bool:
        """The topic was reopened: sends to it resume. True when it was paused."""
        resumed = await self._db.execute(
            "UPDATE topics SET paused_at = NULL, paused_error = NULL"
            " WHERE chat_id = ? AND thread_id = ? AND paused_at IS NOT NULL",
            (chat_id, thread_id),
        )
        return resumed > 0

    async def rename_topic(self, chat_id: int, thread_id: int, title: str) -> None:
        """A topic's new name (forum_topic_edited)."""
        await self._db.execute(
            "UPDATE topics SET title = ? WHERE chat_id = ? AND thread_id = ?",
            (title, chat_id, thread_id),
        )

    async def topics_with_digest(self) -> list[Chat]:
        """Topics of active chats that asked for digests and are not paused, as chats."""
        due = "digest IS NOT NULL AND paused_at IS NULL"
        rows = await self._db.fetchall(f"SELECT chat_id, {_COLUMNS} FROM topics WHERE {due}")
        # Their chats in one query, not one each: the digest job runs every minute.
        chats = {
            chat.id: chat
            for chat in await self._chats_where(
                f"active = 1 AND id IN (SELECT chat_id FROM topics WHERE {due})"
            )
        }
        return [as_topic(chats[row["chat_id"]], row) for row in rows if row["chat_id"] in chats]
