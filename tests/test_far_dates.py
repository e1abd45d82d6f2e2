"""A feed item dated 31 December 9999, polled into the running bot, breaks nothing."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from telegram import Update

from bot.config import Settings
from tests.conftest import known, running
from tests.fakes import FakeBotAPI, plain_words
from tests.fakes.demo import prepare_database
from tests.fakes.feed_server import FeedServer
from tests.fakes.rss import make_rss

OLD = {"title": "Un article ordinaire", "link": "https://example.org/1", "guid": "1"}
FAR = {
    "title": "Le bout du calendrier grégorien",
    "link": "https://example.org/9999",
    "guid": "9999",
    "description": "Un article daté de la fin des temps.",
    "pubDate": "Fri, 31 Dec 9999 23:59:59 +0000",
}


async def _until(condition, what: str, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_an_item_dated_9999_is_pushed_searched_listed_and_shared(
    core: FakeBotAPI, tmp_path: Path
) -> None:
    database = tmp_path / "relais.sqlite3"
    await prepare_database(database)
    async with FeedServer() as server:
        server.set("/feed.xml", make_rss("Lointain", [OLD]), etag='"1"')
        sources = tmp_path / "sources.toml"
        sources.write_text(
            f'[[source]]\nname = "Lointain"\nurl = "{server.url("/feed.xml")}"\ninterval = 1\n'
        )
        settings = Settings(
            bot_token=core.token,
            database_path=database,
            telegram_api_url="http://fake.invalid",
            sources_file=sources,
        )
        async with running(settings, core) as app:
            await app.start()  # the job queue polls the feed as `run` would
            try:
                # The first poll only records what is there; the second one finds the item.
                await _until(lambda: server.hits["/feed.xml"] >= 2, "the first polls")
                alice = core.user("Alice")
                await app.process_update(
                    Update.de_json(core.command(alice, "/subscribe Lointain"), app.bot)
                )
                server.set("/feed.xml", make_rss("Lointain", [FAR, OLD]), etag='"2"')
                push = await core.wait_for(
                    lambda call: "bout du calendrier" in call.text,
                    method="sendMessage",
                    chat_id=alice,
                    within=30,
                )
                # The parser drops a date more than a day ahead: the post comes undated.
                assert "Lointain · ?" in plain_words(push.text)
                assert "9999" not in plain_words(push.text)

                expected = {
                    "/search bout du calendrier": "bout du calendrier",
                    "/sources": "Lointain",
                }
                for command, wanted in expected.items():
                    mark = core.mark()
                    await app.process_update(Update.de_json(core.command(alice, command), app.bot))
                    [reply] = [c for c in core.sent(alice, "sendMessage") if c.seq > mark]
                    assert "Désolé" not in plain_words(reply.text), command
                    assert wanted in plain_words(reply.text), command
                query = core.inline_query(alice, "bout du calendrier")
                await app.process_update(Update.de_json(query, app.bot))
                [shared] = known(core.inline_answer(query["inline_query"]["id"]))["results"]
                assert "bout du calendrier" in shared["input_message_content"]["message_text"]
            finally:
                await app.stop()
