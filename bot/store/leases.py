"""Leases: a named role held by one owner until it lapses, and work claimed under one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.models import Lease
from bot.store.base import StoreBase
from bot.store.db import Connection, Row

# PostgreSQL's own clock, written as the lease columns are (fixed width, UTC).
_SERVER_NOW = (
    "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') AS now"
)


def _stamp(moment: datetime) -> str:
    # Fixed width (microseconds always written): text order is time order.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _lease(name: str, row: Row) -> Lease:
    owner, acquired, expires = row["owner"], row["acquired_at"], row["expires_at"]
    return Lease(name, owner, datetime.fromisoformat(acquired), datetime.fromisoformat(expires))


async def _moment(tx: Connection, now: datetime | None) -> datetime:
    """`now` when given (tests); else the database's clock: the server's on PostgreSQL, so
    replicas on hosts whose clocks differ agree on when a lease lapses (on SQLite, every
    process sharing the file shares this host's clock)."""
    if now is not None:
        return now
    if tx.dialect == "postgres":
        row = await tx.fetchone(_SERVER_NOW)
        assert row is not None
        return datetime.fromisoformat(row["now"] + "+00:00")
    return datetime.now(UTC)


class LeaseStore(StoreBase):
    """Leases held in the database itself, so every process sharing it sees the same holder."""

    async def acquire_lease(
        self, name: str, owner: str, ttl: float, *, now: datetime | None = None
    ) -> Lease:
        """Take `name` for `owner` until now + `ttl` seconds, or renew it, when it is free,
        lapsed or already the owner's; the lease as it stands afterwards (another owner's
        when that one still holds it)."""
        async with self._transaction() as tx:
            moment = await _moment(tx, now)
            until = moment + timedelta(seconds=ttl)
            # Concurrent takers queue on the row; each then sees the winner's version.
            await tx.execute(
                "INSERT INTO leases (name, owner, acquired_at, expires_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner,"
                " expires_at = excluded.expires_at,"
                " acquired_at = CASE WHEN leases.owner = excluded.owner"
                " THEN leases.acquired_at ELSE excluded.acquired_at END"
                " WHERE leases.owner = excluded.owner OR leases.expires_at <= ?",
                (name, owner, _stamp(moment), _stamp(until), _stamp(moment)),
            )
            row = await tx.fetchone(
                "SELECT owner, acquired_at, expires_at FROM leases WHERE name = ?", (name,)
            )
        assert row is not None
        return _lease(name, row)

    async def release_lease(self, name: str, owner: str) -> bool:
        """Give `name` up now if `owner` holds it (a clean stop: another may take it at once)."""
        changed = await self._db.execute(
            "DELETE FROM leases WHERE name = ? AND owner = ?", (name, owner)
        )
        return changed > 0

    async def lease(self, name: str) -> Lease | None:
        """The lease `name` as recorded (possibly lapsed), or None when nobody took it."""
        row = await self._db.fetchone(
            "SELECT owner, acquired_at, expires_at FROM leases WHERE name = ?", (name,)
        )
        return None if row is None else _lease(name, row)

    async def claim_deliveries(
        self, ids: Sequence[int], owner: str, lease: str, *, now: datetime | None = None
    ) -> bool:
        """Mark pending outbox rows as taken by `owner` to send, if `owner` holds `lease`
        unlapsed; False (nothing marked) when it does not: it must not send them."""
        async with self._transaction() as tx:
            moment = _stamp(await _moment(tx, now))
            # On PostgreSQL the lease row stays as read until this commits: a takeover
            # waits, then finds these rows claimed (SQLite's write lock does the same).
            share = " FOR SHARE" if tx.dialect == "postgres" else ""
            held = await tx.fetchone(
                "SELECT 1 FROM leases WHERE name = ? AND owner = ? AND expires_at > ?" + share,
                (lease, owner, moment),
            )
            if held is None:
                return False
            await tx.executemany(
                "UPDATE outbox SET claimed_by = ?, claimed_at = ?"
                " WHERE id = ? AND state = 'pending'",
                [(owner, moment, i) for i in ids],
            )
        return True

    async def claimed_elsewhere(self, owner: str) -> int:
        """Pending outbox rows another owner took and did not settle: in flight when it
        stopped leading (they may have reached Telegram), sent again by `owner`."""
        row = await self._db.fetchone(
            "SELECT count(*) AS n FROM outbox WHERE state = 'pending' AND claimed_by IS NOT NULL"
            " AND claimed_by != ?",
            (owner,),
        )
        return int(row["n"]) if row else 0


async def live_lease(db: Connection, name: str) -> Lease | None:
    """The lease `name` when its holder has it unlapsed by the database's clock, else None."""
    moment = await _moment(db, None)
    row = await db.fetchone(
        "SELECT owner, acquired_at, expires_at FROM leases WHERE name = ?", (name,)
    )
    lease = None if row is None else _lease(name, row)
    return lease if lease is not None and lease.expires_at > moment else None
