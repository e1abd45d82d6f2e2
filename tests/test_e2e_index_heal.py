"""End to end: the search index heals itself under the running bot (a damaged file, a
database replaced under it), answering meanwhile, never with the generic apology."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from tests.fakes import FakeBotAPI, FakeBotServer, FakeUser, plain_text
from tests.fakes.demo import prepare_database
from tests.fakes.feed_server import FeedServer
from tests.test_e2e_push import Feed, start_bot, wait_polled

pytestmark = pytest.mark.e2e

REBUILDING = "en reconstruction"
APOLOGY = "mal passé"


async def search_until_found(core: FakeBotAPI, user: FakeUser, query: str, found: str) -> list:
    """/search until the answer holds `found`; every answer given meanwhile."""
    answers = []
    deadline = time.monotonic() + 60
    while True:
        mark = core.mark()
        core.command(user, f"/search {query}")
        reply = await core.wait_for(method="sendMessage", chat_id=user, since=mark, within=30)
        answers.append(plain_text(reply.text))
        if found in answers[-1]:
            return answers
        assert time.monotonic() < deadline, answers
        await asyncio.sleep(0.5)


async def test_a_truncated_index_and_a_new_store_id_are_rebuilt_while_the_bot_runs(
    core: FakeBotAPI, tmp_path: Path
) -> None:
    database = tmp_path / "relais.sqlite3"
    await prepare_database(database)
    index = tmp_path / "relais.sqlite3.index"
    async with FeedServer() as feeds, FakeBotServer(core) as server:
        feed = Feed(feeds)
        bot = await start_bot(core, server, tmp_path, feeds.url("/feed.xml"))
        try:
            await wait_polled(feeds, 2)
            alice = core.user("Alice")
            first = await search_until_found(core, alice, "travail du clic", "Casilli")
            assert len(first) == 1
            assert index.stat().st_size > 0
            with index.open("r+b") as file:  # damaged under the running bot
                file.truncate(0)
            # A post comes in after the damage: the index must take it too.
            feed.publish("Les ateliers de calcul des travailleurs du clic")
            await wait_polled(feeds, feeds.hits["/feed.xml"] + 2)
            await search_until_found(core, alice, "ateliers de calcul", "Les ateliers de calcul")
            after_damage = await search_until_found(core, alice, "travail du clic", "Casilli")
            # The database replaced under it (what `import --replace` does to the store id).
            with sqlite3.connect(database) as db:
                db.execute("UPDATE counters SET value = 12345 WHERE name = 'store_id'")
            after_replace = await search_until_found(core, alice, "travail du clic", "Casilli")
            mark = core.mark()
            core.command(alice, "/quote je coche des cases")
            quote = await core.wait_for(method="sendMessage", chat_id=alice, since=mark, within=30)
        finally:
            code, log = await bot.stop()
    print(f"after the damage: {after_damage}\nafter the replacement: {after_replace}")
    assert code == 0, log[-3000:]
    for answer in after_damage + after_replace:
        assert APOLOGY not in answer
        assert "Casilli" in answer or REBUILDING in answer, answer
    assert "coche" in plain_text(quote.text)
    assert "damaged" in log
    assert "the database was replaced" in log
    assert log.count("search index rebuilt") == 2, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
