"""The SQLite backend: one aiosqlite connection (WAL, foreign keys on), PRAGMA user_version."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.db import Connection, Row, quoted
from bot.store.migrations import MIGRATIONS


async def _run(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> int:
    """One statement, its cursor closed at once (not left to the garbage collector, holding
    its statement meanwhile); the number of rows it changed."""
    async with db.execute(sql, params) as cursor:
        return cursor.rowcount


async def _run_many(db: aiosqlite.Connection, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """One statement over many rows, its cursor closed at once."""
    async with db.executemany(sql, rows):
        pass


class SqliteConnection:
    """Statements straight on the connection: inside a transaction that holds the lock."""

    dialect = "sqlite"
    lines_agg = "group_concat(q.text, char(10))"

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row a read returns."""
        async with self._db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row a read returns, or None."""
        async with self._db.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def returning(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """One write with a RETURNING clause: its first row, or None."""
        # Read and closed here: the statement completes when its cursor closes.
        return await self.fetchone(sql, params)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write; the number of rows it changed."""
        return await _run(self._db, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One write statement over many rows."""
        await _run_many(self._db, sql, rows)

    async def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Plain inserts of many rows."""
        if rows:
            marks = ", ".join("?" for _ in columns)
            await _run_many(
                self._db,
                f"INSERT INTO {table} ({', '.join(map(quoted, columns))}) VALUES ({marks})",
                rows,
            )

    async def insert_new(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Inserts of many rows, leaving out those a unique key already holds."""
        if rows:
            marks = ", ".join("?" for _ in columns)
            await _run_many(
                self._db,
                f"INSERT INTO {table} ({', '.join(map(quoted, columns))}) VALUES ({marks})"
                " ON CONFLICT DO NOTHING",
                rows,
            )

    async def reserve_ids(self, table: str, count: int) -> list[int]:
        """The ids after the largest one: the write lock is ours (BEGIN IMMEDIATE)."""
        row = await self.fetchone(f"SELECT coalesce(max(id), 0) AS top FROM {table}")
        start = int(row["top"]) + 1 if row else 1
        return list(range(start, start + count))

    async def continue_ids(self, table: str) -> None:
        """Nothing to do: SQLite numbers a row past the largest id."""


class SqliteDatabase(SqliteConnection):
    """One SQLite file; writes of concurrent coroutines never interleave."""

    errors: tuple[type[Exception], ...] = (sqlite3.Error, OverflowError)

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        super().__init__(db)
        self.path: Path | None = path
        self._lock = asyncio.Lock()
        # A second connection for snapshots, opened at the first one: a read transaction on
        # the shared connection would hold up every write of this process meanwhile.
        self._reader: aiosqlite.Connection | None = None
        self._reader_lock = asyncio.Lock()

    @classmethod
    @asynccontextmanager
    async def open(cls, path: Path) -> AsyncIterator[SqliteDatabase]:
        """Open (creating folder and file as needed), migrate, and close on exit."""
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(path, isolation_level=None) as db:
            db.row_factory = aiosqlite.Row
            # The wait first: turning a new file to WAL needs a lock another process may hold.
            await _run(db, "PRAGMA busy_timeout=5000")
            await _run(db, "PRAGMA journal_mode=WAL")
            await _run(db, "PRAGMA foreign_keys=ON")
            await _run(db, "PRAGMA synchronous=NORMAL")
            # 64 MB of page cache: bulk loads touch the same index pages over and over.
            await _run(db, "PRAGMA cache_size=-65536")
            database = cls(db, path)
            await database._migrate()
            try:
                yield database
            finally:
                if database._reader is not None:
                    await database._reader.close()

    async def _migrate(self) -> None:
        if await self.schema_version() >= len(MIGRATIONS):
            return
        # The write lock first, then the version read under it: processes opening one new
        # file at once would otherwise each run the same steps (« table sources already
        # exists »). All the steps due go in that one transaction.
        await _run(self._db, "BEGIN IMMEDIATE")
        try:
            version = await self.schema_version()
            for number, script in enumerate(MIGRATIONS, start=1):
                if number <= version:
                    continue
                for statement in _statements(script):
                    await _run(self._db, statement)
                await _run(self._db, f"PRAGMA user_version = {number}")
            await _run(self._db, "COMMIT")
        except BaseException:
            await _run(self._db, "ROLLBACK")
            raise

    async def schema_version(self) -> int:
        """The number of migrations applied (PRAGMA user_version)."""
        row = await SqliteConnection.fetchone(self, "PRAGMA user_version")
        return int(row["user_version"]) if row else 0

    def describe(self) -> str:
        """The file's path."""
        return str(self.path)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Connection]:
        """Reads that see one state of the file whatever other connections and processes
        commit meanwhile: one read transaction on a connection of its own (WAL lets
        writers go on beside it)."""
        path = self.path
        if path is None or str(path) == ":memory:":  # no other connection sees it
            yield self
            return
        async with self._reader_lock:
            reader = await self._snapshots()
            await _run(reader, "BEGIN")
            try:
                yield SqliteConnection(reader)
            finally:
                await _run(reader, "COMMIT")  # a read: nothing to keep or lose

    async def fetch_committed(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row a read returns of what is committed: on the snapshots' connection,
        one statement in one call (the shared one may be inside another coroutine's
        transaction)."""
        path = self.path
        if path is None or str(path) == ":memory:":  # one connection: no transaction open
            async with self._lock:
                return await SqliteConnection.fetchall(self, sql, params)
        async with self._reader_lock:
            reader = await self._snapshots()
            return list(await reader.execute_fetchall(sql, params))

    async def _snapshots(self) -> aiosqlite.Connection:
        """The connection snapshots read on, opened at the first one."""
        if self._reader is None:
            assert self.path is not None, "an in-memory database has no second connection"
            self._reader = await aiosqlite.connect(self.path, isolation_level=None)
            self._reader.row_factory = aiosqlite.Row
            await _run(self._reader, "PRAGMA busy_timeout=5000")
        return self._reader

    @property
    def in_transaction(self) -> bool:
        """True while a transaction is open on the connection."""
        return self._db.in_transaction

    @asynccontextmanager
    async def transaction(self, *, bulk: bool = False) -> AsyncIterator[Connection]:
        """A write transaction; no other write of this store runs while it is open.

        Every coroutine shares one connection, so without the lock another handler's write
        could land inside this transaction (and be rolled back with it). `bulk` skips
        foreign-key checks, for bulk inserts whose rows are consistent by construction.
        """
        async with self._lock:
            if bulk:
                await _run(self._db, "PRAGMA foreign_keys=OFF")
            try:
                await _run(self._db, "BEGIN IMMEDIATE")
                try:
                    yield SqliteConnection(self._db)
                except BaseException:
                    await _run(self._db, "ROLLBACK")
                    raise
                await _run(self._db, "COMMIT")
            finally:
                if bulk:
                    await _run(self._db, "PRAGMA foreign_keys=ON")

    async def returning(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """One write with a RETURNING clause, never inside another coroutine's transaction."""
        async with self._lock:
            return await super().returning(sql, params)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write, never inside another coroutine's transaction."""
        async with self._lock:
            return await super().execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One statement over many rows, never inside another coroutine's transaction."""
        async with self._lock:
            await super().executemany(sql, rows)

    async def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Plain inserts of many rows, in one transaction."""
        async with self.transaction() as tx:
            await tx.insert_rows(table, columns, rows)

    async def reserve_ids(self, table: str, count: int) -> list[int]:
        """Only inside a transaction: outside one, the ids could be taken meanwhile."""
        raise RuntimeError("reserve_ids needs a transaction")


def _statements(script: str) -> list[str]:
    """A migration's statements one by one (executescript would commit on its own)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return statements
