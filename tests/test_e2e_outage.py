"""End to end: a long-polling bot rides out a database it cannot write for longer than its lease."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from tests.fakes import FakeBotAPI, FakeBotServer
from tests.fakes.feed_server import FeedServer
from tests.test_e2e_push import Feed, received, start_bot, subscribe, wait_polled

pytestmark = pytest.mark.e2e

OUTAGE = 15.0  # seconds: longer than the lease (10 s), as a VACUUM or a backup would


async def test_a_poller_rides_out_a_locked_database_and_delivers_what_came_meanwhile(
    core: FakeBotAPI, tmp_path: Path
) -> None:
    async with FeedServer() as server, FakeBotServer(core) as api:
        feed = Feed(server)
        bot = await start_bot(core, api, tmp_path, server.url("/feed.xml"))
        try:
            await wait_polled(server, 2)
            alice = core.user("Alice")
            await subscribe(core, alice, "/subscribe Local")
            # Another process takes SQLite's write lock and keeps it past the lease's TTL.
            other = sqlite3.connect(tmp_path / "relais.sqlite3", isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
            try:
                feed.publish("Publié pendant la panne")
                await asyncio.sleep(OUTAGE)
                assert bot.returncode is None, "the bot exited during the outage"
            finally:
                other.execute("ROLLBACK")
                other.close()
            await core.wait_for(
                lambda call: "pendant la panne" in call.text, chat_id=alice, within=30
            )
            assert bot.returncode is None
        finally:
            code, log = await bot.stop()
    lines = [line for line in log.splitlines() if "lease" in line]
    print("\n".join(lines))
    assert code == 0, log[-3000:]
    assert "took this database's lease" not in log, log[-3000:]
    # Expected failures are lines of their own: no traceback, no task left failing unseen.
    assert "Traceback" not in log, log[-3000:]
    assert "Task exception was never retrieved" not in log, log[-3000:]
    assert received(core, alice, "Publié pendant la panne") == 1
    assert any("answers again" in line for line in lines), lines
    # One line per kind of failure and one at recovery, not one per attempt.
    assert len(lines) <= 6, lines
