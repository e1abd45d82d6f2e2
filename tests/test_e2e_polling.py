"""End to end: hostile feeds against the bot as its own process (bombs, slow sources, SIGTERM)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests import bot_process
from tests.bot_process import BotProcess
from tests.fakes import FakeBotAPI, FakeBotServer, plain_text
from tests.fakes.bombs import gzip_of_zeros, stacked_gzip_bomb
from tests.fakes.demo import prepare_database
from tests.fakes.feed_server import FeedServer
from tests.fakes.rss import make_rss

pytestmark = pytest.mark.e2e

GIGABYTE_IN_MIB = 1024


async def start_bot(
    core: FakeBotAPI, api: FakeBotServer, tmp: Path, sources: dict[str, str]
) -> BotProcess:
    """The bot as a process, polling `sources` (name → URL) every second, on the demo data."""
    database = tmp / "relais.sqlite3"
    await prepare_database(database)
    toml = tmp / "sources.toml"
    toml.write_text(
        "".join(
            f'[[source]]\nname = "{name}"\nurl = "{url}"\ninterval = 1\n\n'
            for name, url in sources.items()
        )
    )
    env = {
        "BOT_TOKEN": core.token,
        "TELEGRAM_API_URL": api.url,
        "DATABASE_PATH": str(database),
        "SOURCES_FILE": str(toml),
    }
    return await bot_process.start_bot(env, tmp)


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


async def wait_hits(server: FeedServer, path: str, times: int, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while server.hits[path] < times:
        assert time.monotonic() < deadline, f"{path} polled {server.hits[path]} times only"
        await asyncio.sleep(0.1)


async def test_bombs_leave_memory_low_and_search_quick(core: FakeBotAPI, tmp_path: Path) -> None:
    async with FeedServer() as feeds, FakeBotServer(core) as api:
        # A gigabyte each once inflated: two layers in 2.5 kB, one layer in 1 MB.
        feeds.set(
            "/stacked",
            stacked_gzip_bomb(GIGABYTE_IN_MIB),
            headers={"Content-Encoding": "gzip, gzip"},
        )
        feeds.set("/bomb", gzip_of_zeros(GIGABYTE_IN_MIB), headers={"Content-Encoding": "gzip"})
        sources = {"Stacked": feeds.url("/stacked"), "Bomb": feeds.url("/bomb")}
        bot = await start_bot(core, api, tmp_path, sources)
        alice = core.user("Alice")
        try:
            await wait_hits(feeds, "/stacked", 1)
            # Failures back off (2 s, then 4 s): each is polled again while Alice searches.
            while feeds.hits["/stacked"] < 2 or feeds.hits["/bomb"] < 2:
                mark = core.mark()
                core.command(alice, "/search travail du clic")
                reply = await core.wait_for(
                    method="sendMessage", chat_id=alice, since=mark, within=30
                )
                assert "Casilli" in plain_text(reply.text)
                await asyncio.sleep(0.5)
            peak = peak_rss_mb(bot.pid)
        finally:
            code, log = await bot.stop()
    print(f"peak RSS {peak:.0f} MB")
    assert code == 0, log
    assert peak < 300, f"peak RSS {peak:.0f} MB"
    assert "stacked content encodings refused (gzip, gzip)" in log
    assert "response larger than 5 MB cap" in log
    assert "Traceback" not in log


async def test_slow_sources_never_hold_up_a_fast_one_and_sigterm_is_quick(
    core: FakeBotAPI, tmp_path: Path
) -> None:
    async with FeedServer() as feeds, FakeBotServer(core) as api:
        # Six sources trickling a byte a second: more than the fast lane's four slots.
        sources = {}
        for n in range(6):
            feeds.set(f"/slow{n}", b"<", repeat=100_000, interval=1.0)
            sources[f"Lent {n}"] = feeds.url(f"/slow{n}")
        feeds.set("/fast", make_rss("Rapide", []), etag='"1"')
        sources["Rapide"] = feeds.url("/fast")
        bot = await start_bot(core, api, tmp_path, sources)
        try:
            await wait_hits(feeds, "/fast", 1)
            first = feeds.hits["/fast"]
            await asyncio.sleep(10)
            polls = feeds.hits["/fast"] - first
            slow_fetches = sum(feeds.hits[f"/slow{n}"] for n in range(6))
        finally:
            # Killed (-9) if SIGTERM has not ended it in 10 s (slow fetches waited for).
            code, log = await bot.stop(within=10)
    print(f"fast source polled {polls} times in 10 s")
    # Interval 1 s: about 10 in 10 s; a poller that waits for slow fetches does 0 or 1. At
    # most one 5-second spell is lost at the start, while the slow sources are found out.
    assert polls >= 5, (polls, log[-3000:])
    assert slow_fetches >= 6
    assert code == 0, log
    assert "Traceback" not in log
