"""Feeds served on 127.0.0.1 through the poller to the outbox: guid collisions, caps, dedup."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram import Update

from bot.delivery.planning import PUSH_CAP, plan_deliveries
from bot.delivery.sender import Sender
from bot.ingest.fetch import make_client
from bot.models import Post, Subscription, article_key
from bot.polling.poller import Poller
from bot.ratelimit import FloodGate
from bot.store import Store
from bot.telegram.send import make_send
from tests.conftest import fake_api_settings, gated_bot, known, running
from tests.fakes import FakeBotAPI, plain_words
from tests.fakes.feed_server import FeedServer
from tests.fakes.rss import make_rss

# The store under these tests runs on both engines.
BACKENDS = ("sqlite", "postgres")

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
        state = known(await store.source_by_name(name))
        assert state is not None
        outcome = await poller.poll(state)
        assert outcome.status in ("new", "unchanged"), outcome


async def test_entries_sharing_a_guid_are_counted_logged_once_a_poll_and_shown(
    core: FakeBotAPI, tmp_path: Path, database, caplog
) -> None:
    alice = core.user("Alice")
    caplog.set_level(logging.WARNING, logger="bot.polling.poller")
    async with FeedServer() as server, Store.open(database) as store:
        items = [_entry(n, guid="toujours-le-meme") for n in range(50)]
        server.set("/feed.xml", make_rss("Local", items))
        await store.configure_source("Local", server.url("/feed.xml"), interval=60)
        await _poll(store, server)
        await _poll(store, server)
        assert known(await store.source_by_name("Local")).collisions == 49
        assert await store.count_posts() == 1
    warnings = [r.getMessage() for r in caplog.records if "reuse the id" in r.getMessage()]
    assert (
        warnings
        == ["Local: 49 entries reuse the id of another entry; only the first of each is kept"] * 2
    )

    # The table of sources in /status is for admins.
    settings = replace(fake_api_settings(core, tmp_path, database), admin_ids=frozenset({alice.id}))
    async with running(settings, core) as app:
        await app.process_update(Update.de_json(core.command(alice, "/status"), app.bot))
    status = plain_words(core.sent(chat_id=alice, method="sendMessage")[-1].text)
    assert "Local : 49 entrées du flux reprennent l’identifiant d’une autre" in status


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
    core: FakeBotAPI, tmp_path: Path, database
) -> None:
    alice, bob, carol = core.user("Alice"), core.user("Bob"), core.user("Carol")
    async with FeedServer() as server, Store.open(database) as store:
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
            texts = [plain_words(c.text) for c in core.sent(chat_id=user, method="sendMessage")]
            assert len(texts) == PUSH_CAP + 1
            pushed = [text.split("\n")[0] for text in texts[:PUSH_CAP]]
            assert pushed == [f"Article {n}" for n in range(491, 501)]  # the newest, in order
            assert texts[-1].startswith("… et 490 autres articles de Local")
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


async def _pushed(store: Store, core: FakeBotAPI, user) -> list[str]:
    await _send_all(store, core)
    return [
        plain_words(c.text).split("\n")[0] for c in core.sent(chat_id=user, method="sendMessage")
    ]


async def test_a_republished_article_is_an_update_not_a_second_push(
    core: FakeBotAPI, tmp_path: Path, database
) -> None:
    alice = core.user("Alice")
    long_title = "Le travail du clic expliqué par Antonio Casilli en dix questions"
    first = [
        _entry(1, link="https://www.example.org/2026/clic"),
        _entry(2, title=long_title, link="https://example.org/2026/casilli"),
        _entry(3, title="Revue de presse", link="https://example.org/revue/1"),
    ]
    async with FeedServer() as server, Store.open(database) as store:
        server.set("/feed.xml", make_rss("Local", [_entry(0)]))
        await store.configure_source("Local", server.url("/feed.xml"), interval=60)
        await _poll(store, server)
        await _follow(store, [alice.id])
        server.set("/feed.xml", make_rss("Local", first))
        await _poll(store, server)
        assert sorted(await _pushed(store, core, alice)) == [
            "Article 1",
            long_title,
            "Revue de presse",
        ]
        # Republished: a new guid and a tracking parameter; the same title at a new address;
        # and a short title that recurs on purpose, which is news every time.
        again = [
            {
                **_entry(1, link="http://example.org/2026/clic/?utm_source=rss#top"),
                "guid": "v2-1",
                "description": "Le texte corrigé.",
            },
            {
                **_entry(2, title=long_title, link="https://example.org/2026/casilli-v2"),
                "guid": "v2-2",
            },
            _entry(4, title="Revue de presse", link="https://example.org/revue/2"),
        ]
        for _ in range(2):  # and nothing the poll after either
            server.set("/feed.xml", make_rss("Local", again))
            await _poll(store, server)
        assert (await _pushed(store, core, alice)).count("Revue de presse") == 2
        assert len(core.sent(chat_id=alice, method="sendMessage")) == 4
        assert await store.count_posts() == 5  # the first entry, 1, 2, and two press reviews
        texts = {row["title"]: row["text"] for row in await store.recent_posts(10, with_text=True)}
        assert texts["Article 1"] == "Le texte corrigé."  # updated in place


async def test_an_article_from_two_sources_is_pushed_once_to_a_chat_following_both(
    core: FakeBotAPI, tmp_path: Path, database
) -> None:
    both, only_b = core.user("Les deux"), core.user("Seulement B")
    async with FeedServer() as server, Store.open(database) as store:
        for name in ("A", "B"):
            server.set(f"/{name}.xml", make_rss(name, [_entry(0, guid=f"{name}-0")]))
            await store.configure_source(name, server.url(f"/{name}.xml"), interval=60)
            await _poll(store, server, name)
        await _follow(store, [both.id])  # every source
        await store.upsert_chat(only_b.id, type="private")
        await store.subscribe(only_b.id, known(await store.source_by_name("B")).id, "")
        shared = "https://www.example.org/2026/un-article-partage?utm_medium=social"
        server.set("/A.xml", make_rss("A", [_entry(1, guid="A-1", link=shared)]))
        server.set(
            "/B.xml",
            make_rss("B", [_entry(1, guid="B-1", title="Le même, titré autrement", link=shared)]),
        )
        await _poll(store, server, "A")
        await _poll(store, server, "B")
        assert await _pushed(store, core, both) == ["Article 1"]
        assert await _pushed(store, core, only_b) == ["Le même, titré autrement"]
        assert await store.count_posts() == 4  # both copies stay searchable


async def test_entries_all_linking_to_one_page_are_each_news(
    core: FakeBotAPI, tmp_path: Path, database
) -> None:
    alice = core.user("Alice")
    async with FeedServer() as server, Store.open(database) as store:
        server.set("/feed.xml", make_rss("Local", [_entry(0, link="https://example.org/podcast")]))
        await store.configure_source("Local", server.url("/feed.xml"), interval=60)
        await _poll(store, server)
        await _follow(store, [alice.id])
        episodes = [_entry(n, link="https://example.org/podcast") for n in range(1, 4)]
        server.set("/feed.xml", make_rss("Local", episodes))
        await _poll(store, server)
        assert sorted(await _pushed(store, core, alice)) == ["Article 1", "Article 2", "Article 3"]


def test_article_keys_ignore_what_does_not_change_the_article() -> None:
    key = "numerama.com/tech/123-un-article"
    assert article_key("https://www.numerama.com/tech/123-un-article/") == key
    assert article_key("http://numerama.com/tech/123-un-article?utm_source=rss&xtor=RSS-1") == key
    assert article_key("https://NUMERAMA.com/tech/123-un-article#commentaires") == key
    assert article_key("https://lemonde.fr/article?id=3&utm_medium=x") == "lemonde.fr/article?id=3"
    assert article_key("https://lemonde.fr/article?id=4") != article_key(
        "https://lemonde.fr/article?id=3"
    )
    assert article_key("https://www.numerama.com/") is None  # a home page is many posts' link
    assert article_key("mailto:redaction@numerama.com") is None
    assert article_key(None) is None


async def test_a_post_with_a_lead_image_goes_as_a_photo_else_as_text(
    core: FakeBotAPI, tmp_path: Path, database
) -> None:
    alice, bob = core.user("Alice"), core.user("Bob")
    fine, broken = "https://example.org/img/une.jpg", "https://example.org/img/page.html"
    core.refuse_photo(broken, "wrong type of the web page content")
    async with FeedServer() as server, Store.open(database) as store:
        server.set("/feed.xml", make_rss("Local", [_entry(0)]))
        await store.configure_source("Local", server.url("/feed.xml"), interval=60)
        await _poll(store, server)
        await _follow(store, [alice.id, bob.id])
        await store.update_chat(bob.id, link_previews=1)
        entries = [{**_entry(1), "image": fine}, {**_entry(2), "image": broken}, _entry(3)]
        server.set("/feed.xml", make_rss("Local", entries))
        await _poll(store, server)
        await _send_all(store, core)
        assert await store.outbox_counts() == {"sent": 6}
    for user in (alice, bob):
        [photo] = core.sent(chat_id=user, method="sendPhoto")
        assert photo.params["photo"] == fine
        assert plain_words(photo.params["caption"]).startswith("Article 1\nLocal")
        assert "Le texte de l’article 1." in plain_words(photo.params["caption"])
        [message] = [m for m in core.messages(user) if "photo" in m]
        assert message["caption"].startswith("Article 1")
        [refused] = [c for c in core.sent(chat_id=user, include_failed=True) if not c.ok]
        assert refused.method == "sendPhoto"
        assert refused.params["photo"] == broken
        texts = core.sent(chat_id=user, method="sendMessage")
        assert sorted(plain_words(c.text).split("\n")[0] for c in texts) == [
            "Article 2",
            "Article 3",
        ]
        # /previews still decides the preview under text pushes.
        shown = {c.params["link_preview_options"]["is_disabled"] for c in texts}
        assert shown == {user is alice}
