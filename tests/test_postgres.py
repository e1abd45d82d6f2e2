"""What only PostgreSQL has to hold: its migrations against SQLite's, upgrades of older
databases, several processes writing one database, and the URL kept out of sight."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from bot.models import Passage, Post
from bot.store import Store
from bot.store.migrations import MIGRATIONS
from bot.store.migrations_pg import POSTGRES_MIGRATIONS
from bot.store.postgres import redact_url
from tests.postgres_server import TestPostgres

NOW = "2024-01-01T00:00:00+00:00"


def _post(title: str, guid: str) -> Post:
    return Post(source="Numerama", title=title, guid=guid, passages=(Passage("paragraph", title),))


async def _columns_pg(url: str) -> dict[str, list[str]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND table_name != 'schema_version'"
            " ORDER BY table_name, ordinal_position"
        )
    finally:
        await conn.close()
    tables: dict[str, list[str]] = {}
    for row in rows:
        tables.setdefault(row["table_name"], []).append(row["column_name"])
    return tables


def _columns_sqlite(path: Path) -> dict[str, list[str]]:
    with sqlite3.connect(path) as db:
        names = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        tables = {name: [c[1] for c in db.execute(f"PRAGMA table_info({name})")] for name in names}
    db.close()
    return tables


async def test_both_engines_have_the_same_steps_tables_and_columns(
    tmp_path: Path, postgres_url: str
) -> None:
    assert len(POSTGRES_MIGRATIONS) == len(MIGRATIONS), (
        "every step of store/migrations.py needs its PostgreSQL twin in store/migrations_pg.py"
    )
    async with Store.open(tmp_path / "r.sqlite3") as store:
        assert await store.schema_version() == len(MIGRATIONS)
    async with Store.open(postgres_url) as store:
        assert await store.schema_version() == len(MIGRATIONS)
    sqlite_tables = _columns_sqlite(tmp_path / "r.sqlite3")
    postgres_tables = await _columns_pg(postgres_url)
    assert sorted(postgres_tables) == sorted(sqlite_tables)
    for table, columns in sqlite_tables.items():
        assert sorted(postgres_tables[table]) == sorted(columns), table


async def _at_version(url: str, version: int) -> asyncpg.Connection:
    conn = await asyncpg.connect(url)
    for script in POSTGRES_MIGRATIONS[:version]:
        await conn.execute(script)
    await conn.execute("CREATE TABLE schema_version (version INTEGER)")
    await conn.execute("INSERT INTO schema_version VALUES ($1)", version)
    return conn


@pytest.mark.parametrize("version", range(1, len(POSTGRES_MIGRATIONS)))
async def test_an_older_postgresql_database_upgrades_with_its_posts(
    postgres: TestPostgres, version: int
) -> None:
    url = postgres.new_database(migrated=False)
    conn = await _at_version(url, version)
    await conn.execute(
        "INSERT INTO sources (id, name, key, url, created_at)"
        " VALUES (5, 'Numerama', 'numerama', 'https://x.fr/feed', $1)",
        NOW,
    )
    await conn.execute(
        "INSERT INTO posts (id, source_id, identity, content_hash, title, title_norm,"
        " first_seen, updated_at, seq) VALUES (9, 5, 'guid:a', 'h', 'Grève', 'greve', $1, $1, 1)",
        NOW,
    )
    await conn.execute(
        "INSERT INTO passages (post_id, position, kind, text, norm)"
        " VALUES (9, 0, 'paragraph', 'Grève', 'greve')"
    )
    await conn.close()
    async with Store.open(url) as store:
        assert await store.schema_version() == len(POSTGRES_MIGRATIONS)
        assert (await store.stats())["sources"] == {"Numerama": 1}
        _, [post] = await store.index_changes(0)
        assert (post.post_id, post.title, [p.text for p in post.passages]) == (
            9,
            "Grève",
            ["Grève"],
        )
    postgres.drop_database(url)


async def test_keys_are_recomputed_and_twins_merged_on_postgresql(postgres: TestPostgres) -> None:
    url = postgres.new_database(migrated=False)
    conn = await _at_version(url, 3)
    await conn.executemany(
        "INSERT INTO sources (id, name, key, url, created_at) VALUES ($1, $2, $3, $4, $5)",
        [
            (1, "L'Humanité", "l'humanite", None, NOW),
            (2, "LHumanite", "lhumanite", "https://www.humanite.fr/rss", NOW),
        ],
    )
    await conn.executemany(
        "INSERT INTO posts (id, source_id, identity, content_hash, title, title_norm,"
        " first_seen, updated_at, seq) VALUES ($1, $2, $3, 'h', $4, $4, $5, $5, 1)",
        [(10, 1, "guid:a", "Grève", NOW), (11, 2, "guid:b", "Salaires", NOW),
         (12, 2, "guid:a", "Doublon", NOW)],
    )  # fmt: skip
    await conn.execute("INSERT INTO chats (id, type, created_at) VALUES (7, 'private', $1)", NOW)
    await conn.execute(
        "INSERT INTO subscriptions (chat_id, source_id, created_at) VALUES (7, 2, $1)", NOW
    )
    await conn.close()
    async with Store.open(url) as store:
        [humanite] = await store.all_sources()
        assert (humanite.id, humanite.url) == (1, "https://www.humanite.fr/rss")
        assert [s.source for s in await store.subscriptions(7)] == ["L'Humanité"]
        _, changes = await store.index_changes(0)
        kept = {p.post_id: p.source for p in changes if not p.deleted}
        assert kept == {10: "L'Humanité", 11: "L'Humanité"}
        assert [p.post_id for p in changes if p.deleted] == [12]
    postgres.drop_database(url)


async def test_two_processes_writing_one_database_neither_fail_nor_lose_a_change(
    postgres_url: str,
) -> None:
    """Replicas (or a `load` beside the bot) upsert the same source at once: each waits
    for the other's change number, so neither inserts a post the other just inserted, and
    a reader following the change numbers misses nothing."""
    async with Store.open(postgres_url) as first, Store.open(postgres_url) as second:
        source = await first.ensure_source("Numerama")
        assert await second.ensure_source("numerama") == source
        seen: dict[int, str] = {}
        position = 0

        async def follow() -> None:
            nonlocal position
            position, changes = await first.index_changes(position)
            seen.update({p.post_id: p.title for p in changes})

        for round_ in range(5):
            posts = [_post(f"Article {round_}-{n}", f"g{round_}-{n}") for n in range(30)]
            summaries = await asyncio.gather(
                first.upsert_posts(source, posts),
                second.upsert_posts(source, posts),
                follow(),
            )
            assert sorted(s.new for s in summaries[:2]) == [0, 30]
            assert sorted(s.unchanged for s in summaries[:2]) == [0, 30]
        await follow()
        assert await first.count_posts() == 150
        assert len(seen) == 150


def test_the_password_of_a_database_url_is_never_shown() -> None:
    url = "postgresql://relais:s3cret@db.example:5432/relais?sslmode=require"
    assert redact_url(url) == "postgresql://relais:***@db.example:5432/relais?sslmode=require"
    assert redact_url("postgresql://relais@db/relais") == "postgresql://relais@db/relais"


async def test_stats_name_the_database_without_its_password(postgres_url: str) -> None:
    async with Store.open(postgres_url) as store:
        stats = await store.stats()
    assert stats["database"] == postgres_url  # no password on the test server's URL
    assert stats["schema_version"] == len(POSTGRES_MIGRATIONS)


async def test_a_searcher_on_postgresql_follows_what_another_process_stores(
    postgres_url: str, tmp_path: Path
) -> None:
    from bot.search import Searcher

    async with Store.open(postgres_url) as mine, Store.open(postgres_url) as theirs:
        searcher = Searcher(mine, tmp_path / "index" / "relais.index")
        await searcher.start()
        source = await theirs.ensure_source("Numerama")
        await theirs.upsert_posts(source, [_post("Le travail du clic", "g1")])
        assert [h.title for h in (await searcher.search("travail clic")).hits] == [
            "Le travail du clic"
        ]
        await searcher.close()
    assert (tmp_path / "index" / "relais.index").exists()


def test_the_cli_loads_and_searches_a_postgresql_database(
    postgres_url: str, tmp_path: Path
) -> None:
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_PATH"}
    env |= {"DATABASE_URL": postgres_url, "INDEX_DIR": str(tmp_path)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    assert cli("load", str(ROOT / "seeds")).returncode == 0
    found = cli("search", "travail", "du", "clic", "--json")
    assert found.returncode == 0, found.stderr
    [first, *_] = json.loads(found.stdout)["results"]
    assert first["speaker"] == "A. Casilli"
    assert list(tmp_path.glob("*.postgres.index"))
