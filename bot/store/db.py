"""What the store asks of a database, whichever runs: SQLite (the default) or PostgreSQL.

Queries are written once, with `?` placeholders, in the SQL both engines speak (ON CONFLICT,
RETURNING, NULLS LAST, row values); the few differences live in the backends.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Protocol


class Row(Protocol):
    """A result row, read by column name: aiosqlite.Row and asyncpg.Record both are (they
    also index by position, which the store does not use: a column added to a SELECT
    would shift every read after it)."""

    def __getitem__(self, column: str, /) -> Any:
        """The value of `column` (its name, or its alias in the SELECT)."""
        ...

    def keys(self) -> Iterable[str]:
        """The column names, in the SELECT's order (so that `dict(row)` works)."""
        ...


class Connection(Protocol):
    """Statements on one database connection (inside a transaction, or on their own)."""

    dialect: str  # "sqlite" or "postgres"
    lines_agg: str  # an aggregate joining `q.text` of passages with newlines, in order

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row a read returns."""
        ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row a read returns, or None."""
        ...

    async def returning(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """One write with a RETURNING clause: its first row, or None."""
        ...

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write; the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One write statement over many rows."""
        ...

    async def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Plain inserts of many rows, by the fastest path the engine has."""
        ...

    async def insert_new(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Inserts of many rows, leaving out those a unique key already holds."""
        ...

    async def reserve_ids(self, table: str, count: int) -> list[int]:
        """`count` fresh ids for rows of `table` this transaction is about to insert."""
        ...

    async def continue_ids(self, table: str) -> None:
        """After rows were inserted with their own ids: new ids go on past the largest."""
        ...


class Database(Connection, Protocol):
    """A migrated database: statements outside transactions, and transactions."""

    path: Path | None  # the SQLite file; None for a server
    errors: tuple[type[Exception], ...]  # what the driver raises when a statement is refused

    def transaction(self, *, bulk: bool = False) -> AbstractAsyncContextManager[Connection]:
        """A write transaction; `bulk` lets SQLite skip foreign-key checks for rows that are
        consistent by construction."""
        ...

    def snapshot(self) -> AbstractAsyncContextManager[Connection]:
        """Reads that see one state of the database, whatever commits meanwhile."""
        ...

    async def fetch_committed(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row a read returns of what is committed, never of a transaction another
        coroutine of this process has open."""
        ...

    async def schema_version(self) -> int:
        """The number of migrations applied."""
        ...

    def describe(self) -> str:
        """Where the data is, for people (a file, or a URL without its password)."""
        ...


def quoted(name: str) -> str:
    """A column or table name as an SQL identifier, quoted (either engine)."""
    return '"' + name.replace('"', '""') + '"'


def fits_int64(number: int) -> bool:
    """True when `number` fits a signed 64-bit integer (SQLite INTEGER, PostgreSQL BIGINT)."""
    return -(2**63) <= number < 2**63
