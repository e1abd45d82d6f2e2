"""Sources, posts, passages and the search index's feed of changes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.models import (
    PASSAGE_KINDS,
    IndexedPassage,
    IndexedPost,
    LoadSummary,
    Post,
    Subscription,
    article_key,
)
from bot.store.base import _iso, _parse_iso
from bot.store.chats import ChatStore
from bot.store.dedup import delivered_elsewhere, source_posts
from bot.text import normalize, normalize_many

# Given the new posts (with their ids), the source's subscribers and, per new post, the
# chats already owed that article through another source: the deliveries owed.
Planner = Callable[
    [Sequence[tuple[int, Post]], Sequence[Subscription], Mapping[int, Collection[int]]],
    Iterable[tuple[int, int, str]],
]


@dataclass(slots=True)
class _Batch:
    """The rows one upsert writes, sent in a few executemany calls, not a call per post."""

    inserts: list[tuple[Any, ...]] = field(default_factory=list)
    updates: list[tuple[Any, ...]] = field(default_factory=list)
    passages: list[tuple[Any, ...]] = field(default_factory=list)


async def _write_batch(db: aiosqlite.Connection, batch: _Batch) -> None:
    await db.executemany(
        "INSERT INTO posts (id, source_id, identity, content_hash, title, title_norm,"
        " url, author, published, reading_minutes, hashtags, images, credits,"
        " categories, url_key, first_seen, updated_at, seq)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        batch.inserts,
    )
    if batch.updates:
        await db.executemany(
            "UPDATE posts SET identity = ?, content_hash = ?, title = ?, title_norm = ?,"
            " url = ?, author = ?, published = ?, reading_minutes = ?, hashtags = ?,"
            " images = ?, credits = ?, categories = ?, url_key = ?, updated_at = ?, seq = ?"
            " WHERE id = ?",
            batch.updates,
        )
        await db.executemany(
            "DELETE FROM passages WHERE post_id = ?", [(u[-1],) for u in batch.updates]
        )
    await db.executemany(
        "INSERT INTO passages (post_id, position, kind, speaker, text, norm)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        batch.passages,
    )


class PostStore(ChatStore):
    """Queries over sources, posts and passages (planning reads the chats' subscriptions)."""

    # -- sources -------------------------------------------------------------------------

    # -- posts ---------------------------------------------------------------------------

    async def upsert_posts(
        self, source_id: int, posts: Sequence[Post], *, plan: Planner | None = None
    ) -> LoadSummary:
        """Insert new posts, update changed ones in place, leave the rest; one transaction.

        With `plan` (polling), the deliveries the new posts owe to the source's subscribers
        are written into the outbox in the same transaction: a crash loses neither. And a
        republished article is not news: an entry under a new id whose article URL (or
        long title, lately) is a post the source has updates that post, and a chat owed
        the same article through another source lately is not owed it twice.
        """
        summary = LoadSummary()
        if not posts:
            return summary
        moment = datetime.now(UTC)
        now = _iso(moment)
        # Unchecked: every passage and delivery row points at a post inserted just before it
        # in this transaction, and the checks cost a fifth of a bulk load.
        async with self._transaction(checked=False) as db:
            known, hashes, stored = await source_posts(db, source_id, moment, plan is not None)
            if stored is not None:
                stored.forget_shared(article_key(p.url) for p in posts if p.identity not in known)
            async with db.execute(
                "UPDATE counters SET value = value + 1 WHERE name = 'post_seq' RETURNING value"
            ) as cursor:
                row = await cursor.fetchone()
            assert row is not None
            seq = int(row[0])
            async with db.execute("SELECT coalesce(max(id), 0) FROM posts") as cursor:
                row = await cursor.fetchone()
            # The write lock is ours (BEGIN IMMEDIATE), so ids can be handed out here and
            # everything sent in three batches instead of a round trip per post.
            next_id = int(row[0]) + 1 if row else 1
            batch = _Batch()
            new_posts: list[tuple[int, Post]] = []
            seen: dict[str, str] = {}  # identity → content hash of its first entry
            touched: set[int] = set()  # posts this input already wrote or left as they were
            for post in posts:
                identity = post.identity
                digest = post.content_hash
                if identity in seen:
                    # The same id twice in one input: the first one wins. Another entry
                    # under a taken id (a feed reusing its guids) is a collision.
                    summary.skipped += 1
                    summary.collisions += seen[identity] != digest
                    continue
                seen[identity] = digest
                values = _post_values(post)
                post_id = known.get(identity)
                republished = False
                if post_id is None and stored is not None:
                    post_id = stored.match(values[-1], values[1])
                    republished = post_id is not None
                if post_id is not None and post_id in touched:
                    summary.skipped += 1  # a second copy of one article in this input
                    continue
                if post_id is None:
                    post_id, next_id = next_id, next_id + 1
                    row = (post_id, source_id, identity, digest, *values)
                    batch.inserts.append((*row, now, now, seq))
                    new_posts.append((post_id, post))
                    summary.new += 1
                    summary.new_post_ids.append(post_id)
                    if stored is not None:
                        stored.add(post_id, values[-1], values[1])
                elif hashes[post_id] != digest or republished:
                    # A republished entry also takes over the post's id, so it stays
                    # recognised once the title match has aged out.
                    batch.updates.append((identity, digest, *values, now, seq, post_id))
                    summary.updated += 1
                else:
                    summary.unchanged += 1
                    touched.add(post_id)
                    continue
                touched.add(post_id)
                norms = normalize_many([p.text for p in post.passages])
                batch.passages.extend(
                    (post_id, position, p.kind, p.speaker, p.text, norm)
                    for position, (p, norm) in enumerate(zip(post.passages, norms, strict=True))
                )
            await _write_batch(db, batch)
            await db.execute(
                "UPDATE sources SET guid_collisions = ? WHERE id = ?",
                (summary.collisions, source_id),
            )
            if plan is not None and new_posts:
                keys = {pid: key for pid, p in new_posts if (key := article_key(p.url))}
                elsewhere = await delivered_elsewhere(db, source_id, keys, moment)
                owed = list(plan(new_posts, await self.subscribers(source_id), elsewhere))
                await db.executemany(
                    "INSERT OR IGNORE INTO outbox (chat_id, post_id, kind, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    [(chat, post, kind, now) for chat, post, kind in owed],
                )
                summary.planned = len(owed)
        return summary

    async def count_posts(self) -> int:
        """How many posts are stored."""
        async with self._db.execute("SELECT count(*) FROM posts") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def stats(self) -> dict[str, Any]:
        """Counts of posts per source and passages per kind, plus the schema version."""
        sources: dict[str, int] = {}
        async with self._db.execute(
            "SELECT s.name, count(p.id) FROM sources s LEFT JOIN posts p ON p.source_id = s.id"
            " GROUP BY s.id ORDER BY count(p.id) DESC, s.key"
        ) as cursor:
            async for name, count in cursor:
                sources[name] = count
        kinds: Counter[str] = Counter({kind: 0 for kind in PASSAGE_KINDS})
        async with self._db.execute("SELECT kind, count(*) FROM passages GROUP BY kind") as cursor:
            async for kind, count in cursor:
                kinds[kind] = count
        async with self._db.execute(
            "SELECT count(*), min(published), max(published) FROM posts"
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return {
            "posts": row[0],
            "sources": sources,
            "passages": dict(kinds),
            "oldest": row[1],
            "newest": row[2],
            "database": str(self.path),
            "schema_version": await self.schema_version(),
        }

    async def index_changes(
        self, after_seq: int = 0, *, limit: int | None = None
    ) -> tuple[int, list[IndexedPost]]:
        """Posts changed or deleted since `after_seq`, as the search index wants them; with
        `limit`, about that many posts at most (whole changes: the position returned is
        where to go on from)."""
        posts: dict[int, IndexedPost] = {}
        upto = (1 << 62) if limit is None else await self._seq_after(after_seq, limit)
        async with self._db.execute(
            "SELECT p.id, s.name, p.title, p.title_norm, p.author, p.published, p.url, p.seq"
            " FROM posts p JOIN sources s ON s.id = p.source_id WHERE p.seq > ? AND p.seq <= ?"
            " ORDER BY p.id",
            (after_seq, upto),
        ) as cursor:
            top = after_seq
            rows = await cursor.fetchall()
        passages: dict[int, list[IndexedPassage]] = {row[0]: [] for row in rows}
        if rows:
            async with self._db.execute(
                "SELECT q.post_id, q.id, q.kind, q.speaker, q.text, q.norm FROM passages q"
                " JOIN posts p ON p.id = q.post_id WHERE p.seq > ? AND p.seq <= ?"
                " ORDER BY q.post_id, q.position",
                (after_seq, upto),
            ) as cursor:
                async for post_id, pid, kind, speaker, text, norm in cursor:
                    passages[post_id].append(IndexedPassage(pid, kind, speaker, text, norm))
        for pid, source, title, title_norm, author, published, url, seq in rows:
            top = max(top, seq)
            posts[pid] = IndexedPost(
                post_id=pid,
                source=source,
                title=title,
                title_norm=title_norm,
                author=author,
                published=_parse_iso(published),
                url=url,
                passages=tuple(passages[pid]),
            )
        async with self._db.execute(
            "SELECT post_id, seq FROM deleted_posts WHERE seq > ? AND seq <= ?", (after_seq, upto)
        ) as cursor:
            async for pid, seq in cursor:
                top = max(top, seq)
                if pid not in posts:
                    posts[pid] = IndexedPost(pid, "", "", "", None, None, None, deleted=True)
        return top, list(posts.values())

    async def _seq_after(self, after_seq: int, limit: int) -> int:
        """The change number that about `limit` changed posts after `after_seq` reach (a
        change is never split: its posts share one number)."""
        async with self._db.execute(
            "SELECT seq FROM (SELECT seq FROM posts WHERE seq > ? UNION ALL"
            " SELECT seq FROM deleted_posts WHERE seq > ?) ORDER BY seq LIMIT 1 OFFSET ?",
            (after_seq, after_seq, max(0, limit - 1)),
        ) as cursor:
            row = await cursor.fetchone()
        return (1 << 62) if row is None else int(row[0])

    async def recent_posts(
        self, limit: int = 20, source_id: int | None = None, *, with_text: bool = False
    ) -> list[dict]:
        """The newest posts (by date, then arrival); with_text adds their passages' text."""
        where = "WHERE p.source_id = ?" if source_id is not None else ""
        params: tuple[Any, ...] = (source_id, limit) if source_id is not None else (limit,)
        body = (
            ", coalesce((SELECT group_concat(q.text, char(10)) FROM passages q"
            " WHERE q.post_id = p.id), '') AS text"
            if with_text
            else ""
        )
        async with self._db.execute(
            f"SELECT p.id, s.name AS source, p.title, p.url, p.published{body} FROM posts p"
            f" JOIN sources s ON s.id = p.source_id {where}"
            " ORDER BY p.published DESC, p.id DESC LIMIT ?",
            params,
        ) as cursor:
            return [dict(row) async for row in cursor]

    async def sources_overview(self) -> list[dict]:
        """Each source with its post count and latest post date."""
        async with self._db.execute(
            "SELECT s.id, s.name, s.url, s.kind, count(p.id) AS posts, max(p.published) AS latest"
            " FROM sources s LEFT JOIN posts p ON p.source_id = s.id GROUP BY s.id ORDER BY s.key"
        ) as cursor:
            return [dict(row) async for row in cursor]


def _post_values(post: Post) -> tuple[Any, ...]:
    """The columns written from a post; title_norm second, url_key last."""
    return (
        post.title,
        normalize(post.title),
        post.url,
        post.author,
        _iso(post.published),
        post.reading_minutes,
        _json_list(post.hashtags),
        _json_list(post.images),
        _json_list(post.credits),
        _json_list(post.categories),
        article_key(post.url),
    )


def _json_list(items: Iterable[str]) -> str:
    return json.dumps(list(items), ensure_ascii=False)
