"""`python -m bot import` of a damaged or hostile file: refused whole, in one line, on both
engines; the database keeps what it held, and what it holds still reads back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.models import Passage, Post
from bot.store import Store
from tests.conftest import ROOT

BACKENDS = ("sqlite", "postgres")
Lines = list[dict[str, Any]]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_PATH")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


async def _fill(store: Store) -> list[dict[str, Any]]:
    """A small database of every kind of row; its export, one dict a line."""
    numerama = await store.configure_source("Numerama", "https://www.numerama.com/feed/")
    await store.configure_source("Mediapart", "https://www.mediapart.fr/articles/feed")
    await store.upsert_posts(
        numerama, [Post("Numerama", f"Article {n}", (Passage("paragraph", "x"),)) for n in (1, 2)]
    )
    await store.upsert_chat(42, type="private")
    await store.subscribe(42, numerama, "+ia")
    return [json.loads(line) async for line in store.export_lines()]


def _row(lines: Lines, table: str, n: int = 0) -> dict[str, Any]:
    return [line for line in lines if line.get("table") == table][n]["row"]


def _set(table: str, column: str, value: Any, n: int = 0) -> Callable[[Lines], None]:
    def change(lines: Lines) -> None:
        _row(lines, table, n)[column] = value

    return change


def _rename(table: str, column: str, new: str) -> Callable[[Lines], None]:
    def change(lines: Lines) -> None:
        for line in lines:
            if line.get("table") == table:
                row = line["row"]
                line["row"] = {(new if k == column else k): v for k, v in row.items()}

    return change


def _injected(lines: Lines) -> None:
    # Spliced into `INSERT INTO saved_queries (…)`, this key once copied every source key
    # into saved searches; it must be refused as the unknown column it is.
    lines.insert(
        -1,
        {
            "table": "saved_queries",
            "row": {
                "id": "q1",
                "chat_id": 42,
                "query": "x",
                "used_at) SELECT key, 42, key, created_at FROM sources --": "x",
            },
        },
    )
    lines[-1]["end"]["saved_queries"] = 1


def _twice(lines: Lines) -> None:
    posts = [i for i, line in enumerate(lines) if line.get("table") == "posts"]
    lines[posts[1]]["row"]["id"] = lines[posts[0]]["row"]["id"]


def _same_key(lines: Lines) -> None:
    # Two sources with one key: only the database's unique index sees it.
    _row(lines, "sources", 1)["key"] = _row(lines, "sources", 0)["key"]


# What each file does wrong → what the one line of the refusal says.
CASES: dict[str, tuple[Callable[[Lines], None], str]] = {
    "injected column": (
        _injected,
        'saved_queries row 1: saved_queries has no column "used_at) SELECT key',
    ),
    "unknown column": (_rename("chats", "title", "nickname"), 'chats has no column "nickname"'),
    "next_poll not a date": (
        _set("sources", "next_poll", "not a date"),
        'sources row 1, column next_poll: "not a date" is not a date and time',
    ),
    "interval not a number": (
        _set("sources", "interval", "fast"),
        'sources row 1, column interval: "fast" is not a whole number',
    ),
    "unknown zone": (
        _set("sources", "timezone", "Mars/Olympus", 1),
        'sources row 2, column timezone: "Mars/Olympus" is not a time zone',
    ),
    "chat zone": (
        _set("chats", "timezone", "Europe/Pariss"),
        'chats row 1, column timezone: "Europe/Pariss" is not a time zone',
    ),
    "local time": (
        _set("posts", "first_seen", "2024-03-01T09:30:00+01:00"),
        "posts row 1, column first_seen: ",
    ),
    "flag out of range": (_set("sources", "failing", 7), "column failing: 7 is not one of 0, 1"),
    "bad digest": (
        _set("chats", "digest", "hourly"),
        'column digest: "hourly" is not a digest schedule',
    ),
    "list value": (_set("posts", "title", ["a", "b"]), 'column title: ["a", "b"] is not text'),
    "null title": (_set("posts", "title", None), "posts row 1, column title: null is missing"),
    "huge id": (_set("chats", "id", 2**70), "chats row 1, column id: 1180591620717411303424 is"),
    "32-bit column": (
        _set("posts", "reading_minutes", 2**40),
        "posts row 1, column reading_minutes: 1099511627776 is ",
    ),
    "dangling subscription": (
        _set("subscriptions", "source_id", 999),
        "subscriptions row 1, column source_id: 999 is the id of no row of sources",
    ),
    "duplicate post ids": (_twice, "posts row 2, column id: "),
    "shared key": (_same_key, "the database refused the file: "),
    "lone surrogate": (_set("posts", "author", "\ud800"), "column author: "),
}


@pytest.mark.parametrize("case", CASES)
async def test_a_bad_file_is_refused_in_one_line_and_nothing_changes(
    store: Store, database: str | Path, tmp_path: Path, case: str
) -> None:
    lines = await _fill(store)
    before = [line async for line in store.export_lines()]
    spoil, said = CASES[case]
    spoil(lines)
    bad = tmp_path / "bad.jsonl"
    # ASCII JSON: a lone surrogate travels as its \\ud800 escape, as JSON allows.
    bad.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    out = _cli("import", str(bad), "--replace", "--db", str(database))
    assert out.returncode == 1, out.stdout
    assert out.stderr.startswith("nothing imported: "), out.stderr
    assert said in out.stderr
    assert out.stderr.count("\n") == 1, out.stderr  # one line: no traceback
    assert [line async for line in store.export_lines()] == before


async def test_a_line_that_is_not_utf8_is_refused_by_its_number(
    store: Store, database: str | Path, tmp_path: Path
) -> None:
    lines = await _fill(store)
    raw = [json.dumps(line, ensure_ascii=False).encode() for line in lines]
    raw[3] = raw[3].replace(b'"Article', b'"\xff\xfeArticle')
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"\n".join(raw) + b"\n")
    out = _cli("import", str(bad), "--replace", "--db", str(database))
    assert out.returncode == 1
    assert out.stderr.startswith("nothing imported: line 4: not UTF-8"), out.stderr
    assert "Traceback" not in out.stderr


async def test_a_refused_file_leaves_status_and_exports_working(
    store: Store, database: str | Path, tmp_path: Path
) -> None:
    """The ill-typed values that once went in on SQLite and broke /status and `sources
    export` for everyone: refused, and both still answer afterwards."""
    lines = await _fill(store)
    for change in (
        _set("sources", "next_poll", "not a date"),
        _set("sources", "interval", "fast"),
        _set("sources", "timezone", "Mars/Olympus"),
    ):
        change(lines)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    assert _cli("import", str(bad), "--replace", "--db", str(database)).returncode == 1
    opml = _cli("sources", "export", "--db", str(database))
    assert opml.returncode == 0, opml.stderr
    assert b"numerama.com/feed" in opml.stdout.encode()
    assert sorted(s.name for s in await store.all_sources()) == ["Mediapart", "Numerama"]


async def test_a_held_lease_refuses_the_import_and_a_lapsed_one_does_not(
    store: Store, database: str | Path, tmp_path: Path
) -> None:
    lines = await _fill(store)
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    await store.acquire_lease("leader", "webhook:relais-2:4242:ab12cd34", ttl=60)
    out = _cli("import", str(dump), "--replace", "--db", str(database))
    assert out.returncode == 1
    assert out.stderr.startswith(
        "nothing imported: a bot is running on this database (pid 4242 on relais-2, webhook"
        " replica): stop it, then import"
    ), out.stderr
    # A lease left by a process that died lapses: the import then goes ahead.
    lapsed = datetime.now(UTC) - timedelta(minutes=5)
    await store.release_lease("leader", "webhook:relais-2:4242:ab12cd34")
    await store.acquire_lease("leader", "polling:relais-1:99:ef", ttl=60, now=lapsed)
    out = _cli("import", str(dump), "--replace", "--db", str(database))
    assert out.returncode == 0, out.stderr
