"""Replicas benchmark: /search latency through webhook replicas following one database,
on SQLite and on PostgreSQL, in one run.

For each engine, a database holding a generated dump (`--passages`, loaded with
`python -m bot load`) and, for 1 then 2 replicas (`python -m bot run` in webhook mode behind
a round-robin balancer, the fake Bot API posting updates to it):

- `/search` of one or two words of the dump's vocabulary, each from a new chat (no per-chat
  pacing), one at a time; latency from the update's injection to the reply reaching the
  fake Telegram (delivery, the replica's catch-up with the store, the search, the send);
- meanwhile this process adds a post to the store every half second, so the replicas follow
  a database that changes: most searches first read and index what changed.

Baselines in the same run: one replica (what two are compared with), and the search alone
in this process (a Searcher on the same database, no Telegram). On a two-core machine the
replicas, the fake Telegram, the balancer and the writer share the cores: the figures say
what replicas cost and hold, not how a larger machine would scale.

    .venv/bin/python benchmarks/replicas_bench.py [--passages 20000] [--queries 200]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import count
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest_bench import _vocabulary, generate_dump  # noqa: E402  (beside this script)

from bot.models import Passage, Post  # noqa: E402
from bot.polling.poller import store_and_plan  # noqa: E402
from bot.search import Searcher  # noqa: E402
from bot.store import Store  # noqa: E402
from tests.fakes import FakeBotAPI, FakeBotServer  # noqa: E402
from tests.fakes.balancer import RoundRobinProxy  # noqa: E402
from tests.postgres_server import TestPostgres  # noqa: E402

SECRET = "replicas-bench-secret-0123456789"
PARIS = ZoneInfo("Europe/Paris")
WARM_UP = 10  # queries per replica before measuring (the first open the index)
PACE = 0.08  # seconds between queries: under each replica's 30 messages/s


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def load(target: str, dump: Path) -> None:
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "bot", "load", str(dump), "--db", target],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip


async def writer(store: Store, stop: asyncio.Event) -> int:
    """A post every half second, as a poller of another process would store them."""
    source = await store.configure_source("Flux du banc", "https://bench.invalid/feed")
    written = 0
    while not stop.is_set():
        written += 1
        text = f"Article {written} ajouté pendant les recherches, sur les ornithorynques."
        post = Post(
            source="Flux du banc",
            title=f"Nouvelles du jour {written}",
            passages=(Passage("paragraph", text),),
            guid=f"bench-{written}",
        )
        await store_and_plan(store, source, [post], plan=False)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)
    return written


async def search_alone(target: str, folder: Path, queries: list[str]) -> list[float]:
    """The search in this process: a Searcher on the same database, no Telegram."""
    async with Store.open(target) as store:
        searcher = Searcher(store, folder / f"alone-{store.dialect}.index", tz=PARIS)
        await searcher.start()
        await searcher.search(queries[0])  # the first search opens what it needs
        took = []
        for query in queries:
            started = time.perf_counter()
            await searcher.search(query)
            took.append((time.perf_counter() - started) * 1000)
        await searcher.close()
    return took


async def through_replicas(
    target: str, folder: Path, replicas: int, queries: list[str]
) -> tuple[list[float], int, list[int]]:
    """Latencies (ms) of /search through `replicas` webhook processes; posts written
    meanwhile; how many searches each replica answered."""
    core = FakeBotAPI()
    ports = [free_port() for _ in range(replicas)]
    users = count(1)
    env = {
        **os.environ,
        "BOT_TOKEN": core.token,
        "LOG_LEVEL": "WARNING",
        "INDEX_DIR": str(folder),
        "SOURCES_FILE": str(folder / "none.toml"),
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1",
    }
    if target.startswith("postgresql"):
        env["DATABASE_URL"] = target
    else:
        env.pop("DATABASE_URL", None)
        env["DATABASE_PATH"] = target
    async with (
        FakeBotServer(core) as api,
        RoundRobinProxy([f"http://127.0.0.1:{port}" for port in ports]) as balancer,
        Store.open(target) as store,
    ):
        env |= {"TELEGRAM_API_URL": api.url, "WEBHOOK_URL": balancer.url}
        processes = []
        for port in ports:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--webhook", cwd=folder,
                env={**env, "PORT": str(port)},
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            processes.append(process)

        async def ask(query: str) -> float:
            user = core.user(f"Lecteur {next(users)}")
            started = time.monotonic()
            core.command(user, f"/search {query}")
            reply = await core.wait_for(method="sendMessage", chat_id=user, within=120)
            return (reply.time - started) * 1000

        stop = asyncio.Event()
        try:
            for query in queries[: WARM_UP * replicas]:
                await ask(query)
            routed = len(balancer.routed)
            writing = asyncio.create_task(writer(store, stop))
            took = []
            for query in queries:
                took.append(await ask(query))
                await asyncio.sleep(PACE)
            stop.set()
            written = await writing
            per_replica = [0] * replicas
            for entry in balancer.routed[routed:]:
                if entry.backend is not None:
                    per_replica[entry.backend] += 1
        finally:
            for process in processes:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                await asyncio.wait_for(process.wait(), 30)
    return took, written, per_replica


def line(label: str, took: list[float]) -> str:
    return (
        f"  {label:<34} p50 {statistics.median(took):7.1f} ms   p95 {pct(took, 95):7.1f} ms"
        f"   max {max(took):7.1f} ms"
    )


async def engine(name: str, target: str, folder: Path, queries: list[str]) -> dict:
    alone = await search_alone(target, folder, queries)
    print(f"{name}:")
    print(line("search alone (in process)", alone))
    figures: dict[str | int, list[float]] = {"alone": alone}
    for replicas in (1, 2):
        took, written, per_replica = await through_replicas(target, folder, replicas, queries)
        label = f"/search via {replicas} replica(s)"
        print(line(label, took) + f"   ({written} posts written; answered: {per_replica})")
        figures[replicas] = took
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(5)
    vocab = [word for word in _vocabulary() if len(word) > 3]
    queries = [" ".join(rng.sample(vocab, rng.choice((1, 2)))) for _ in range(args.queries)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        dump = folder / "dump.txt"
        text, made = generate_dump(args.passages)
        dump.write_text(text, encoding="utf-8")
        print(f"{made} passages; {args.queries} searches, one at a time, {PACE}s apart\n")
        sqlite = folder / "bench.sqlite3"
        load(str(sqlite), dump)
        results = {"SQLite": asyncio.run(engine("SQLite", str(sqlite), folder, queries))}
        server = TestPostgres()
        try:
            url = server.new_database()
            load(url, dump)
            results["PostgreSQL"] = asyncio.run(engine("PostgreSQL", url, folder, queries))
        finally:
            server.stop()
    print("\n/search p95 (ms)      alone   1 replica   2 replicas")
    for name, figures in results.items():
        print(
            f"  {name:<18} {pct(figures['alone'], 95):7.1f}   {pct(figures[1], 95):9.1f}"
            f"   {pct(figures[2], 95):10.1f}"
        )


if __name__ == "__main__":
    main()
