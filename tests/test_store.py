"""The store on a real SQLite file: migrations, identity, upserts, index feed."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.models import Passage, Post
from bot.names import source_key
from bot.store import Store
from bot.store.migrations import MIGRATIONS

BACKENDS = ("sqlite", "postgres")


def _post(title: str, text: str = "Un paragraphe.", **kw) -> Post:
    return Post(source="Numerama", title=title, passages=(Passage("paragraph", text),), **kw)


async def test_migrations_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "dir" / "r.sqlite3"
    async with Store.open(path) as store:
        assert await store.schema_version() == len(MIGRATIONS)
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    async with Store.open(path) as store:  # reopening applies nothing twice
        assert await store.schema_version() == len(MIGRATIONS)


async def test_every_sqlite_cursor_is_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The driver's own cursors, counted as they are made and closed. One left open keeps
    # its statement: kept alive, as this list keeps them, it locks its table (« database
    # table is locked » at the next migration step that alters it).
    made: list[aiosqlite.Cursor] = []
    closed: list[aiosqlite.Cursor] = []
    make, close = aiosqlite.Cursor.__init__, aiosqlite.Cursor.close

    def counted_init(self: aiosqlite.Cursor, *args: Any) -> None:
        make(self, *args)
        made.append(self)

    async def counted_close(self: aiosqlite.Cursor) -> None:
        closed.append(self)
        await close(self)

    monkeypatch.setattr(aiosqlite.Cursor, "__init__", counted_init)
    monkeypatch.setattr(aiosqlite.Cursor, "close", counted_close)
    async with Store.open(tmp_path / "r.sqlite3") as store:
        source = await store.ensure_source("Numerama")
        await store.upsert_posts(source, [_post("A", guid="g1"), _post("B", guid="g2")])
        await store.upsert_posts(source, [_post("A corrigé", guid="g1")])
        assert await store.count_posts() == 2
    assert len(made) > 10
    assert {id(cursor) for cursor in made} == {id(cursor) for cursor in closed}


async def test_same_input_twice_adds_nothing(store: Store) -> None:
    source = await store.ensure_source("Numerama")
    posts = [_post("A", guid="g1"), _post("B", url="https://x.fr/b"), _post("C")]
    first = await store.upsert_posts(source, posts)
    second = await store.upsert_posts(source, posts)
    assert (first.new, first.updated, first.unchanged) == (3, 0, 0)
    assert (second.new, second.updated, second.unchanged) == (0, 0, 3)
    assert await store.count_posts() == 3


async def test_changed_entry_is_updated_in_place(store: Store) -> None:
    source = await store.ensure_source("Numerama")
    await store.upsert_posts(source, [_post("Titre", "ancien texte", guid="g1")])
    seq, before = await store.index_changes(0)
    summary = await store.upsert_posts(source, [_post("Titre corrigé", "nouveau texte", guid="g1")])
    assert (summary.new, summary.updated) == (0, 1)
    assert await store.count_posts() == 1
    _, changed = await store.index_changes(seq)
    assert [p.post_id for p in changed] == [before[0].post_id]
    assert changed[0].title == "Titre corrigé"
    assert [q.norm for q in changed[0].passages] == ["nouveau texte"]


async def test_identity_falls_back_from_guid_to_url_to_hash(store: Store) -> None:
    assert _post("A", guid="x").identity == "guid:x"
    assert _post("A", url="https://x.fr/a/#top").identity == "url:https://x.fr/a"
    assert _post("A").identity.startswith("sha256:")
    assert _post("A").identity != _post("A", "autre").identity


async def test_source_names_match_loosely(store: Store) -> None:
    first = await store.ensure_source("Le Vent Se Lève")
    assert await store.ensure_source("leventseleve") == first
    assert await store.ensure_source("LE VENT SE LEVE") == first
    assert source_key("Journal du Geek") == source_key("JournalDuGeek")


async def test_stats_and_normalized_text(store: Store) -> None:
    source = await store.ensure_source("Numerama")
    published = datetime(2024, 2, 8, 20, 3, tzinfo=UTC)
    post = Post(
        source="Numerama",
        title="Remaniement ministériel\u00a0: Qui",
        published=published,
        passages=(
            Passage("question", "Pourquoi\u00a0?", "LVSL"),
            Passage("answer", "Parce que l’œuvre…", "A. Casilli"),
            Passage("pullquote", "« je coche des cases »", "A. Casilli"),
        ),
    )
    await store.upsert_posts(source, [post])
    stats = await store.stats()
    assert stats["posts"] == 1
    assert stats["sources"] == {"Numerama": 1}
    assert stats["passages"] == {"paragraph": 0, "question": 1, "answer": 1, "pullquote": 1}
    _, [indexed] = await store.index_changes(0)
    assert indexed.title_norm == "remaniement ministeriel : qui"
    assert indexed.published == published
    assert indexed.passages[1].norm == "parce que l'oeuvre..."
    assert indexed.passages[1].text == "Parce que l’œuvre…"


async def test_deleted_posts_reach_the_index_feed(store: Store) -> None:
    source = await store.ensure_source("Numerama")
    await store.upsert_posts(source, [_post("A", guid="1"), _post("B", guid="2")])
    seq, _ = await store.index_changes(0)
    await store._db.execute("DELETE FROM sources WHERE id = ?", (source,))
    _, changes = await store.index_changes(seq)
    assert sorted(p.deleted for p in changes) == [True, True]
    assert await store.count_posts() == 0


async def test_a_write_never_lands_in_another_coroutines_transaction(store: Store) -> None:
    source = await store.ensure_source("Numerama")
    written: list[asyncio.Task] = []

    async def load_then_fail() -> None:
        async with store.transaction() as tx:
            await tx.upsert_posts(source, [_post("A", guid="a")])
            # Another coroutine writes while this transaction is open; then it rolls back.
            written.append(asyncio.create_task(store.upsert_chat(99, type="private")))
            await asyncio.sleep(0.05)
            raise RuntimeError("planning failed")

    with pytest.raises(RuntimeError, match="planning failed"):
        await load_then_fail()
    await written[0]
    # The chat must survive the rollback, and the post must not.
    assert await store.chat(99) is not None
    assert await store.count_posts() == 0


async def test_ids_beyond_sqlite_integers_find_nothing(store: Store) -> None:
    await store.upsert_chat(1, type="private")
    await store.subscribe(1, None, "")
    [subscription] = await store.subscriptions(1)
    for wrong in (2**63, -(2**63) - 1, 10**58):
        assert await store.remove_subscription(1, wrong) is False
    assert await store.remove_subscription(1, subscription.id) is True


async def test_recent_posts_list_undated_ones_last(store: Store) -> None:
    source = await store.ensure_source("Numerama")
    dated = datetime(2024, 2, 8, tzinfo=UTC)
    await store.upsert_posts(
        source, [_post("Sans date", guid="a"), _post("Daté", guid="b", published=dated)]
    )
    recent = await store.recent_posts(with_text=True)
    assert [p["title"] for p in recent] == ["Daté", "Sans date"]
    assert recent[0]["text"] == "Un paragraphe."


async def test_many_deliveries_owed_at_once_leave_those_already_owed_as_they_are(
    store: Store,
) -> None:
    source = await store.ensure_source("Numerama")
    summary = await store.upsert_posts(source, [_post("A", guid="a")])
    [post] = summary.new_post_ids
    chats = range(1, 1501)  # past the count where PostgreSQL switches to COPY
    rows = [(chat, "private", "2024-01-01T00:00:00+00:00") for chat in chats]
    await store._db.insert_rows("chats", ("id", "type", "created_at"), rows)
    await store.enqueue([(7, post, "push")])
    await store.mark_sent([d.id for d in await store.pending()])
    async with store.transaction() as tx:
        await tx.enqueue([(chat, post, "push") for chat in chats])
        await tx.enqueue([(chat, post, "push") for chat in chats])  # twice in one transaction
    assert await store.outbox_counts() == {"sent": 1, "pending_push": 1499}


async def test_chats_subscriptions_and_saved_searches(store: Store) -> None:
    from datetime import timedelta

    group, supergroup = -100, -1_002_000_000_000  # Telegram's ids need 64 bits
    await store.upsert_chat(group, type="group", title="G")
    await store.upsert_chat(supergroup, type="supergroup")
    numerama = await store.ensure_source("Numerama")
    mediapart = await store.ensure_source("Mediapart")
    assert await store.subscribe(group, numerama, "+ia") is True
    assert await store.subscribe(group, numerama, "-bitcoin") is False  # updated in place
    assert await store.subscribe(group, None, "") is True
    assert await store.subscribe(group, mediapart, "") is True
    assert await store.subscribe(supergroup, numerama, "") is True
    [post] = (await store.upsert_posts(numerama, [_post("A", guid="a")])).new_post_ids
    await store.enqueue([(group, post, "push"), (supergroup, post, "push")])
    # The group became a supergroup known already: what only the group had moves over,
    # what both had stays the supergroup's.
    await store.migrate_chat(group, supergroup)
    assert await store.chat(group) is None
    moved = {(s.source, s.filters) for s in await store.subscriptions(supergroup)}
    assert moved == {(None, ""), ("Mediapart", ""), ("Numerama", "")}
    assert await store.outbox_counts(supergroup) == {"pending_push": 1}
    assert await store.outbox_counts() == {"pending_push": 1}
    query = await store.save_query(supergroup, "travail du clic")
    assert await store.save_query(supergroup, "travail du clic") == query
    assert await store.saved_query(supergroup, query) == "travail du clic"
    assert await store.saved_query(7, query) is None
    assert await store.forget_queries(datetime.now(UTC) + timedelta(days=1)) == 1


async def test_both_engines_offer_every_statement_the_database_protocol_names(
    database: str | Path,
) -> None:
    # The store may run any of them outside a transaction; mypy found two missing on PostgreSQL.
    from bot.store.base import open_database
    from bot.store.db import Database

    promised = {
        name
        for klass in Database.__mro__
        if klass.__module__ == "bot.store.db"
        for name, value in vars(klass).items()
        if callable(value) and not name.startswith("_")
    }
    assert {"insert_new", "continue_ids", "fetchall", "transaction"} <= promised
    async with open_database(database) as db:
        assert sorted(name for name in promised if not callable(getattr(db, name, None))) == []
        columns = ("id", "type", "language", "created_at")
        await db.insert_new("chats", columns, [(1, "private", "fr", "2026-01-01")])
        await db.insert_new("chats", columns, [(1, "group", "fr", "2026-01-02")])  # kept out
        await db.insert_new("chats", columns, [(2, "group", "fr", "2026-01-02")])
        rows = await db.fetchall("SELECT id, type FROM chats ORDER BY id")
        assert [(row["id"], row["type"]) for row in rows] == [(1, "private"), (2, "group")]
