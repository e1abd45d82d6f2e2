"""Moving a whole database between engines: JSON lines out of one store, into another.

One JSON object a line, read and written a few hundred rows at a time, so a big database
never sits in memory. The first line says what the file is and its schema version; then
every row of every table users would miss, parents first (posts carry their passages);
the last line counts them, so a file cut short imports nothing.

Carried: sources (with their polling state), posts and passages, chats (with every
setting), their forum topics (with theirs and their pauses), subscriptions, the outbox
(deliveries owed, digests gathering, and the history /status counts and republished
articles are checked against), saved searches. Left out:
the search index's tombstones of deleted posts, the counters (change numbers, this
database's id, the source-key version) and the leader lease, which belong to the database
itself: the target keeps its own, and its search index is rebuilt.

Nothing of the file reaches SQL unchecked: a row's keys must be its table's real columns
(then quoted), every value must fit its column as columns.py says, on both engines alike,
and ids must be unique and point at rows before them. A refusal is one TransferError
naming the line, table, row and column; what only the database can see (a unique key two
rows share) comes back as one too.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from bot.models import Lease
from bot.store.base import StoreBase
from bot.store.columns import Column, columns, problem, shown
from bot.store.db import Connection
from bot.store.leases import live_lease

FORMAT = "relais-export"
VERSION = 1
# Parents first, so every row's references exist when it is inserted.
TABLES = ("sources", "posts", "chats", "topics", "subscriptions", "outbox", "saved_queries")
_CHUNK = 500


class TransferError(Exception):
    """The file cannot be imported (or the database refuses it); the message says why."""


class LeaseHeld(TransferError):
    """A running process holds the lease the import was told to respect."""

    def __init__(self, lease: Lease) -> None:
        super().__init__(
            f"a bot is running on this database (it holds the {lease.name!r} lease until"
            f" {lease.expires_at.isoformat(timespec='seconds')}): stop it, then import"
        )
        self.lease = lease


@dataclass(slots=True)
class TransferCounts:
    """Rows carried, per table (passages counted apart)."""

    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    passages: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counts as the file's last line holds them."""
        return {**self.rows, "passages": self.passages}

    def describe(self) -> str:
        """One line for people."""
        r = self.rows
        return (
            f"{r['sources']} sources, {r['posts']} posts ({self.passages} passages),"
            f" {r['chats']} chats, {r['subscriptions']} subscriptions,"
            f" {r['outbox']} deliveries, {r['saved_queries']} saved searches"
        )


class TransferStore(StoreBase):
    """Export to and import from JSON lines."""

    async def export_to(self, out: IO[str]) -> TransferCounts:
        """Write the whole database to `out` as JSON lines; what was written."""
        counts = TransferCounts()
        async for line in self.export_lines(counts):
            out.write(line + "\n")
        return counts

    async def export_lines(self, counts: TransferCounts | None = None) -> AsyncIterator[str]:
        """The whole database as JSON lines (without newlines), header first.

        Every table is read in one snapshot (one read transaction), so a bot writing
        meanwhile never gets a post into the file without its source, or a subscription
        without its chat: the file is the database as of one moment.
        """
        header = {"format": FORMAT, "version": VERSION}
        yield _dump({**header, "schema_version": await self.schema_version()})
        counts = counts if counts is not None else TransferCounts()
        async with self._db.snapshot() as db:
            for table in TABLES:
                async for rows in _chunks(db, table):
                    passages = await _passages(db, rows) if table == "posts" else {}
                    for row in rows:
                        line: dict[str, Any] = {"table": table, "row": row}
                        if table == "posts":
                            line["passages"] = passages.get(row["id"], [])
                            counts.passages += len(line["passages"])
                        counts.rows[table] += 1
                        yield _dump(line)
        yield _dump({"end": counts.as_dict()})

    async def import_lines(
        self, lines: Iterable[str], *, replace: bool = False, unless_held: str | None = None
    ) -> TransferCounts:
        """Load an export, all of it or nothing (one transaction).

        A database that holds anything is refused unless `replace`, which empties it first
        (in the same transaction: a failed import leaves it as it was). With `unless_held`,
        the import is refused (LeaseHeld) while a process holds that lease unlapsed: a
        running bot would go on serving and sending what the import replaces. The check
        and the import are one transaction, and a bot starting meanwhile waits for it.
        """
        expected_schema = await self.schema_version()
        try:
            async with self._transaction() as tx:
                if unless_held is not None:
                    await _refuse_if_held(tx, unless_held)
                if not replace and not await _is_empty(tx):
                    raise TransferError(
                        "the database is not empty: import only into a new database, or pass"
                        " --replace to delete what it holds first"
                    )
                if replace:
                    await _empty(tx)
                counts = await _load(tx, iter(lines), expected_schema)
                await _settle_ids(tx)
        except self._db.errors as exc:
            # What the checks above cannot see (a key two rows share): one line, no traceback.
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise TransferError(f"the database refused the file: {reason}") from None
        return counts


