"""Full text from article pages: which posts want their page, what the page gave, and counts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.models import Passage, article_key
from bot.store.base import StoreBase, iso_utc, now_iso, parse_iso
from bot.store.db import Connection, Row
from bot.store.posts import _json_list
from bot.text import normalize_many


@dataclass(frozen=True, slots=True)
class WantedPage:
    """A post whose page is to be fetched, with what the feed gave it."""

    post_id: int
    source_id: int
    source: str
    origin: str
    url: str
    title: str
    passages: tuple[Passage, ...]
    has_image: bool
    author: str | None
    published: datetime | None


@dataclass(frozen=True, slots=True)
class PageText:
    """What a page adds to its post; `passages` None keeps the feed's (a wall, no article)."""

    passages: tuple[Passage, ...] | None = None
    credits: tuple[str, ...] = ()
    image: str | None = None
    author: str | None = None
    published: datetime | None = None
    canonical_url: str | None = None
    paywalled: bool = False
    failure: str | None = None  # "empty" and the like: the page gave no article


async def want_pages(db: Connection, post_ids: Iterable[int]) -> None:
    """Mark posts as waiting for their page (in `db`'s transaction)."""
    await db.executemany(
        "UPDATE posts SET page_state = 'wanted' WHERE id = ? AND page_state IS NULL",
        [(post_id,) for post_id in post_ids],
    )


