"""Posts and their passages: upserts, counts, and the search index's feed of changes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from bot.models import (
    PASSAGE_KINDS,
    IndexedPassage,
    IndexedPost,
    LoadSummary,
    Post,
    article_key,
)
from bot.store.base import StoreBase, _iso, _parse_iso
from bot.store.db import Connection
from bot.store.dedup import source_posts
from bot.text import normalize, normalize_many


class _PostValues(NamedTuple):
    """The columns written from a post, named as in the posts table."""

    title: str
    title_norm: str
    url: str | None
    author: str | None
    published: str | None
    reading_minutes: int | None
    hashtags: str
    images: str
    credits: str
    categories: str
    url_key: str | None


_POST_COLUMNS = (
    "id", "source_id", "identity", "content_hash", *_PostValues._fields,
    "first_seen", "updated_at", "seq",
)  # fmt: skip
_SET_VALUES = ", ".join(f"{column} = ?" for column in _PostValues._fields)
_PASSAGE_COLUMNS = ("post_id", "position", "kind", "speaker", "text", "norm")


@dataclass(slots=True)
class Upserted:
    """What one upsert did: its counts, and the new and updated posts with their ids."""

    summary: LoadSummary = field(default_factory=LoadSummary)
    new_posts: list[tuple[int, Post]] = field(default_factory=list)
    updated_posts: list[tuple[int, Post]] = field(default_factory=list)


@dataclass(slots=True)
class _Batch:
    """The rows one upsert writes, sent in a few bulk calls, not a call per post."""

    inserts: list[tuple[Any, ...]] = field(default_factory=list)
    updates: list[tuple[Any, ...]] = field(default_factory=list)
    updated_ids: list[tuple[int]] = field(default_factory=list)
    passages: list[tuple[Any, ...]] = field(default_factory=list)


async def _write_batch(db: Connection, batch: _Batch) -> None:
    await db.insert_rows("posts", _POST_COLUMNS, batch.inserts)
    if batch.updates:
        await db.executemany(
            f"UPDATE posts SET identity = ?, content_hash = ?, {_SET_VALUES},"
            " updated_at = ?, seq = ?,"
            # The feed's new text replaces the page's too: the post's page is asked again.
            " text_origin = 'feed', page_state = NULL, page_failure = NULL, paywalled = 0"
            " WHERE id = ?",
            batch.updates,
        )
        await db.executemany("DELETE FROM passages WHERE post_id = ?", batch.updated_ids)
    await db.insert_rows("passages", _PASSAGE_COLUMNS, batch.passages)


# Why an entry of one input is not written (the load report says so, with a count).
SKIP_TWICE = "the same entry twice in this input (the first kept)"
SKIP_COLLISION = "an entry under an id another entry of this input has (the first kept)"
SKIP_COPY = "another copy of an article already in this input"


async def upsert_posts(
    db: Connection, source_id: int, posts: Sequence[Post], *, compare: bool = False
) -> Upserted:
    """Insert new posts, update changed ones in place, leave the rest (in `db`'s transaction).

    With `compare` (polling), a republished article is not news: an entry under a new id
    whose article URL (or long title, lately) is a post the source has updates that post.
    """
    result = Upserted()
    summary = result.summary
    if not posts:
        return result
    moment = datetime.now(UTC)
    now = _iso(moment)
    # The change number first: its row lock makes writers of posts take turns (on
    # PostgreSQL), so what is read below is current and numbers are committed in order.
    row = await db.returning(
        "UPDATE counters SET value = value + 1 WHERE name = 'post_seq' RETURNING value"
    )
    assert row is not None
    seq = int(row["value"])
    known, hashes, stored = await source_posts(db, source_id, moment, compare)
    if stored is not None:
        stored.forget_shared(article_key(p.url) for p in posts if p.identity not in known)
    # New posts get placeholder ids (-1, -2, …) until their real ids are reserved at once.
    new: list[tuple[Post, _PostValues]] = []
    changed: list[tuple[Post, _PostValues, int]] = []
    seen: dict[str, str] = {}  # identity → content hash of its first entry
    touched: set[int] = set()  # posts this input already wrote or left as they were
    for post in posts:
        identity = post.identity
        digest = post.content_hash
        if identity in seen:
            # The same id twice in one input: the first one wins. Another entry under a
            # taken id (a feed reusing its guids) is a collision.
            collision = seen[identity] != digest
            summary.skip(SKIP_COLLISION if collision else SKIP_TWICE)
            summary.collisions += collision
            continue
        seen[identity] = digest
        values = _post_values(post)
        post_id = known.get(identity)
        republished = False
        if post_id is None and stored is not None:
            post_id = stored.match(values.url_key, values.title_norm)
            republished = post_id is not None
        if post_id is not None and post_id in touched:
            summary.skip(SKIP_COPY)  # a second copy of one article in this input
            continue
        if post_id is None:
            post_id = -(len(new) + 1)
            new.append((post, values))
            if stored is not None:
                stored.add(post_id, values.url_key, values.title_norm)
        elif hashes[post_id] != digest or republished:
            # A republished entry also takes over the post's id, so it stays recognised
            # once the title match has aged out.
            changed.append((post, values, post_id))
        else:
            summary.unchanged += 1
        touched.add(post_id)
    ids = await db.reserve_ids("posts", len(new))
    batch = _Batch()
    for post_id, (post, values) in zip(ids, new, strict=True):
        batch.inserts.append((post_id, source_id, post.identity, post.content_hash, *values,
                              now, now, seq))  # fmt: skip
        result.new_posts.append((post_id, post))
        summary.new_post_ids.append(post_id)
        _add_passages(batch, post_id, post)
    for post, values, post_id in changed:
        batch.updates.append((post.identity, post.content_hash, *values, now, seq, post_id))
        batch.updated_ids.append((post_id,))
        result.updated_posts.append((post_id, post))
        _add_passages(batch, post_id, post)
    summary.new = len(new)
    summary.updated = len(changed)
    await _write_batch(db, batch)
    await db.execute(
        "UPDATE sources SET guid_collisions = ? WHERE id = ?", (summary.collisions, source_id)
    )
    return result


def _add_passages(batch: _Batch, post_id: int, post: Post) -> None:
    norms = normalize_many([p.text for p in post.passages])
    batch.passages.extend(
        (post_id, position, p.kind, p.speaker, p.text, norm)
        for position, (p, norm) in enumerate(zip(post.passages, norms, strict=True))
    )


class PostStore(StoreBase):
    """Queries over posts and passages."""

    async def upsert_posts(self, source_id: int, posts: Sequence[Post]) -> LoadSummary:
        """Insert new posts, update changed ones in place, leave the rest; one transaction.

        Polling, which also plans deliveries, composes the same upsert inside its own
        transaction (store.transaction()).
        """
        # Bulk: every passage row points at a post inserted just before it in this
        # transaction, and SQLite's foreign-key checks cost a fifth of a bulk load.
        async with self._transaction(bulk=True) as tx:
            return (await upsert_posts(tx, source_id, posts)).summary

    async def count_posts(self) -> int:
        """How many posts are stored."""
        row = await self._db.fetchone("SELECT count(*) AS n FROM posts")
        return int(row["n"]) if row else 0

    async def stats(self) -> dict[str, Any]:
        """Counts of posts per source and passages per kind, plus the schema version."""
        sources: dict[str, int] = {}
        for row in await self._db.fetchall(
            "SELECT s.name, count(p.id) AS n FROM sources s LEFT JOIN posts p"
            " ON p.source_id = s.id GROUP BY s.id ORDER BY count(p.id) DESC, s.key"
        ):
            sources[row["name"]] = row["n"]
        kinds: Counter[str] = Counter({kind: 0 for kind in PASSAGE_KINDS})
        for row in await self._db.fetchall(
            "SELECT kind, count(*) AS n FROM passages GROUP BY kind"
        ):
            kinds[row["kind"]] = row["n"]
        totals = await self._db.fetchone(
            "SELECT count(*) AS n, min(published) AS oldest, max(published) AS newest FROM posts"
        )
        assert totals is not None
        return {
            "posts": totals["n"],
            "sources": sources,
            "passages": dict(kinds),
            "oldest": totals["oldest"],
            "newest": totals["newest"],
            "database": self._db.describe(),
            "schema_version": await self.schema_version(),
        }

    async def index_changes(
        self, after_seq: int = 0, *, limit: int | None = None
    ) -> tuple[int, list[IndexedPost]]:
        """Posts changed or deleted since `after_seq`, as the search index wants them; with
        `limit`, about that many posts at most (whole changes: the position returned is
        where to go on from)."""
        posts: dict[int, IndexedPost] = {}
        top = after_seq
        # One snapshot on PostgreSQL: posts, passages and tombstones as of one moment.
        async with self._db.snapshot() as db:
            upto = (1 << 62) if limit is None else await _seq_after(db, after_seq, limit)
            rows = await db.fetchall(
                "SELECT p.id, s.name AS source, p.title, p.title_norm, p.author, p.published,"
                " p.url, p.seq"
                " FROM posts p JOIN sources s ON s.id = p.source_id"
                " WHERE p.seq > ? AND p.seq <= ? ORDER BY p.id",
                (after_seq, upto),
            )
            passages: dict[int, list[IndexedPassage]] = {row["id"]: [] for row in rows}
            if rows:
                for q in await db.fetchall(
                    "SELECT q.post_id, q.id, q.kind, q.speaker, q.text, q.norm FROM passages q"
                    " JOIN posts p ON p.id = q.post_id WHERE p.seq > ? AND p.seq <= ?"
                    " ORDER BY q.post_id, q.position",
                    (after_seq, upto),
                ):
                    passages[q["post_id"]].append(
                        IndexedPassage(q["id"], q["kind"], q["speaker"], q["text"], q["norm"])
                    )
            deleted = await db.fetchall(
                "SELECT post_id, seq FROM deleted_posts WHERE seq > ? AND seq <= ?",
                (after_seq, upto),
            )
        for row in rows:
            pid = row["id"]
            top = max(top, row["seq"])
            posts[pid] = IndexedPost(
                post_id=pid,
                source=row["source"],
                title=row["title"],
                title_norm=row["title_norm"],
                author=row["author"],
                published=_parse_iso(row["published"]),
                url=row["url"],
                passages=tuple(passages[pid]),
            )
        for row in deleted:
            pid = row["post_id"]
            top = max(top, row["seq"])
            if pid not in posts:
                posts[pid] = IndexedPost(pid, "", "", "", None, None, None, deleted=True)
        return top, list(posts.values())

    async def recent_posts(
        self, limit: int = 20, source_id: int | None = None, *, with_text: bool = False
    ) -> list[dict]:
        """The newest posts (by date, then arrival); with_text adds their passages' text."""
        where = "WHERE p.source_id = ?" if source_id is not None else ""
        params: tuple[Any, ...] = (source_id, limit) if source_id is not None else (limit,)
        body = (
            f", coalesce((SELECT {self._db.lines_agg} FROM passages q"
            " WHERE q.post_id = p.id), '') AS text"
            if with_text
            else ""
        )
        # Undated posts last on both engines (PostgreSQL sorts NULL first when descending).
        rows = await self._db.fetchall(
            f"SELECT p.id, s.name AS source, p.title, p.url, p.published{body} FROM posts p"
            f" JOIN sources s ON s.id = p.source_id {where}"
            " ORDER BY p.published DESC NULLS LAST, p.id DESC LIMIT ?",
            params,
        )
        return [dict(row) for row in rows]

    async def sources_overview(self) -> list[dict]:
        """Each source with its post count and latest post date."""
        rows = await self._db.fetchall(
            "SELECT s.id, s.name, s.url, s.kind, s.last_success, count(p.id) AS posts,"
            " max(p.published) AS latest"
            " FROM sources s LEFT JOIN posts p ON p.source_id = s.id GROUP BY s.id ORDER BY s.key"
        )
        return [dict(row) for row in rows]


async def _seq_after(db: Connection, after_seq: int, limit: int) -> int:
    """The change number that about `limit` changed posts after `after_seq` reach (a
    change is never split: its posts share one number)."""
    row = await db.fetchone(
        "SELECT seq FROM (SELECT seq FROM posts WHERE seq > ? UNION ALL"
        " SELECT seq FROM deleted_posts WHERE seq > ?) AS changes ORDER BY seq LIMIT 1 OFFSET ?",
        (after_seq, after_seq, max(0, limit - 1)),
    )
    return (1 << 62) if row is None else int(row["seq"])


def _post_values(post: Post) -> _PostValues:
    """The columns written from a post."""
    return _PostValues(
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
