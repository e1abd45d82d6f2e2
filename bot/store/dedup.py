"""Republished articles: a new entry that is an article already stored, or already delivered.

A feed may republish an article under a new guid (same link), or with its title kept and
its link changed; two feeds may carry one article. None of these is news to a reader.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from bot.store.base import iso_utc
from bot.store.db import Connection

# How long a title match, or a delivery from another source, makes an entry "seen".
RECENT = timedelta(days=3)
# Shorter titles recur on purpose ("Revue de presse", "Le journal de 8h"): never matched.
MIN_TITLE_WORDS = 6
_CHUNK = 500


def comparable_title(title_norm: str) -> str | None:
    """A normalized title long enough to identify an article, else None."""
    return title_norm if len(title_norm.split()) >= MIN_TITLE_WORDS else None


class SourcePosts:
    """A source's stored posts by article URL (any age) and long title (recent ones)."""

    def __init__(self, rows: Iterable[tuple[int, str | None, str, str]], now: datetime) -> None:
        """`rows`: (post id, url_key, title_norm, first_seen ISO) of the source's posts."""
        rows = list(rows)
        recent = iso_utc(now - RECENT) or ""
        # A link shared by several posts (a feed that links every entry to one page)
        # identifies none of them.
        shared = Counter(key for _, key, _, _ in rows if key)
        self._by_url = {key: pid for pid, key, _, _ in rows if key and shared[key] == 1}
        self._shared = {key for key, count in shared.items() if count > 1}
        self._by_title = {
            title: pid
            for pid, _, norm, seen in rows
            if seen >= recent and (title := comparable_title(norm))
        }

    def forget_shared(self, new_keys: Iterable[str | None]) -> None:
        """Stop matching links that several new entries of one input share."""
        counts = Counter(key for key in new_keys if key)
        for key, count in counts.items():
            if count > 1:
                self._by_url.pop(key, None)
                self._shared.add(key)

    def match(self, url_key: str | None, title_norm: str) -> int | None:
        """The stored post this entry is another copy of, if any."""
        if url_key and url_key in self._by_url:
            return self._by_url[url_key]
        title = comparable_title(title_norm)
        return self._by_title.get(title) if title else None

    def add(self, post_id: int, url_key: str | None, title_norm: str) -> None:
        """A post stored by this input: later entries of the input are matched to it too."""
        if url_key and url_key not in self._shared:
            self._by_url.setdefault(url_key, post_id)
        if title := comparable_title(title_norm):
            self._by_title.setdefault(title, post_id)


async def delivered_elsewhere(
    db: Connection,
    source_id: int,
    keys: Mapping[int, str],
    now: datetime,
    among_chats: tuple[int, int | None] | None = None,
) -> dict[int, set[tuple[int, int]]]:
    """For new posts (id → url_key), the (chat, forum topic) already owed the same article
    lately through another source; only those of the chat-id range [low, high) with
    `among_chats`. Another topic of the same chat still gets it: it follows other sources."""
    among, bounds = "", tuple[int, ...]()
    if among_chats is not None:
        low, high = among_chats
        among = " AND o.chat_id >= ?" if high is None else " AND o.chat_id >= ? AND o.chat_id < ?"
        bounds = (low,) if high is None else (low, high)
    by_key: dict[str, list[int]] = {}
    for post_id, key in keys.items():
        by_key.setdefault(key, []).append(post_id)
    chats: dict[int, set[tuple[int, int]]] = {}
    wanted = list(by_key)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        rows = await db.fetchall(
            "SELECT p.url_key, o.chat_id, o.thread_id FROM posts p"
            " JOIN outbox o ON o.post_id = p.id"
            f" WHERE p.url_key IN ({marks}) AND p.source_id != ? AND p.first_seen >= ?{among}",
            (*chunk, source_id, iso_utc(now - RECENT), *bounds),
        )
        for row in rows:
            for post_id in by_key[row["url_key"]]:
                chats.setdefault(post_id, set()).add((int(row["chat_id"]), int(row["thread_id"])))
    return chats


async def source_posts(
    db: Connection, source_id: int, now: datetime, compare: bool
) -> tuple[dict[str, int], dict[int, str], SourcePosts | None]:
    """A source's posts: id by identity, content hash by id, and (to `compare` republished
    entries) by article URL and title."""
    extra = ", url_key, title_norm, first_seen" if compare else ""
    rows = await db.fetchall(
        f"SELECT identity, id, content_hash{extra} FROM posts WHERE source_id = ?", (source_id,)
    )
    known = {row["identity"]: row["id"] for row in rows}
    hashes = {row["id"]: row["content_hash"] for row in rows}
    stored = None
    if compare:
        stored = SourcePosts(
            ((r["id"], r["url_key"], r["title_norm"], r["first_seen"]) for r in rows), now
        )
    return known, hashes, stored