class PageStore(StoreBase):
    """Queries over posts' pages."""

    async def pages_wanted(
        self, limit: int = 50, *, skip: Sequence[int] = (), source_id: int | None = None
    ) -> list[WantedPage]:
        """Posts waiting for their page, oldest first; `skip` those already being fetched."""
        where = " AND p.source_id = ?" if source_id is not None else ""
        params: list[Any] = [] if source_id is None else [source_id]
        if skip:
            where += f" AND p.id NOT IN ({', '.join('?' * len(skip))})"
            params += list(skip)
        rows = await self._db.fetchall(
            "SELECT p.id, s.name AS source, s.origin, p.url, p.title, p.images, p.author,"
            " p.published, p.source_id"
            " FROM posts p JOIN sources s ON s.id = p.source_id"
            f" WHERE p.page_state = 'wanted' AND p.url IS NOT NULL{where} ORDER BY p.id LIMIT ?",
            (*params, limit),
        )
        passages: dict[int, list[Passage]] = {row["id"]: [] for row in rows}
        if rows:
            marks = ", ".join("?" * len(rows))
            for q in await self._db.fetchall(
                f"SELECT post_id, kind, speaker, text FROM passages WHERE post_id IN ({marks})"
                " ORDER BY post_id, position",
                list(passages),
            ):
                passages[q["post_id"]].append(Passage(q["kind"], q["text"], q["speaker"]))
        return [_wanted(row, tuple(passages[row["id"]])) for row in rows]

    async def want_backfill(
        self, *, source_id: int | None = None, since: datetime | None = None, limit: int | None
    ) -> int:
        """Mark stored posts never tried (and whose source does not say never) as wanting
        their page; those done or failed before stay as they are. Returns how many wait."""
        where = ["p.page_state IS NULL", "p.url IS NOT NULL", "s.full_text != 'never'"]
        params: list[Any] = []
        if source_id is not None:
            where.append("p.source_id = ?")
            params.append(source_id)
        if since is not None:
            where.append("p.published >= ?")
            params.append(iso_utc(since))
        cap = "" if limit is None else f" ORDER BY p.id DESC LIMIT {int(limit)}"
        async with self._transaction() as tx:
            await tx.execute(
                "UPDATE posts SET page_state = 'wanted' WHERE id IN (SELECT p.id FROM posts p"
                f" JOIN sources s ON s.id = p.source_id WHERE {' AND '.join(where)}{cap})",
                params,
            )
            scope = "" if source_id is None else " AND source_id = ?"
            row = await tx.fetchone(
                f"SELECT count(*) AS n FROM posts WHERE page_state = 'wanted'{scope}",
                () if source_id is None else (source_id,),
            )
        return int(row["n"]) if row else 0

    async def complete_page(self, post_id: int, page: PageText) -> None:
        """Store what a post's page gave: its passages (replacing the feed's), its lead image,
        author and date when the feed had none, its canonical URL; the search index follows."""
        async with self._transaction() as tx:
            row = await tx.returning(
                "UPDATE counters SET value = value + 1 WHERE name = 'post_seq' RETURNING value"
            )
            assert row is not None
            seq = int(row["value"])
            current = await tx.fetchone(
                "SELECT images, author, published FROM posts WHERE id = ?", (post_id,)
            )
            if current is None:
                return  # deleted meanwhile
            images = json.loads(current["images"] or "[]")
            if not images and page.image:
                images = [page.image]
            origin = "page" if page.passages is not None else "feed"
            state = "failed" if page.failure else "done"
            await tx.execute(
                "UPDATE posts SET text_origin = ?, page_state = ?, page_failure = ?, page_at = ?,"
                " paywalled = ?, images = ?, author = coalesce(author, ?),"
                " published = coalesce(published, ?), url_key = coalesce(?, url_key),"
                " updated_at = ?, seq = ? WHERE id = ?",
                (
                    origin, state, page.failure, now_iso(), int(page.paywalled),
                    _json_list(images), page.author, iso_utc(page.published),
                    article_key(page.canonical_url), now_iso(), seq, post_id,
                ),
            )  # fmt: skip
            if page.passages is not None:
                await _replace_passages(tx, post_id, page.passages, page.credits)

    async def page_failed(self, post_id: int, code: str) -> None:
        """A post's page could not be had (`code`, see ingest.pages.FAILURES): the teaser stays."""
        await self._db.execute(
            "UPDATE posts SET page_state = 'failed', page_failure = ?, page_at = ? WHERE id = ?",
            (code, now_iso(), post_id),
        )

    async def owed_pushes(self, post_id: int) -> dict[tuple[int, int], list[int]]:
        """The outbox rows still owed for a post, by chat and forum topic:
        {(chat_id, thread_id): [outbox ids]}."""
        owed: dict[tuple[int, int], list[int]] = {}
        for row in await self._db.fetchall(
            "SELECT id, chat_id, thread_id FROM outbox WHERE post_id = ? AND state = 'pending'",
            (post_id,),
        ):
            owed.setdefault((int(row["chat_id"]), int(row["thread_id"])), []).append(row["id"])
        return owed

    async def withdraw(self, ids: Sequence[int]) -> None:
        """These pending deliveries are no longer owed (their post no longer passes)."""
        await self._db.executemany(
            "DELETE FROM outbox WHERE id = ? AND state = 'pending'", [(i,) for i in ids]
        )

    async def paywalled_posts(self, post_ids: Sequence[int]) -> set[int]:
        """Those of these posts whose page is for subscribers (shown with 🔒)."""
        if not post_ids:
            return set()
        marks = ", ".join("?" * len(post_ids))
        rows = await self._db.fetchall(
            f"SELECT id FROM posts WHERE paywalled = 1 AND id IN ({marks})", list(post_ids)
        )
        return {int(row["id"]) for row in rows}

    async def fulltext_counts(self) -> dict[str, dict[str, Any]]:
        """Per source with pages tried: posts with full text, teasers, for subscribers, and
        pages failed by code (`failed`: {code: count})."""
        counts: dict[str, dict[str, Any]] = {}
        for row in await self._db.fetchall(
            "SELECT s.name, p.text_origin, p.page_state, p.paywalled, p.page_failure,"
            " count(*) AS n FROM posts p JOIN sources s ON s.id = p.source_id"
            " WHERE p.page_state IS NOT NULL"
            " GROUP BY s.name, p.text_origin, p.page_state, p.paywalled, p.page_failure"
        ):
            name, origin, state = row["name"], row["text_origin"], row["page_state"]
            paywalled, failure, count = row["paywalled"], row["page_failure"], row["n"]
            entry = counts.setdefault(
                name, {"full": 0, "teasers": 0, "subscribers": 0, "waiting": 0, "failed": {}}
            )
            if origin == "page":
                entry["full"] += count
            else:
                entry["teasers"] += count
            if paywalled:
                entry["subscribers"] += count
            if state == "wanted":
                entry["waiting"] += count
            elif state == "failed" and failure:
                entry["failed"][failure] = entry["failed"].get(failure, 0) + count
        return dict(sorted(counts.items()))


def _wanted(row: Row, passages: tuple[Passage, ...]) -> WantedPage:
    return WantedPage(
        post_id=row["id"],
        source_id=row["source_id"],
        source=row["source"],
        origin=row["origin"] or "cli",
        url=row["url"],
        title=row["title"],
        passages=passages,
        has_image=bool(json.loads(row["images"] or "[]")),
        author=row["author"],
        published=parse_iso(row["published"]),
    )


async def _replace_passages(
    db: Connection, post_id: int, passages: Sequence[Passage], credits: Sequence[str]
) -> None:
    await db.execute("DELETE FROM passages WHERE post_id = ?", (post_id,))
    norms = normalize_many([p.text for p in passages])
    await db.insert_rows(
        "passages",
        ("post_id", "position", "kind", "speaker", "text", "norm"),
        [
            (post_id, position, p.kind, p.speaker, p.text, norm)
            for position, (p, norm) in enumerate(zip(passages, norms, strict=True))
        ],
    )
    if credits:
        await db.execute(
            "UPDATE posts SET credits = ? WHERE id = ?", (_json_list(credits), post_id)
        )
