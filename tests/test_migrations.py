"""Upgrades of populated databases: built at every older schema version, then opened.

The database at each version is built from `MIGRATIONS` itself and filled generically (every
table gets rows, every column a value, foreign keys pointing at real parents), so a step
appended later is covered without touching this file. A step that changes or drops stored
values on purpose declares it in `REWRITTEN` or `EMPTIED` below.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.store import Store
from bot.store.migrations import MIGRATIONS

ROWS_PER_TABLE = 2
# Values rewritten on purpose at every upgrade, and by what: never compared.
REWRITTEN: dict[tuple[str, str], str] = {
    ("sources", "key"): "recomputed from the source's name on open (store/sources.py)",
}
# Tables a step rebuilds empty on purpose → that step's number: older rows do not come back.
EMPTIED: dict[str, int] = {
    "saved_queries": 4,  # searches became per chat with random ids; old buttons expire
}
_ISO = "2024-03-0{n}T08:30:00+00:00"
_DATE_COLUMNS = {"published", "first_seen", "next_poll", "last_success", "not_before"}


def _build(path: Path, version: int) -> None:
    with sqlite3.connect(path, isolation_level=None) as db:
        db.execute("PRAGMA foreign_keys=ON")
        for number, script in enumerate(MIGRATIONS[:version], start=1):
            db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        for table in _tables_parents_first(db):
            for n in range(1, ROWS_PER_TABLE + 1):
                _insert(db, table, n)
    db.close()


def _tables(db: sqlite3.Connection) -> dict[str, str]:
    rows = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return dict(rows.fetchall())


def _parents(db: sqlite3.Connection, table: str) -> dict[str, str]:
    """Column → the table it references."""
    return {row[3]: row[2] for row in db.execute(f"PRAGMA foreign_key_list({table})")}


def _tables_parents_first(db: sqlite3.Connection) -> list[str]:
    ordered: list[str] = []
    remaining = set(_tables(db))
    while remaining:
        ready = sorted(t for t in remaining if set(_parents(db, t).values()) - {t} <= set(ordered))
        assert ready, f"foreign keys form a cycle among {remaining}"
        ordered += ready
        remaining -= set(ready)
    return ordered


def _choices(sql: str, column: str) -> list[str] | None:
    """The allowed values of a `CHECK (column IN (...))`, if the table has one."""
    found = re.search(rf"\b{column}\b[^,]*?CHECK\s*\(\s*{column}\s+IN\s*\(([^)]*)\)", sql)
    return re.findall(r"'([^']*)'", found.group(1)) if found else None


def _value(table: str, sql: str, column: sqlite3.Row, n: int) -> Any:
    name, kind, default = column[1], column[2].upper(), column[4]
    if (choices := _choices(sql, name)) is not None:
        return choices[(n - 1) % len(choices)]
    if "INT" in kind:
        return 100 * n + len(name)
    if name.endswith("_at") or name in _DATE_COLUMNS:
        return _ISO.format(n=n)
    if default == "'[]'":
        return f'["{table}.{name}.{n}"]'
    return f"{table}.{name}.{n}"


def _insert(db: sqlite3.Connection, table: str, n: int) -> None:
    sql = _tables(db)[table]
    parents = _parents(db, table)
    values: dict[str, Any] = {}
    for column in db.execute(f"PRAGMA table_info({table})"):
        name, kind, is_pk = column[1], column[2].upper(), column[5]
        if is_pk and kind == "INTEGER":
            continue  # the rowid: SQLite numbers it
        if name in parents:
            values[name] = _nth_rowid(db, parents[name], n)
        else:
            values[name] = _value(table, sql, column, n)
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values()))


def _nth_rowid(db: sqlite3.Connection, table: str, n: int) -> int:
    rows = db.execute(f"SELECT rowid FROM {table} ORDER BY rowid").fetchall()
    return rows[min(n, len(rows)) - 1][0]


def _snapshot(path: Path) -> dict[str, dict[int, dict[str, Any]]]:
    """Every row of every table by rowid, as column → value."""
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        tables = {}
        for table in _tables(db):
            rows = db.execute(f"SELECT rowid AS _rowid, * FROM {table}").fetchall()
            tables[table] = {row["_rowid"]: dict(row) for row in rows}
    db.close()
    return tables


@pytest.mark.parametrize("version", range(1, len(MIGRATIONS)))
async def test_a_populated_database_upgrades_with_its_data(tmp_path: Path, version: int) -> None:
    path = tmp_path / "old.sqlite3"
    _build(path, version)
    before = _snapshot(path)
    assert all(before.values()), "every table of the old schema holds rows"

    async with Store.open(path) as store:
        assert await store.schema_version() == len(MIGRATIONS)
        stats = await store.stats()
        assert stats["posts"] == ROWS_PER_TABLE
        assert len(await store.polled_sources()) == ROWS_PER_TABLE

    after = _snapshot(path)
    for table, rows in before.items():
        assert table in after, f"table {table} was lost"
        if EMPTIED.get(table, 0) > version:
            continue
        assert rows.keys() <= after[table].keys(), f"rows of {table} were lost"
        for rowid, row in rows.items():
            for column, value in row.items():
                if (table, column) in REWRITTEN:
                    continue
                assert column in after[table][rowid], f"{table}.{column} was lost"
                assert after[table][rowid][column] == value, (table, rowid, column)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


def test_processes_opening_one_new_file_at_once_migrate_it_once(tmp_path: Path) -> None:
    # Replicas started together on a fresh SQLite file: before the write lock was taken
    # first, about one process in four died with « table sources already exists ».
    for round_ in range(5):
        database = tmp_path / f"new{round_}.sqlite3"
        command = [sys.executable, "-m", "bot", "stats", "--json", "--db", str(database)]
        processes = [
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(4)
        ]
        outcomes = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in processes]
        for process in processes:
            for stream in (process.stdout, process.stderr):
                if stream:
                    stream.close()
        assert [code for code, _ in outcomes] == [0] * 4, [err[-300:] for _, err in outcomes]
        with sqlite3.connect(database) as db:
            assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
