"""Push benchmark: planning one new post against 100,000 filtered subscriptions, and the
sustained send rate against the fake Bot API (over HTTP) under the 30 messages/s limit.

Baselines in the same run: planning by parsing every subscription's filter on its own
(no grouping, no cache), and sending with no flood control at all.

    .venv/bin/python benchmarks/push_bench.py [--subscriptions 100000] [--chats 300]
        [--chunk 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from telegram.ext import ExtBot  # noqa: E402

from bot.delivery.planning import PUSH_CAP, match_filters, plan_deliveries  # noqa: E402
from bot.delivery.sender import FLOOD_MARGIN, Sender  # noqa: E402
from bot.filters import document, parse_filter  # noqa: E402
from bot.models import Passage, Post, Subscription  # noqa: E402
from bot.polling.poller import record_poll, store_and_plan  # noqa: E402
from bot.ratelimit import FloodGate  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.store.db import Connection  # noqa: E402
from bot.store.fanout import CHUNK  # noqa: E402
from bot.telegram.limiter import GateLimiter  # noqa: E402
from bot.telegram.send import make_send  # noqa: E402
from tests.fakes import FakeBotAPI, FakeBotServer  # noqa: E402
from tests.postgres_server import TestPostgres  # noqa: E402

WORDS = (
    "ia robot travail clic numerique europe twitter arcom bitcoin securite donnees "
    "plateforme algorithme macron greve climat energie nucleaire apple google meta"
).split()
POST = Post(
    source="Numerama",
    title="Le travail du clic et l’IA : une enquête sur les plateformes",
    passages=(
        Passage("paragraph", "Les travailleurs du clic entraînent les algorithmes d’IA. " * 8),
    ),
)


def subscriptions(count: int, seed: int = 7) -> list[Subscription]:
    """Mostly no filter or a shared one; a tenth with a filter of their own."""
    rng = random.Random(seed)
    pool = []
    for _ in range(200):
        terms = [("+" if rng.random() < 0.6 else "-") + w for w in rng.sample(WORDS, 3)]
        pool.append(" ".join(terms))
    subs = []
    for n in range(count):
        roll = rng.random()
        if roll < 0.6:
            filters = ""
        elif roll < 0.9:
            filters = rng.choice(pool)
        else:
            first, second = rng.sample(WORDS, 2)
            filters = f'+{first} -"{second} {n}"'
        subs.append(Subscription(n, chat_id=n + 1, source_id=1, source="Numerama", filters=filters))
    return subs


def naive_plan(post: Post, subs: list[Subscription]) -> int:
    """Baseline: every subscription's filter parsed and matched on its own."""
    doc = document(post.title, "\n".join(p.text for p in post.passages))
    owed = 0
    for sub in subs:
        owed += parse_filter.__wrapped__(sub.filters).matches(doc)
    return owed


