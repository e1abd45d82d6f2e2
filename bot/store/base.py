"""The store's connection: opening, migrations, transactions and shared helpers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import aiosqlite

from bot.migrations import MIGRATIONS


def fits_sqlite(number: int) -> bool:
    """True when `number` fits SQLite's signed 64-bit integers (else binding it overflows)."""
    return -(2**63) <= number < 2**63


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _parse_iso(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _now() -> str:
    return datetime.now(UTC).isoformat()


class StoreBase:
    """One SQLite connection (WAL, foreign keys on), migrated on open."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._lock = asyncio.Lock()

    @classmethod
    @asynccontextmanager
    async def open(cls, path: str | Path) -> AsyncIterator[Self]:
        """Open (creating folder and file as needed), migrate, and close on exit."""
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(path, isolation_level=None) as db:
            db.row_factory = aiosqlite.Row
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA foreign_keys=ON")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA busy_timeout=5000")
            # 64 MB of page cache: bulk loads touch the same index pages over and over.
            await db.execute("PRAGMA cache_size=-65536")
            store = cls(db, path)
            await store._migrate()
            await store._upgrade_data()
            yield store

    async def _migrate(self) -> None:
        async with self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        version = row[0] if row else 0
        for number, script in enumerate(MIGRATIONS, start=1):
            if number <= version:
                continue
            # executescript commits on its own; the version bump rides in the same script.
            await self._db.executescript(
                f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
            )

    async def _upgrade_data(self) -> None:
        """Startup steps that need Python, not SQL (run after the migrations, each once)."""

    async def schema_version(self) -> int:
        """The number of migrations applied."""
        async with self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def store_id(self) -> int:
        """A random number fixed when this database was created."""
        async with self._db.execute("SELECT value FROM counters WHERE name = 'store_id'") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    @asynccontextmanager
    async def _transaction(self, *, checked: bool = True) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction; no other write of this store runs while it is open.

        Every coroutine shares one connection, so without the lock another handler's write
        could land inside this transaction (and be rolled back with it). `checked=False`
        skips foreign-key checks, for bulk inserts whose rows are consistent by construction.
        """
        async with self._lock:
            if not checked:
                await self._db.execute("PRAGMA foreign_keys=OFF")
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    await self._db.execute("ROLLBACK")
                    raise
                await self._db.execute("COMMIT")
            finally:
                if not checked:
                    await self._db.execute("PRAGMA foreign_keys=ON")

    async def _write(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Cursor:
        """One write statement, never inside another coroutine's transaction."""
        async with self._lock:
            return await self._db.execute(sql, params)

    async def _write_returning(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """One write statement with a RETURNING clause, its first row (None when no row)."""
        async with self._lock, self._db.execute(sql, params) as cursor:
            # Read and closed under the lock: the statement commits when its cursor closes.
            return await cursor.fetchone()

    async def _write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> aiosqlite.Cursor:
        """One statement over many rows, never inside another coroutine's transaction."""
        async with self._lock:
            return await self._db.executemany(sql, rows)
