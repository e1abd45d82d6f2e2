"""export and import: a whole database to PostgreSQL and back, every table and column."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.models import Passage, Post
from bot.store import Store, TransferError
from bot.store.migrations import MIGRATIONS
from bot.store.transfer import TABLES
from tests.conftest import ROOT
from tests.test_migrations import _build, _snapshot

BACKENDS = ("sqlite", "postgres")


def _build_plausible(path: Path) -> None:
    """A database at the latest schema, every table with rows and every column valued
    (test_migrations' generic fill), where values the code reads back have their real
    form: flags 0/1, known zones, clock times, digest schedules, languages."""
    _build(path, len(MIGRATIONS))
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE sources SET failing = id % 2, primed = 1 - id % 2, timezone = 'Europe/Paris'"
        )
        db.execute(
            "UPDATE chats SET language = CASE WHEN id % 2 THEN 'fr' ELSE 'en' END,"
            " timezone = 'America/Montreal', active = 1, link_previews = id % 2,"
            " quiet_start = '22:00', quiet_end = '07:30', digest = 'weekly mon 08:00'"
        )
    db.close()


async def _export(store: Store) -> list[str]:
    return [line async for line in store.export_lines()]


def _rows(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The transferred tables of a SQLite file, each as its rows sorted (rowids aside)."""
    snapshot = _snapshot(path)
    return {
        table: sorted((r for r in snapshot[table].values()), key=repr)
        for table in (*TABLES, "passages")
    }


def _strip_rowid(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    return {
        t: [{k: v for k, v in r.items() if k != "_rowid"} for r in rs] for t, rs in rows.items()
    }


async def test_everything_goes_to_postgresql_and_back_unchanged(
    tmp_path: Path, postgres_url: str
) -> None:
    original = tmp_path / "original.sqlite3"
    _build_plausible(original)  # every table holds rows, every column a value
    async with Store.open(original) as store:
        exported = await _export(store)
    before = _strip_rowid(_rows(original))
    assert all(before.values()), "every table carried holds rows"
    async with Store.open(postgres_url) as postgres:
        counts = await postgres.import_lines(exported)
        assert counts.rows["posts"] == 2
        assert counts.passages == 2
        from_postgres = await _export(postgres)
        # Ids numbered by PostgreSQL itself go on past the imported ones.
        assert await postgres.ensure_source("Nouvelle source") > max(
            r["id"] for r in before["sources"]
        )
    assert from_postgres == exported
    back = tmp_path / "back.sqlite3"
    async with Store.open(back) as store:
        await store.import_lines(from_postgres)
        assert await _export(store) == exported
    assert _strip_rowid(_rows(back)) == before


async def test_a_non_empty_database_is_refused_unless_replaced(store: Store) -> None:
    source = await store.ensure_source("Numerama")
    await store.upsert_posts(source, [Post("Numerama", "Avant", (Passage("paragraph", "x"),))])
    exported = await _export(store)
    _, index_before = await store.index_changes(0)
    store_id = await store.store_id()
    with pytest.raises(TransferError, match="not empty"):
        await store.import_lines(exported)
    counts = await store.import_lines(exported, replace=True)
    assert counts.rows["posts"] == 1
    assert await store.count_posts() == 1
    # Another data set now: a search index kept from before is rebuilt, not patched.
    assert await store.store_id() != store_id
    _, index_after = await store.index_changes(0)
    assert [p.title for p in index_after] == [p.title for p in index_before] == ["Avant"]


async def test_a_file_cut_short_or_foreign_imports_nothing(store: Store) -> None:
    source = await store.ensure_source("Numerama")
    posts = [Post("Numerama", f"Article {n}", (Passage("paragraph", "x"),)) for n in range(3)]
    await store.upsert_posts(source, posts)
    exported = await _export(store)
    await store.ensure_source("Mediapart")
    with pytest.raises(TransferError, match="cut short"):
        await store.import_lines(exported[:-1], replace=True)
    # The failed import changed nothing, not even the emptying it started with.
    assert (await store.stats())["sources"] == {"Numerama": 3, "Mediapart": 0}
    header = json.loads(exported[0])
    with pytest.raises(TransferError, match="schema"):
        await store.import_lines(
            [json.dumps({**header, "schema_version": 1}), *exported[1:]], replace=True
        )
    with pytest.raises(TransferError, match="not a Relais export"):
        await store.import_lines(['{"hello": 1}'], replace=True)
    assert await store.count_posts() == 3


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.backends("sqlite")  # the CLI goes both ways itself
def test_the_cli_moves_a_database_from_sqlite_to_postgresql_and_back(
    tmp_path: Path, postgres_url: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_PATH")}
    sqlite = str(tmp_path / "r.sqlite3")
    seed = str(ROOT / "seeds")
    assert _cli("load", seed, "--db", sqlite, env=env).returncode == 0
    dump, again = str(tmp_path / "dump.jsonl"), str(tmp_path / "again.jsonl")
    out = _cli("export", dump, "--db", sqlite, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("exported 5 sources, 8 posts (37 passages), 0 chats")
    out = _cli("import", dump, env={**env, "DATABASE_URL": postgres_url})
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("imported 5 sources, 8 posts (37 passages)")
    out = _cli("import", dump, "--db", postgres_url, env=env)
    assert out.returncode == 1
    assert "nothing imported: the database is not empty" in out.stderr
    assert _cli("export", again, "--db", postgres_url, env=env).returncode == 0
    assert Path(again).read_text() == Path(dump).read_text()
    back = str(tmp_path / "back.sqlite3")
    assert _cli("import", again, "--db", back, env=env).returncode == 0
    stats = _cli("stats", "--json", "--db", back, env=env)
    assert json.loads(stats.stdout)["posts"] == 8