def time_planning(subs: list[Subscription]) -> tuple[list[float], list[float], float, int]:
    """Cold: no filter parsed yet (a fresh process); warm: the running bot's usual case."""
    cold: list[float] = []
    warm: list[float] = []
    owed = 0
    for _ in range(5):
        parse_filter.cache_clear()
        for runs in (cold, warm):
            start = time.perf_counter()
            owed = len(plan_deliveries([(1, POST)], subs))
            runs.append((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    naive = naive_plan(POST, subs)
    naive_ms = (time.perf_counter() - start) * 1000
    assert naive == owed, (naive, owed)
    return cold, warm, naive_ms, owed


async def store_and_plan_before(store: Store, source_id: int, posts: list[Post]) -> int:
    """Baseline, the path before fan-outs in chunks: the posts and every outbox row they
    owe written by one INSERT … SELECT inside the poll's one transaction."""
    async with store.transaction() as tx:
        upserted = await tx.upsert_posts(source_id, posts, compare=True)
        matches = match_filters(upserted.new_posts, await tx.subscriber_filters(source_id))
        fanout = await tx.record_fanout(source_id, matches, cap=PUSH_CAP)
        assert fanout is not None
        return await tx.expand_fanout(fanout)


class TimedTransactions:
    """Times every write transaction a store opens (waiting for the lock included)."""

    def __init__(self, store: Store) -> None:
        self.durations: list[float] = []
        database = store._db
        opened = database.transaction

        @asynccontextmanager
        async def timed(*, bulk: bool = False) -> AsyncIterator[Connection]:
            start = time.perf_counter()
            try:
                async with opened(bulk=bulk) as tx:
                    yield tx
            finally:
                self.durations.append((time.perf_counter() - start) * 1000)

        database.transaction = timed  # type: ignore[method-assign]


async def time_planning_in_store(
    target: str | Path, count: int, repeat: int, chunk: int
) -> dict[str, dict[str, float]]:
    """Planning as the poller does it (record the posts, write the outbox), before and
    after, one new post each time: the median of the longest write transaction, of the
    number of transactions, and of the time until every row is written, in ms."""
    subs = subscriptions(count)
    now = "2024-01-01T00:00:00+00:00"
    figures: dict[str, dict[str, list[float]]] = {
        way: {"longest": [], "total": [], "transactions": []} for way in ("before", "after")
    }
    async with Store.open(target) as store:
        source = await store.configure_source("Numerama", "https://x.invalid/feed")
        chats = [(s.chat_id, "private", "fr", 1, 0, now) for s in subs]
        columns = ("id", "type", "language", "active", "link_previews", "created_at")
        await store._db.insert_rows("chats", columns, chats)
        rows = [(s.chat_id, source, parse_filter(s.filters).describe(), now) for s in subs]
        await store._db.insert_rows(
            "subscriptions", ("chat_id", "source_id", "filters", "created_at"), rows
        )
        timed = TimedTransactions(store)
        owed = {}
        for n in range(repeat):
            for way in ("before", "after"):
                # Another title each time: the same one again would be a republished article.
                post = Post(
                    "Numerama", f"{POST.title} ({way} {n})", POST.passages, guid=f"{way}{n}"
                )
                timed.durations.clear()
                start = time.perf_counter()
                if way == "before":
                    owed[way] = await store_and_plan_before(store, source, [post])
                else:
                    _, fanout = await record_poll(store, source, [post])
                    assert fanout is not None
                    owed[way] = await store.fan_out(fanout, chunk=chunk)
                figures[way]["total"].append((time.perf_counter() - start) * 1000)
                figures[way]["longest"].append(max(timed.durations))
                figures[way]["transactions"].append(len(timed.durations))
        assert owed["before"] == owed["after"] > count // 2, owed
    return {
        way: {name: statistics.median(values) for name, values in kinds.items()}
        for way, kinds in figures.items()
    }


async def time_sending(chats: int) -> tuple[float, float]:
    """Messages per second through the real Sender and PTB, against the fake over HTTP."""
    core = FakeBotAPI()
    users = [core.user(f"U{n}") for n in range(chats)]
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeBotServer(core) as api, Store.open(Path(tmp) / "s.sqlite3") as store:
            source = await store.configure_source("Numerama", "https://x.invalid/feed")
            for user in users:
                await store.upsert_chat(user.id, type="private")
                await store.subscribe(user.id, source, "")
            await store_and_plan(store, source, [POST])
            # As the application has it: one gate shared by PTB's limiter and the sender.
            gate = FloodGate(margin=FLOOD_MARGIN)
            bot = ExtBot(core.token, base_url=api.base_url, rate_limiter=GateLimiter(gate))
            async with bot:
                sender = Sender(store, make_send(bot), tz=ZoneInfo("Europe/Paris"), gate=gate)
                start = time.perf_counter()
                while await store.pending():
                    await sender.drain_once()
                    await sender.wait_idle()
                limited = sender.sent / (time.perf_counter() - start)
            async with ExtBot(core.token, base_url=api.base_url) as unlimited:
                start = time.perf_counter()
                for user in users:
                    await unlimited.send_message(user.id, "baseline")
                raw = chats / (time.perf_counter() - start)
    return limited, raw


def main() -> None:
    """Run both parts and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--chunk", type=int, default=CHUNK, help="subscriptions a transaction")
    args = parser.parse_args()

    subs = subscriptions(args.subscriptions)
    cold, warm, naive_ms, owed = time_planning(subs)
    p50 = statistics.median(warm)
    print(f"planning, {len(subs):,} subscriptions ({len({s.filters for s in subs}):,} filters):")
    print(f"  plan_deliveries, filters already parsed: p50 {p50:.1f} ms, worst {max(warm):.1f} ms")
    print(
        f"  plan_deliveries, cold (every filter parsed first): p50 {statistics.median(cold):.1f} ms"
    )
    print(f"  {owed:,} deliveries owed")
    print(f"  baseline (every filter parsed alone): {naive_ms:.1f} ms ({naive_ms / p50:.1f}x)")
    print(f"PLAN {p50:.1f} ms (goal <= 50 ms): {'PASS' if p50 <= 50 else 'MISS'}")
    per = 100_000 / args.subscriptions
    print(
        "planning through the store, one new post, ms per 100,000 subscriptions (median of 3):"
        " the longest write transaction, and the time until every row is written"
    )
    print(
        f"  engine     before (one INSERT … SELECT in the poll's transaction)"
        f"   after (fan-out in chunks of {args.chunk:,} subscriptions)"
    )
    worst = 0.0
    server = TestPostgres()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for engine in ("sqlite", "postgres"):
                target = Path(tmp) / "plan.sqlite3" if engine == "sqlite" else server.new_database()
                ms = asyncio.run(time_planning_in_store(target, args.subscriptions, 3, args.chunk))
                before, after = ms["before"], ms["after"]
                worst = max(worst, after["longest"] * per)
                print(
                    f"  {engine:<10} longest {before['longest'] * per:>5.0f}, all written"
                    f" {before['total'] * per:>5.0f} ({before['transactions']:.0f} transaction)"
                    f"   longest {after['longest'] * per:>5.0f}, all written"
                    f" {after['total'] * per:>5.0f} ({after['transactions']:.0f} transactions)"
                )
    finally:
        server.stop()
    print(
        f"STORE longest transaction {worst:.0f} ms per 100,000 (goal <= 200 ms):"
        f" {'PASS' if worst <= 200 else 'MISS'}"
    )

    limited, raw = asyncio.run(time_sending(args.chats))
    print(f"sending to {args.chats} chats through the fake Bot API over HTTP:")
    print(f"  baseline without flood control: {raw:.0f} messages/s")
    verdict = "PASS" if limited >= 28 else "MISS"
    print(f"SEND {limited:.1f} messages/s (goal >= 28, limit 30): {verdict}")


if __name__ == "__main__":
    main()