async def _is_empty(db: Connection) -> bool:
    for table in TABLES:
        if await db.fetchone(f"SELECT 1 FROM {table} LIMIT 1"):
            return False
    return True


async def _refuse_if_held(tx: Connection, name: str) -> None:
    """Raise LeaseHeld when a live process holds the lease `name`. SQLite's write lock,
    taken by the transaction, keeps anyone from taking it until the import ends; on
    PostgreSQL the table lock below does (a bot starting meanwhile waits, then finds the
    imported data)."""
    if tx.dialect == "postgres":
        await tx.execute("LOCK TABLE leases IN SHARE ROW EXCLUSIVE MODE")
    lease = await live_lease(tx, name)
    if lease is not None:
        raise LeaseHeld(lease)


async def _chunks(db: Connection, table: str) -> AsyncIterator[list[dict[str, Any]]]:
    """A table's rows by id, a chunk at a time (keyset paging: no offset rescans)."""
    rows = await db.fetchall(f"SELECT * FROM {table} ORDER BY id LIMIT ?", (_CHUNK,))
    while rows:
        yield [dict(row) for row in rows]
        rows = await db.fetchall(
            f"SELECT * FROM {table} WHERE id > ? ORDER BY id LIMIT ?", (rows[-1]["id"], _CHUNK)
        )


