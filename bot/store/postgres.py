"""The PostgreSQL backend: an asyncpg pool, migrations recorded in a schema_version table."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.store.db import Connection, Row, quoted
from bot.store.migrations_pg import POSTGRES_MIGRATIONS

# Any number: the advisory lock that lets one process at a time migrate a database.
_MIGRATION_LOCK = 0x72656C616973  # "relais"
_PLACEHOLDER = re.compile(r"\?")
# From this many rows, COPY through a scratch table beats a pipelined executemany.
_COPY_FROM = 1000


@lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """The store's `?` placeholders as PostgreSQL's `$1, $2, …` (no literal holds a `?`)."""
    counter = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)


def _changed(status: str) -> int:
    """The row count of a command tag such as `UPDATE 3` or `INSERT 0 1`."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def redact_url(url: str) -> str:
    """The URL with its password masked."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class PostgresConnection:
    """Statements on one pooled connection (a transaction's)."""

    dialect = "postgres"
    lines_agg = "string_agg(q.text, chr(10) ORDER BY q.position)"

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row a read returns."""
        return list(await self._conn.fetch(numbered(sql), *params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row a read returns, or None."""
        return await self._conn.fetchrow(numbered(sql), *params)

    async def returning(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """One write with a RETURNING clause: its first row, or None."""
        return await self._conn.fetchrow(numbered(sql), *params)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write; the number of rows it changed."""
        return _changed(await self._conn.execute(numbered(sql), *params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One write statement over many rows (pipelined by asyncpg)."""
        rows = list(rows)
        if rows:
            await self._conn.executemany(numbered(sql), rows)

    async def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Plain inserts of many rows through COPY (about twice executemany's rate)."""
        if rows:
            await self._conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def insert_new(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Inserts of many rows, leaving out those a unique key already holds: many rows go
        through COPY into a scratch table, then one INSERT … ON CONFLICT DO NOTHING."""
        names = ", ".join(map(quoted, columns))
        if len(rows) < _COPY_FROM:
            marks = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
            if rows:
                await self._conn.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING", rows
                )
            return
        scratch = f"new_{table}"
        await self._conn.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {scratch} ON COMMIT DELETE ROWS"
            f" AS SELECT {names} FROM {table} WITH NO DATA"
        )
        await self._conn.copy_records_to_table(scratch, records=rows, columns=list(columns))
        await self._conn.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {scratch} ON CONFLICT DO NOTHING"
        )
        await self._conn.execute(f"DELETE FROM {scratch}")

    async def reserve_ids(self, table: str, count: int) -> list[int]:
        """`count` values of the table's id sequence (other writers may take the ones between)."""
        if count <= 0:
            return []
        rows = await self._conn.fetch(
            "SELECT nextval(pg_get_serial_sequence($1, 'id')) AS id FROM generate_series(1, $2)",
            table,
            count,
        )
        return [int(row["id"]) for row in rows]

    async def continue_ids(self, table: str) -> None:
        """Move the table's id sequence past the largest id (rows came with their ids)."""
        await self._conn.execute(
            f"SELECT setval(pg_get_serial_sequence($1, 'id'), max(id)) FROM {table}"
            " HAVING max(id) IS NOT NULL",
            table,
        )


class PostgresDatabase:
    """A pool of connections to one PostgreSQL database; each statement or transaction
    takes a connection of its own, so replicas and coroutines write side by side."""

    dialect = "postgres"
    lines_agg = PostgresConnection.lines_agg
    path: Path | None = None
    errors: tuple[type[Exception], ...] = (asyncpg.PostgresError, asyncpg.InterfaceError)

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self._url = url

    @classmethod
    @asynccontextmanager
    async def open(cls, url: str, *, pool_size: int = 10) -> AsyncIterator[PostgresDatabase]:
        """Connect, migrate, and close the pool on exit."""
        # No floor: with one, asyncpg warns each time it fails to refill it during an outage.
        pool = await asyncpg.create_pool(url, min_size=0, max_size=pool_size)
        try:
            database = cls(pool, url)
            await database._migrate()
            yield database
        finally:
            await pool.close()

    async def _migrate(self) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            # Replicas starting together: one migrates, the others then find it done.
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
            await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)")
            version = await conn.fetchval("SELECT max(version) FROM schema_version") or 0
            for number, script in enumerate(POSTGRES_MIGRATIONS, start=1):
                if number > version:
                    await conn.execute(script)
            if len(POSTGRES_MIGRATIONS) > version:
                await conn.execute("DELETE FROM schema_version")
                await conn.execute(
                    "INSERT INTO schema_version VALUES ($1)", len(POSTGRES_MIGRATIONS)
                )

    async def schema_version(self) -> int:
        """The number of migrations applied."""
        async with self._pool.acquire() as conn:
            return int(await conn.fetchval("SELECT max(version) FROM schema_version") or 0)

    def describe(self) -> str:
        """The URL, its password masked."""
        return redact_url(self._url)

    @asynccontextmanager
    async def transaction(self, *, bulk: bool = False) -> AsyncIterator[Connection]:
        """A transaction on a connection of its own (foreign keys are always checked)."""
        async with self._pool.acquire() as conn, conn.transaction():
            yield PostgresConnection(conn)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Connection]:
        """Reads that see the database as of one moment (a repeatable-read transaction)."""
        async with (
            self._pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            yield PostgresConnection(conn)

    async def fetch_committed(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row a read returns (a connection of the pool's own: what is committed)."""
        return await self.fetchall(sql, params)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row a read returns."""
        async with self._pool.acquire() as conn:
            return await PostgresConnection(conn).fetchall(sql, params)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row a read returns, or None."""
        async with self._pool.acquire() as conn:
            return await PostgresConnection(conn).fetchone(sql, params)

    async def returning(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """One write with a RETURNING clause: its first row, or None."""
        async with self._pool.acquire() as conn:
            return await PostgresConnection(conn).returning(sql, params)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write; the number of rows it changed."""
        async with self._pool.acquire() as conn:
            return await PostgresConnection(conn).execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One write statement over many rows, in one transaction."""
        async with self.transaction() as tx:
            await tx.executemany(sql, rows)

    async def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Plain inserts of many rows through COPY."""
        async with self.transaction() as tx:
            await tx.insert_rows(table, columns, rows)

    async def insert_new(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Inserts of many rows, leaving out those a unique key already holds."""
        async with self.transaction() as tx:
            await tx.insert_new(table, columns, rows)

    async def continue_ids(self, table: str) -> None:
        """New ids go on past the largest (rows were inserted with their own)."""
        async with self.transaction() as tx:
            await tx.continue_ids(table)

    async def reserve_ids(self, table: str, count: int) -> list[int]:
        """Ids of the table's sequence: taken ones are never handed out again."""
        async with self._pool.acquire() as conn:
            return await PostgresConnection(conn).reserve_ids(table, count)
