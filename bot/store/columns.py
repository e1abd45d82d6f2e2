"""What an imported value must be to go into its column: the same rules on both engines.

The database says which columns a table has, their type and whether they may be NULL; the
rules below add what the code reading them back relies on (times in UTC as the store
writes them, known time zones, 0/1 flags, ranges, JSON lists, filters, digest schedules).
A column this file does not know yet (a later migration's) gets the database's checks only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.filters import FilterError, parse_filter
from bot.i18n import LANGUAGES
from bot.store.db import Connection

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
_DIGEST = re.compile(r"(daily|weekly (mon|tue|wed|thu|fri|sat|sun)) ([01]\d|2[0-3]):[0-5]\d")

Check = Callable[[object], str | None]  # what is wrong with a non-null value, or None


@dataclass(frozen=True, slots=True)
class Column:
    """One column as the database declares it."""

    name: str
    integer: bool  # else text
    bounds: tuple[int, int]  # of an integer column (PostgreSQL INTEGER is 32 bits)
    nullable: bool
    has_default: bool


async def columns(db: Connection, table: str) -> dict[str, Column]:
    """The columns `table` really has, by name."""
    if db.dialect == "sqlite":
        rows = await db.fetchall(
            'SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)', (table,)
        )
        return {
            r["name"]: Column(
                r["name"],
                "INT" in r["type"].upper(),
                INT64,
                not r["notnull"] and not r["pk"],
                r["dflt_value"] is not None,
            )
            for r in rows
        }
    rows = await db.fetchall(
        "SELECT column_name, data_type, is_nullable, column_default, is_identity"
        " FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ?",
        (table,),
    )
    return {
        r["column_name"]: Column(
            r["column_name"],
            r["data_type"] in ("integer", "bigint", "smallint"),
            INT32 if r["data_type"] == "integer" else INT64,
            r["is_nullable"] == "YES",
            r["column_default"] is not None or r["is_identity"] == "YES",
        )
        for r in rows
    }


def _time(value: object) -> str | None:
    try:
        moment = datetime.fromisoformat(value)  # type: ignore[arg-type]  # a str: checked first
    except (TypeError, ValueError):
        return "is not a date and time"
    if moment.tzinfo is None or moment.astimezone(UTC).isoformat() != value:
        return "is not a time in UTC as the store writes it (2024-03-01T08:30:00+00:00)"
    return None


def _zone(value: object) -> str | None:
    try:
        ZoneInfo(str(value))
    except (KeyError, ValueError, OSError):
        return "is not a time zone this system knows (Europe/Paris, UTC, …)"
    return None


def _clock(value: object) -> str | None:
    try:
        time.fromisoformat(str(value))
    except ValueError:
        return "is not a time of day (22:00)"
    return None


def _digest(value: object) -> str | None:
    if not _DIGEST.fullmatch(str(value)):
        return "is not a digest schedule (daily 08:00, weekly mon 08:00)"
    return None


def _list(value: object) -> str | None:
    try:
        items = json.loads(str(value))
    except ValueError:
        items = None
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        return "is not a JSON list of strings"
    return None


def _filters(value: object) -> str | None:
    if value == "":
        return None
    try:
        parse_filter(str(value))
    except FilterError as exc:
        return f"is not a filter ({exc})"
    return None


def _one_of(*choices: object) -> Check:
    def check(value: object) -> str | None:
        return None if value in choices else f"is not one of {', '.join(map(str, choices))}"

    return check


def _between(low: int, high: int) -> Check:
    def check(value: object) -> str | None:
        if isinstance(value, int) and low <= value <= high:
            return None
        return f"is not a whole number from {low} to {high}"

    return check


_FLAG = _one_of(0, 1)
_COUNT = _between(0, INT32[1])
_TIMES = frozenset(
    "created_at first_seen updated_at published last_success next_poll last_digest_at"
    " not_before sent_at released_at settled_at claimed_at used_at unfollowed_at".split()
)

# Per table, the columns whose values need more than their SQL type; times go by name.
RULES: Mapping[str, Mapping[str, Check]] = {
    "sources": {
        "kind": _one_of("feed", "movim"),
        "origin": _one_of("file", "cli", "telegram"),
        "interval": _between(1, INT32[1]),
        "error_count": _COUNT,
        "failing": _FLAG,
        "primed": _FLAG,
        "guid_collisions": _COUNT,
        "timezone": _zone,
    },
    "posts": {
        "reading_minutes": _COUNT,
        "hashtags": _list,
        "images": _list,
        "credits": _list,
        "categories": _list,
        "seq": _between(0, INT64[1]),
    },
    "passages": {
        "position": _COUNT,
        "kind": _one_of("paragraph", "question", "answer", "pullquote"),
    },
    "chats": {
        "language": _one_of(*LANGUAGES),
        "timezone": _zone,
        "active": _FLAG,
        "link_previews": _FLAG,
        "quiet_start": _clock,
        "quiet_end": _clock,
        "digest": _digest,
    },
    "subscriptions": {"filters": _filters},
    "outbox": {
        "kind": _one_of("push", "digest", "more"),
        "state": _one_of("pending", "sent", "failed", "given_up"),
        "attempts": _COUNT,
    },
}


def problem(table: str, column: Column, value: object) -> str | None:
    """What is wrong with `value` for `column` of `table`, or None when it fits."""
    if value is None:
        return None if column.nullable else "is missing (null), and the column needs a value"
    if column.integer:
        low, high = column.bounds
        if not isinstance(value, int) or isinstance(value, bool):
            return "is not a whole number"
        if not low <= value <= high:
            return f"is out of range ({low} to {high})"
    elif not isinstance(value, str):
        return "is not text"
    elif "\x00" in value:
        return "holds a NUL character"
    else:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "is not valid Unicode (a lone surrogate)"
    rule = RULES.get(table, {}).get(column.name)
    if rule is None and column.name in _TIMES and not column.integer:
        rule = _time
    return rule(value) if rule is not None else None


def shown(value: object) -> str:
    """A value as an error message quotes it (cut short)."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:59] + "…"
