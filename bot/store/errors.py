"""Which exceptions mean the database is unavailable (an outage), not a bug."""

from __future__ import annotations

import sqlite3

import asyncpg


def database_unavailable(exc: BaseException) -> bool:
    """True for a database that cannot be reached or written for now: SQLite locked or its
    disk full, PostgreSQL stopped, restarting or its connection lost."""
    if isinstance(exc, sqlite3.OperationalError):
        return True  # locked, busy, disk full, I/O error
    if isinstance(
        exc,
        asyncpg.PostgresConnectionError
        | asyncpg.InterfaceError
        # A pooled connection the server closed mid-operation, left in a broken state.
        | asyncpg.InternalClientError
        | asyncpg.CannotConnectNowError
        | asyncpg.AdminShutdownError
        | asyncpg.InsufficientResourcesError,
    ):
        return True
    # Connecting to a server that is down, or the socket dropped under a query.
    return isinstance(exc, OSError | TimeoutError)