async def _passages(db: Connection, posts: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    ids = [post["id"] for post in posts]
    marks = ", ".join("?" for _ in ids)
    found: dict[int, list[dict[str, Any]]] = {}
    for row in await db.fetchall(
        f"SELECT * FROM passages WHERE post_id IN ({marks}) ORDER BY post_id, position", ids
    ):
        passage = dict(row)
        found.setdefault(passage.pop("post_id"), []).append(passage)
    return found


async def _empty(tx: Connection) -> None:
    for table in reversed(TABLES):
        await tx.execute(f"DELETE FROM {table}")
    await tx.execute("DELETE FROM passages")
    await tx.execute("DELETE FROM deleted_posts")


async def _load(tx: Connection, lines: Iterable[str], schema: int) -> TransferCounts:
    lines = iter(lines)
    header = _parse(next(lines, ""), 1)
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise TransferError("line 1: not a Relais export (python -m bot export writes them)")
    if header.get("schema_version") != schema:
        raise TransferError(
            f"the file is from schema {header.get('schema_version')}, this database is at"
            f" schema {schema}: export and import with the same version of Relais"
        )
    counts = TransferCounts()
    batch = _Batch(tx)
    checker = _Checker(tx)
    for number, text in enumerate(lines, start=2):
        line = _parse(text, number)
        if "end" in line:
            await batch.flush()
            if line["end"] != counts.as_dict():
                raise TransferError(f"line {number}: the counts do not match the rows read")
            return counts
        table, row = line.get("table"), line.get("row")
        if table not in TABLES or not isinstance(row, dict):
            raise TransferError(f"line {number}: expected a row of {', '.join(TABLES)}")
        counts.rows[table] += 1
        where = f"line {number}: {table} row {counts.rows[table]}"
        await checker.check(table, row, where)
        await batch.add(table, row)
        passages = line.get("passages", []) if table == "posts" else []
        if not isinstance(passages, list):
            raise TransferError(f"{where}: its passages are not a list")
        for position, passage in enumerate(passages, start=1):
            if not isinstance(passage, dict) or "post_id" in passage:
                raise TransferError(f"{where}: passage {position} is not a passage")
            passage = {**passage, "post_id": row["id"]}
            await checker.check("passages", passage, f"{where}, passage {position}")
            await batch.add("passages", passage)
            counts.passages += 1
    raise TransferError("the file ends before its last line: it was cut short")


# Column → the table its value must name a row of (a row the file brought before).
_PARENTS = {
    "posts": {"source_id": "sources"},
    "topics": {"chat_id": "chats"},
    "subscriptions": {"chat_id": "chats", "source_id": "sources"},
    "outbox": {"chat_id": "chats", "post_id": "posts"},
}


class _Checker:
    """Every row checked before it is written: its columns are the table's real ones, each
    value fits its column (columns.py), ids are not repeated and references point at rows
    of the file. The message names the line, table, row and column."""

    def __init__(self, tx: Connection) -> None:
        self._tx = tx
        self._columns: dict[str, dict[str, Column]] = {}
        # Ids of the tables others refer to: a few integers a row, the file's rows stay out.
        self._ids: dict[str, set[int]] = {"sources": set(), "posts": set(), "chats": set()}

    async def check(self, table: str, row: dict[str, Any], where: str) -> None:
        known = self._columns.get(table)
        if known is None:
            known = self._columns[table] = await columns(self._tx, table)
        unknown = [name for name in row if name not in known]
        if unknown:
            raise TransferError(f"{where}: {table} has no column {shown(unknown[0])}")
        for column in known.values():
            if column.name not in row:
                # Ids too: the file's rows keep theirs, others point at them.
                if column.name == "id" or not (column.nullable or column.has_default):
                    raise TransferError(f"{where}: column {column.name} is missing")
                continue
            value = row[column.name]
            if (wrong := problem(table, column, value)) is not None:
                raise TransferError(f"{where}, column {column.name}: {shown(value)} {wrong}")
        for name, parent in _PARENTS.get(table, {}).items():
            value = row.get(name)
            if value is not None and value not in self._ids[parent]:
                raise TransferError(
                    f"{where}, column {name}: {value} is the id of no row of {parent}"
                    " before it in the file"
                )
        ids = self._ids.get(table)
        if ids is not None:
            if row.get("id") in ids:
                raise TransferError(f"{where}, column id: {row['id']} is already another row's")
            ids.add(row["id"])


class _Batch:
    """Rows waiting to be inserted, in the file's order: a post goes in before its
    passages, a table before the next one."""

    def __init__(self, tx: Connection) -> None:
        self._tx = tx
        self._rows: dict[str, list[tuple[Any, ...]]] = {}
        self._columns: dict[str, tuple[str, ...]] = {}
        self._size = 0

    async def add(self, table: str, row: dict[str, Any]) -> None:
        columns = self._columns.setdefault(table, tuple(row))
        if tuple(row) != columns:
            raise TransferError(f"a row of {table} has other columns than the first one")
        group = "posts" if table == "passages" else table
        # Flushed when a new table starts, or at a post once enough rows wait.
        if table != "passages" and (group not in self._rows or self._size >= _CHUNK):
            await self.flush()
        self._rows.setdefault(table, []).append(tuple(row.values()))
        self._size += 1

    async def flush(self) -> None:
        for table, rows in self._rows.items():  # posts were added before their passages
            await self._tx.insert_rows(table, self._columns[table], rows)
        self._rows.clear()
        self._size = 0


async def _settle_ids(tx: Connection) -> None:
    """After rows came with their ids: numbering goes on past them, change numbers too,
    and the database gets a new id so a search index built before is rebuilt."""
    for table in ("sources", "posts", "passages", "topics", "subscriptions", "outbox"):
        await tx.continue_ids(table)
    await tx.execute(
        "UPDATE counters SET value = (SELECT coalesce(max(seq), 0) FROM posts)"
        " WHERE name = 'post_seq' AND value < (SELECT coalesce(max(seq), 0) FROM posts)"
    )
    await tx.execute(
        "UPDATE counters SET value = ? WHERE name = 'store_id'", (secrets.randbits(53),)
    )


def _dump(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _parse(text: str, number: int) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise TransferError(f"line {number}: not JSON") from None
    if not isinstance(value, dict):
        raise TransferError(f"line {number}: not a JSON object")
    return value


def read_lines(file: IO[bytes]) -> Iterator[str]:
    """The non-blank lines of a file opened in binary, one at a time, decoded (a line that
    is not UTF-8 stops the import with its number)."""
    for number, raw in enumerate(file, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TransferError(f"line {number}: not UTF-8 (byte {exc.start + 1})") from None
        if line.strip():
            yield line
