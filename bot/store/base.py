"""The store's database: opening either backend, transactions and shared helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from bot.config import is_database_url
from bot.store.db import Connection, Database, fits_int64

fits_sqlite = fits_int64  # the name callers know: the range of a stored integer


def iso_utc(moment: datetime | None) -> str | None:
    """A moment as stored: ISO 8601 in UTC (None stays None)."""
    return None if moment is None else moment.astimezone(UTC).isoformat()


def parse_iso(value: str | None) -> datetime | None:
    """A stored moment read back as an aware datetime (None stays None)."""
    return None if value is None else datetime.fromisoformat(value)


def now_iso() -> str:
    """Now, as stored: ISO 8601 in UTC."""
    return datetime.now(UTC).isoformat()


@asynccontextmanager
async def open_database(target: str | Path) -> AsyncIterator[Database]:
    """A migrated database: PostgreSQL for a `postgresql://` URL, else a SQLite file."""
    if is_database_url(target):
        # Imported here: a SQLite user never loads the PostgreSQL driver.
        from bot.store.postgres import PostgresDatabase

        async with PostgresDatabase.open(str(target)) as database:
            yield database
    else:
        from bot.store.sqlite import SqliteDatabase

        async with SqliteDatabase.open(Path(target)) as database:
            yield database


class StoreBase:
    """One database, whichever engine holds it; migrated on open."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @classmethod
    @asynccontextmanager
    async def open(cls, target: str | Path) -> AsyncIterator[Self]:
        """Open a SQLite file (folder and file created as needed) or a PostgreSQL URL,
        migrate it, and close it on exit."""
        async with open_database(target) as db:
            store = cls(db)
            await store._upgrade_data()
            yield store

    @property
    def path(self) -> Path | None:
        """The SQLite file; None on PostgreSQL."""
        return self._db.path

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgres"."""
        return self._db.dialect

    def describe(self) -> str:
        """Where the data is, for people (a path, or a URL without its password)."""
        return self._db.describe()

    async def _upgrade_data(self) -> None:
        """Startup steps that need Python, not SQL (run after the migrations, each once)."""

    async def schema_version(self) -> int:
        """The number of migrations applied."""
        return await self._db.schema_version()

    async def store_id(self) -> int:
        """A random number fixed when this database was created."""
        row = await self._db.fetchone("SELECT value FROM counters WHERE name = 'store_id'")
        return int(row["value"]) if row else 0

    async def change_mark(self) -> tuple[int, int]:
        """(store_id, the change counter) in one read: the counter moves in the transaction
        of every change of a post (new, updated, deleted, moved), so while it stays put
        nothing changed for the search index. Only what is committed: a counter moved by a
        transaction still open would be passed by before its posts can be read."""
        rows = await self._db.fetch_committed(
            "SELECT name, value FROM counters WHERE name IN ('store_id', 'post_seq')"
        )
        values = {row["name"]: int(row["value"]) for row in rows}
        return values.get("store_id", 0), values.get("post_seq", 0)

    def _transaction(self, *, bulk: bool = False) -> AbstractAsyncContextManager[Connection]:
        """A write transaction on the database (see Database.transaction)."""
        return self._db.transaction(bulk=bulk)
