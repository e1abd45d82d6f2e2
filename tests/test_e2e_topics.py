"""End to end: the bot as its own process, in a forum. A subscription made in a topic pushes
into that topic; a closed topic is paused (the admin told once) and reopening resumes it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.store import Store
from tests.bot_process import BotProcess
from tests.fakes import FakeBotAPI, FakeBotServer, FakeChat, plain_words
from tests.fakes.feed_server import FeedServer
from tests.test_e2e_push import Feed, wait_polled
from tests.test_e2e_push import start_bot as push_bot

pytestmark = pytest.mark.e2e

ADMIN = 4242


async def start_bot(core: FakeBotAPI, api: FakeBotServer, tmp: Path, feed_url: str) -> BotProcess:
    return await push_bot(core, api, tmp, feed_url, ADMIN_IDS=str(ADMIN))


async def until_resumed(tmp: Path, chat_id: int, thread: int) -> None:
    """Wait until the bot's database has the topic no longer paused."""
    deadline = time.monotonic() + 15
    async with Store.open(tmp / "relais.sqlite3") as store:
        while True:
            chat = await store.chat(chat_id)
            topic = await store.topic(chat, thread) if chat else None
            if topic is not None and topic.paused_at is None:
                return
            assert time.monotonic() < deadline, "the topic was never resumed"
            await asyncio.sleep(0.05)


def in_thread(core: FakeBotAPI, forum: FakeChat, thread: int, words: str) -> list[str]:
    return [
        plain_words(c.text)
        for c in core.sent(chat_id=forum, method="sendMessage")
        if c.params.get("message_thread_id") == thread and words in c.text
    ]


async def test_topic_pushes_and_a_closed_topic_paused_once(core: FakeBotAPI, tmp_path) -> None:
    async with FeedServer() as server, FakeBotServer(core) as api:
        feed = Feed(server)
        bot = await start_bot(core, api, tmp_path, server.url("/feed.xml"))
        try:
            await wait_polled(server, 2)  # the first poll only records what is there
            admin = core.user("Opérateur", user_id=ADMIN)
            owner = core.user("Camille")
            forum = core.forum("Rédaction")
            core.set_member(forum, owner, "creator")
            tech = core.open_topic(forum, "Tech", owner)
            other = core.open_topic(forum, "Café", owner)
            mark = core.mark()
            core.topic_command(forum, tech, "/subscribe Local", owner)
            reply = await core.wait_for(method="sendMessage", chat_id=forum, since=mark, within=30)
            assert "Abonnement à Local" in plain_words(reply.text)
            assert reply.params.get("message_thread_id") == tech

            feed.publish("Un article pour le sujet")
            push = await core.wait_for(lambda c: "pour le sujet" in c.text, chat_id=forum)
            assert push.params.get("message_thread_id") == tech
            assert in_thread(core, forum, other, "pour le sujet") == []
            assert [c for c in core.sent(chat_id=forum) if "pour le sujet" in c.text] == [push]

            # Closed without the bot seeing it: Telegram's TOPIC_CLOSED tells it.
            core.close_topic(forum, tech, owner, announce=False)
            mark = core.mark()
            feed.publish("Pendant la fermeture")
            refused = await core.wait_for(
                lambda c: not c.ok, chat_id=forum, since=mark, include_failed=True, within=15
            )
            assert refused.response["description"] == "Bad Request: TOPIC_CLOSED"
            note = await core.wait_for(method="sendMessage", chat_id=admin, since=mark, within=15)
            assert "Tech" in plain_words(note.text)
            feed.publish("Encore fermé")
            await wait_polled(server, server.hits["/feed.xml"] + 3)
            tried = [c for c in core.sent(include_failed=True) if c.seq > refused.seq]
            assert [c for c in tried if c.chat_id == forum.id] == []  # not retried, paused
            assert [c.seq for c in tried if c.chat_id == admin.id] == [note.seq]  # told once

            core.reopen_topic(forum, tech, owner)
            await until_resumed(tmp_path, forum.id, tech)
            feed.publish("Après la réouverture")
            resumed = await core.wait_for(lambda c: "réouverture" in c.text, chat_id=forum)
            assert resumed.params.get("message_thread_id") == tech
        finally:
            code, log = await bot.stop()
        assert code == 0, log
        assert "Traceback" not in log
        assert "closed or deleted: paused" in log
