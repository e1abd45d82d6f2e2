"""Feeds served on 127.0.0.1 through the poller to the outbox: guid collisions, caps, dedup."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram import Update

from bot.config import Settings
from bot.ingest.fetch import make_client
from bot.models import Post, Subscription
from bot.poller import Poller
from bot.push import PUSH_CAP, plan_deliveries
from bot.ratelimit import FloodGate
from bot.sender import Sender
from bot.store import Store
from bot.telegram.jobs import make_send
from tests.conftest import gated_bot, running
from tests.fakes import FakeBotAPI, plain_text
from tests.fakes.feed_server import FeedServer
from tests.fakes.rss import make_rss

PARIS = ZoneInfo("Europe/Paris")


def _entry(n: int, *, guid: str | None = None, title: str | None = None, link: str | None = None):
    return {
        "title": title or f"Article {n}",
        "link": link or f"https://example.org/articles/{n}",
        "guid": guid or f"entry-{n}",
        "description": f"Le texte de l’article {n}.",
    }


async def _poll(store: Store, server: FeedServer, name: str = "Local") -> None:
    async with make_client(timeout=5) as client:
        poller = Poller(store, client, tz=PARIS, default_interval=60)
        state = await store.source_by_name(name)
        assert state is not None
        outcome = await poller.poll(state)
        assert outcome.status in ("new", "unchanged"), outcome


async def test_entries_sharing_a_guid_are_counted_logged_once_a_poll_and_shown(
    core: FakeBotAPI, tmp_path: Path, caplog
) -> None:
    alice = core.user("Alice")
    database = tmp_path / "relais.sqlite3"
    caplog.set_level(logging.WARNING, logger="bot.poller")
    async with FeedServer() as server, Store.open(database) as store:
        items = [_entry(n, guid="toujours-le-meme") for n in range(50)]
        server.set("/feed.xml", make_rss("Local", items))
        await store.configure_source("Local", server.url("/feed.xml"), interval=60)
        await _poll(store, server)
        await _poll(store, server)
        assert (await store.source_by_name("Local")).collisions == 49
        assert await store.count_posts() == 1
    warnings = [r.getMessage() for r in caplog.records if "reuse the id" in r.getMessage()]
    assert (
        warnings
        == ["Local: 49 entries reuse the id of another entry; only the first of each is kept"] * 2
    )

    settings = Settings(
        bot_token=core.token,
        database_path=database,
        telegram_api_url="http://fake.invalid",
        sources_file=tmp_path / "none.toml",
    )
    async with running(settings, core) as app:
        await app.process_update(Update.de_json(core.command(alice, "/status"), app.bot))
    status = plain_text(core.sent(chat_id=alice, method="sendMessage")[-1].text)
    assert "Local : 49 entrée(s) du flux reprennent l’identifiant d’une autre" in status


async def _follow(store: Store, chats: list[int], *, digest: bool = False) -> None:
    for chat in chats:
        await store.upsert_chat(chat, type="private")
        await store.subscribe(chat, None, "")
        if digest:
            await store.update_chat(chat, digest="daily 08:00")


async def _send_all(store: Store, core: FakeBotAPI) -> None:
    # Pacing is not under test here: no per-chat second between a chat's messages.
    gate = FloodGate(per_chat_interval=0.0)
    async with gated_bot(core, gate) as bot:
        sender = Sender(store, make_send(bot), tz=PARIS, gate=gate)
        while await store.pending():
            await sender.drain_once()
            await sender.wait_idle()


def _dated(n: int) -> dict[str, str]:
    entry = _entry(n)
    entry["pubDate"] = format_datetime(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n))
    return entry


async def test_a_flood_of_new_entries_pushes_the_newest_ten_and_counts_the_rest(
    core: FakeBotAPI, tmp_path: Path
) -> None:
    alice, bob, carol = core.user("Alice"), core.user("Bob"), core.user("Carol")
    async with FeedServer() as server, Store.open(tmp_path / "r.sqlite3") as store:
        server.set("/feed.xml", make_rss("Local", [_dated(0)]))
        await store.configure_source("Local", server.url("/feed.xml"), interval=60)
        await _poll(store, server)  # primes: nothing is new yet
        await _follow(store, [alice.id, bob.id])
        await _follow(store, [carol.id], digest=True)
        flood = [_dated(n) for n in range(500, 0, -1)]  # newest first, as feeds list them
        server.set("/feed.xml", make_rss("Local", flood))
        await _poll(store, server)
        await _send_all(store, core)
        for user in (alice, bob):
            texts = [plain_text(c.text) for c in core.sent(chat_id=user, method="sendMessage")]
            assert len(texts) == PUSH_CAP + 1
            pushed = [text.split("\n")[0] for text in texts[:PUSH_CAP]]
            assert pushed == [f"Article {n}" for n in range(491, 501)]  # the newest, in order
            assert texts[-1].startswith("… et 490 autre(s) article(s) de Local")
            assert "/search" in texts[-1]
        assert await store.outbox_counts(alice.id) == {"sent": 500}
        # A digest chat gets none of it one by one: the digest carries it.
        assert core.sent(chat_id=carol) == []
        assert await store.outbox_counts(carol.id) == {"pending_digest": 500}


def test_posts_past_the_cap_are_planned_as_one_summary_each_chat() -> None:
    subs = [Subscription(1, 10, None, None, ""), Subscription(2, 20, None, None, "+rare")]
    posts = [
        (n, Post("S", f"Titre {n} rare" if n % 5 == 0 else f"Titre {n}", guid=str(n)))
        for n in range(1, 26)
    ]
    owed = plan_deliveries(posts, subs, cap=10)
    kinds = {
        (chat, kind): sum(1 for c, _, k in owed if (c, k) == (chat, kind)) for chat, _, kind in owed
    }
    assert kinds == {(10, "push"): 10, (10, "more"): 15, (20, "push"): 5}
    # Undated posts keep the feed's order: the first ten listed are pushed, oldest of them first.
    assert [post for chat, post, kind in owed if chat == 10 and kind == "push"] == list(
        range(10, 0, -1)
    )
