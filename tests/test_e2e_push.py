"""End to end: the bot as its own process polls a local feed and pushes to subscribers."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.store import Store
from tests import bot_process
from tests.bot_process import BotProcess
from tests.fakes import FakeBotAPI, FakeBotServer, FakeUser, plain_words, retry_after
from tests.fakes.feed_server import FeedServer
from tests.fakes.rss import make_rss

pytestmark = pytest.mark.e2e


class Feed:
    """A feed on the local server that a test publishes entries to."""

    def __init__(self, server: FeedServer) -> None:
        self.server = server
        self.items: list[dict[str, str]] = []
        self.publish("Premier article, déjà là avant tout abonnement")

    def publish(self, title: str, image: str | None = None) -> None:
        number = len(self.items) + 1
        item = {
            "title": title,
            "link": f"https://example.org/{number}",
            "guid": f"entry-{number}",
            "description": f"{title}. Un texte.",
        }
        if image:
            item["image"] = image
        self.items.insert(0, item)
        self.server.set("/feed.xml", make_rss("Local", self.items), etag=f'"v{number}"')


async def start_bot(
    core: FakeBotAPI, api: FakeBotServer, tmp: Path, feed_url: str, **settings: str
) -> BotProcess:
    """The bot as a process, polling one local feed every second; `settings` added to its
    environment."""
    sources = tmp / "sources.toml"
    sources.write_text(f'[[source]]\nname = "Local"\nurl = "{feed_url}"\ninterval = 1\n')
    env = {
        "BOT_TOKEN": core.token,
        "TELEGRAM_API_URL": api.url,
        "DATABASE_PATH": str(tmp / "relais.sqlite3"),
        "SOURCES_FILE": str(sources),
        **settings,
    }
    return await bot_process.start_bot(env, tmp)


async def subscribe(core: FakeBotAPI, user: FakeUser, command: str) -> None:
    mark = core.mark()
    core.command(user, command)
    reply = await core.wait_for(method="sendMessage", chat_id=user, since=mark, within=30)
    assert "Abonnement à" in plain_words(reply.text), plain_words(reply.text)


async def wait_polled(server: FeedServer, times: int) -> None:
    deadline = time.monotonic() + 30
    while server.hits["/feed.xml"] < times:
        assert time.monotonic() < deadline, "the bot never polled the feed"
        await asyncio.sleep(0.1)


def received(core: FakeBotAPI, user: FakeUser, title: str) -> int:
    return sum(
        title in plain_words(call.text) for call in core.sent(chat_id=user, method="sendMessage")
    )


async def test_push_filters_blocked_and_flood_waits(core: FakeBotAPI, tmp_path: Path) -> None:
    async with FeedServer() as server, FakeBotServer(core) as api:
        feed = Feed(server)
        bot = await start_bot(core, api, tmp_path, server.url("/feed.xml"))
        try:
            await wait_polled(server, 2)  # the first poll only records what is there
            alice, bob, carol = core.user("Alice"), core.user("Bob"), core.user("Carol")
            await subscribe(core, alice, "/subscribe Local")
            await subscribe(core, bob, "/subscribe local -bitcoin")
            await subscribe(core, carol, "/subscribe LOCAL")

            feed.publish("Le bitcoin s’envole")
            feed.publish("Une loi sur l’IA")
            await core.wait_for(lambda c: "bitcoin" in c.text, chat_id=alice, within=15)
            await core.wait_for(lambda c: "Une loi" in c.text, chat_id=bob, within=15)
            await core.wait_for(lambda c: "bitcoin" in c.text, chat_id=carol, within=15)
            # A chat's pushes go oldest first: had bob been owed the bitcoin post, it would
            # have come before the other one (the outbox is checked too, at the end).
            assert received(core, bob, "Le bitcoin s’envole") == 0  # the -word filter kept it away
            assert received(core, carol, "Le bitcoin s’envole") == 1

            core.block(carol)
            core.fail_next(retry_after(2), chat_id=alice.id, method="sendMessage")
            published = time.monotonic()
            feed.publish("Troisième article")
            await core.wait_for(lambda c: "Troisième" in c.text, chat_id=bob, within=15)
            await core.wait_for(lambda c: "Troisième" in c.text, chat_id=alice, within=15)
            assert time.monotonic() - published >= 2  # alice's waited out the retry_after
            assert received(core, carol, "Troisième") == 0

            # Unblocking reaches the bot as my_chat_member: the chat resumes, subscriptions kept.
            core.unblock(carol)
            await until_active(tmp_path, carol)
            feed.publish("Quatrième article")
            await core.wait_for(lambda c: "Quatrième" in c.text, chat_id=carol, within=15)
            assert received(core, carol, "Troisième") == 0  # what came while blocked is gone
        finally:
            code, log = await bot.stop()
        assert code == 0, log
        assert "Traceback" not in log
    # What was owed to each chat, read back from the bot's database once it stopped: bob's
    # filter kept the bitcoin post away, and the post there before any subscription was
    # never owed to anyone.
    async with Store.open(tmp_path / "relais.sqlite3") as store:
        assert await store.outbox_counts(alice.id) == {"sent": 4}
        assert await store.outbox_counts(bob.id) == {"sent": 3}


async def until_active(tmp: Path, user: FakeUser) -> None:
    """Wait until the bot's database has the user's chat active again."""
    deadline = time.monotonic() + 15
    async with Store.open(tmp / "relais.sqlite3") as store:
        while not ((chat := await store.chat(user.id)) and chat.active):
            assert time.monotonic() < deadline, "the chat never became active again"
            await asyncio.sleep(0.05)


async def test_sigkill_mid_fan_out_loses_nothing(core: FakeBotAPI, tmp_path: Path) -> None:
    async with FeedServer() as server, FakeBotServer(core) as api:
        feed = Feed(server)
        bot = await start_bot(core, api, tmp_path, server.url("/feed.xml"))
        users = [core.user(f"Lecteur {n}") for n in range(50)]
        try:
            await wait_polled(server, 2)
            await asyncio.gather(*(subscribe(core, user, "/subscribe Local") for user in users))
            mark = core.mark()
            feed.publish("Un article pour cinquante lecteurs")

            def pushes() -> int:
                return sum(
                    "cinquante" in call.text
                    for call in core.sent(method="sendMessage")
                    if call.seq > mark
                )

            deadline = time.monotonic() + 20
            while pushes() < 10:
                assert time.monotonic() < deadline, "the fan-out never started"
                await asyncio.sleep(0.02)
            await bot.kill()
            at_kill = pushes()
            assert at_kill < 50, "the fan-out finished before the kill: nothing was tested"
        finally:
            await bot.kill()

        again = await start_bot(core, api, tmp_path, server.url("/feed.xml"))
        try:
            deadline = time.monotonic() + 30
            while not all(received(core, u, "cinquante") for u in users):
                assert time.monotonic() < deadline, "some chats never got the post"
                await asyncio.sleep(0.1)
        finally:
            # A stop waits for the sends in flight: whatever was going out has gone out.
            await again.stop()
    counts = Counter(received(core, u, "cinquante") for u in users)
    assert set(counts) <= {1, 2}
    assert counts[2] <= 3, f"{counts[2]} chats got the post twice"
    async with Store.open(tmp_path / "relais.sqlite3") as store:
        assert await store.outbox_counts() == {"sent": 50}


async def test_a_lead_image_goes_as_a_photo_and_a_refused_one_as_text(
    core: FakeBotAPI, tmp_path: Path
) -> None:
    refused = "https://example.org/img/page.html"
    core.refuse_photo(refused, "failed to get HTTP URL content")
    async with FeedServer() as server, FakeBotServer(core) as api:
        feed = Feed(server)
        bot = await start_bot(core, api, tmp_path, server.url("/feed.xml"))
        try:
            await wait_polled(server, 2)
            alice = core.user("Alice")
            await subscribe(core, alice, "/subscribe Local")
            feed.publish("Une photo", image="https://example.org/img/une.jpg")
            photo = await core.wait_for(method="sendPhoto", chat_id=alice, within=15)
            assert photo.params["photo"] == "https://example.org/img/une.jpg"
            assert plain_words(photo.params["caption"]).startswith("Une photo\nLocal")
            feed.publish("Une image refusée", image=refused)
            text = await core.wait_for(lambda c: "refusée" in c.text, chat_id=alice, within=15)
            assert text.method == "sendMessage"
            [failed] = [c for c in core.sent(chat_id=alice, include_failed=True) if not c.ok]
            assert failed.method == "sendPhoto"
            assert failed.params["photo"] == refused
        finally:
            code, log = await bot.stop()
        assert code == 0, log
        assert "Traceback" not in log
