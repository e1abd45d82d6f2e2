"""Readers bring feeds (OPEN_SOURCES=1): /subscribe URL through the bot, on the fake Bot API
and local feed servers; 127.0.0.2 counts as public (as in the /addsource tests), 127.0.0.1
stays private."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.ingest.discovery import FeedLink, feed_links
from bot.telegram.jobs import READER_SOURCE_GRACE, drop_unfollowed
from bot.telegram.services import services_of
from tests.conftest import running
from tests.fakes import FakeBotAPI, plain_words
from tests.fakes.feed_server import FeedServer
from tests.fakes.rss import make_rss
from tests.test_source_addresses import TEST_POLICY

BLOG = make_rss(
    "Le Blog de Camille", [{"title": "Un", "link": "https://example.org/1", "guid": "1"}]
)
NOTES = make_rss(
    "Carnet de notes", [{"title": "Deux", "link": "https://example.org/2", "guid": "2"}]
)


def page(*links: str) -> bytes:
    head = "".join(
        f'<link rel="alternate" type="application/rss+xml" title="{title}" href="{href}">'
        for href, title in (link.split("|") for link in links)
    )
    return (
        f"<!doctype html><html><head><title>Site</title>{head}</head><body>…</body></html>".encode()
    )


@pytest.fixture
async def site() -> AsyncIterator[FeedServer]:
    async with FeedServer(host="127.0.0.2") as server:
        server.set("/blog.xml", BLOG)
        server.set("/notes.xml", NOTES)
        server.set("/", page("/blog.xml|Articles"), content_type="text/html")
        server.set("/two", page("/blog.xml|Articles", "notes.xml|Notes"), content_type="text/html")
        yield server


def settings(core: FakeBotAPI, tmp_path: Path, **overrides: object) -> Settings:
    return Settings(
        bot_token=core.token,
        database_path=tmp_path / "relais.sqlite3",
        index_dir=tmp_path,
        telegram_api_url="http://fake.invalid",
        sources_file=tmp_path / "none.toml",
        **{"open_sources": True, **overrides},  # type: ignore[arg-type]
    )


async def say(app: Application, core: FakeBotAPI, chat, words: str) -> str:
    mark = core.mark()
    await app.process_update(Update.de_json(core.command(chat, words), app.bot))
    return "\n".join(
        plain_words(c.text) for c in core.sent(chat_id=chat, method="sendMessage") if c.seq > mark
    )


async def followed(app: Application, chat_id: int) -> list[str | None]:
    return [s.source for s in await services_of(app).store.subscriptions(chat_id)]


async def test_closed_by_default_a_url_is_an_unknown_source(
    core: FakeBotAPI, tmp_path: Path, site: FeedServer
) -> None:
    async with running(settings(core, tmp_path, open_sources=False), core,
                       address_policy=TEST_POLICY) as app:  # fmt: skip
        alice = core.user("Alice")
        answer = await say(app, core, alice, f"/subscribe {site.url('/blog.xml')}")
        assert "Source inconnue" in answer
        assert await services_of(app).store.source_names() == []
    assert site.seen("/blog.xml") == []


async def test_a_feed_url_a_home_page_and_a_usual_path(
    core: FakeBotAPI, tmp_path: Path, site: FeedServer
) -> None:
    async with running(settings(core, tmp_path), core, address_policy=TEST_POLICY) as app:
        alice, bob, chloe = core.user("Alice"), core.user("Bob"), core.user("Chloé")
        answer = await say(app, core, alice, f"/subscribe {site.url('/blog.xml')} +un")
        assert "Source ajoutée et suivie : Le Blog de Camille (filtres : +un)" in answer
        assert await followed(app, alice.id) == ["Le Blog de Camille"]
        source = await services_of(app).store.source_by_name("Le Blog de Camille")
        assert source is not None
        assert source.origin == "telegram"
        assert source.url == site.url("/blog.xml")
        # Bob gives the site's home page: its <link rel="alternate"> leads to the same feed,
        # already polled, so he is subscribed to it and nothing is added.
        answer = await say(app, core, bob, f"/subscribe {site.url('/')}")
        assert "Abonnement à Le Blog de Camille enregistré" in answer
        assert await services_of(app).store.source_names() == ["Le Blog de Camille"]
        # A page announcing nothing: the usual /feed path answers a feed.
        site.set("/nothing", b"<html><head></head><body>rien</body></html>",
                 content_type="text/html")  # fmt: skip
        site.set("/feed", NOTES)
        answer = await say(app, core, chloe, f"/subscribe {site.url('/nothing')}")
        assert "Source ajoutée et suivie : Carnet de notes" in answer
        site.remove("/feed")
        site.set("/empty", b"<html><body>rien</body></html>", content_type="text/html")
        none = await say(app, core, chloe, f"/subscribe {site.url('/empty')}")
        assert "Aucun flux trouvé" in none


async def test_several_feeds_are_offered_as_buttons(
    core: FakeBotAPI, tmp_path: Path, site: FeedServer
) -> None:
    async with running(settings(core, tmp_path), core, address_policy=TEST_POLICY) as app:
        alice = core.user("Alice")
        assert "Ce site annonce 2 flux" in await say(
            app, core, alice, f"/subscribe {site.url('/two')}"
        )
        offer = core.sent(chat_id=alice, method="sendMessage")[-1]
        assert [b["text"] for b in offer.buttons()] == ["Articles", "Notes"]
        mark = core.mark()
        press = core.press(offer, offer.buttons()[1]["callback_data"], alice)
        await app.process_update(Update.de_json(press, app.bot))
        [reply] = [c for c in core.sent(chat_id=alice, method="sendMessage") if c.seq > mark]
        assert "Source ajoutée et suivie : Carnet de notes" in plain_words(reply.text)
        assert await followed(app, alice.id) == ["Carnet de notes"]


async def test_private_addresses_and_taken_names_are_refused(
    core: FakeBotAPI, tmp_path: Path, site: FeedServer
) -> None:
    async with (
        FeedServer() as private,
        running(settings(core, tmp_path), core, address_policy=TEST_POLICY) as app,
    ):
        private.set("/feed.xml", BLOG)
        alice = core.user("Alice")
        answer = await say(app, core, alice, f"/subscribe {private.url('/feed.xml')}")
        assert "127.0.0.1" in answer
        assert private.seen("/feed.xml") == []
        store = services_of(app).store
        await store.configure_source("Le Blog de Camille", "https://example.org/autre.xml")
        taken = await say(app, core, alice, f"/subscribe {site.url('/blog.xml')}")
        assert "trop proche de la source Le Blog de Camille" in taken
        assert await followed(app, alice.id) == []


async def test_limits_per_reader_and_in_all(
    core: FakeBotAPI, tmp_path: Path, site: FeedServer
) -> None:
    options = {"open_sources_per_user": 1, "open_sources_max": 2}
    site.set("/third.xml", make_rss("Troisième", [{"title": "T", "guid": "3"}]))
    async with running(settings(core, tmp_path, **options), core,
                       address_policy=TEST_POLICY) as app:  # fmt: skip
        alice, bob, chloe = core.user("Alice"), core.user("Bob"), core.user("Chloé")
        assert "Source ajoutée" in await say(
            app, core, alice, f"/subscribe {site.url('/blog.xml')}"
        )
        mine = await say(app, core, alice, f"/subscribe {site.url('/notes.xml')}")
        assert "maximum de sources qu’une personne peut ajouter (1)" in mine
        assert "Source ajoutée" in await say(app, core, bob, f"/subscribe {site.url('/notes.xml')}")
        full = await say(app, core, chloe, f"/subscribe {site.url('/third.xml')}")
        assert "maximum de sources ajoutées par ses lecteurs (2)" in full
        assert sorted(await services_of(app).store.source_names()) == [
            "Carnet de notes", "Le Blog de Camille",
        ]  # fmt: skip


def test_feed_links_are_read_from_the_page() -> None:
    html = (
        '<html><head><base href="/blog/">'
        '<link rel="alternate" type="application/rss+xml" title=" Articles " href="feed.xml">'
        '<link rel="Alternate" type="application/atom+xml; charset=utf-8" href="//x.org/a">'
        '<link rel="alternate" type="text/html" href="/en">'
        '<link rel="stylesheet" type="application/rss+xml" href="/no.xml">'
        '<link rel="alternate" type="application/rss+xml" href="feed.xml">'
        "</head></html>"
    )
    assert feed_links(html, "https://ex.org/home") == [
        FeedLink("https://ex.org/blog/feed.xml", "Articles"),
        FeedLink("https://x.org/a", None),
    ]


@pytest.mark.backends("sqlite", "postgres")
async def test_a_brought_feed_nobody_follows_stops_after_the_grace_period(
    core: FakeBotAPI, tmp_path: Path, site: FeedServer, database: str | Path
) -> None:
    built = settings(core, tmp_path).with_database(database)
    async with running(built, core, address_policy=TEST_POLICY) as app:
        alice, bob = core.user("Alice"), core.user("Bob")
        await say(app, core, alice, f"/subscribe {site.url('/blog.xml')}")
        await say(app, core, bob, f"/subscribe {site.url('/notes.xml')}")
        await say(app, core, alice, "/subscribe tout")  # following everything does not count
        assert "Abonnement à Le Blog de Camille retiré" in await say(
            app, core, alice, "/unsubscribe Le Blog de Camille"
        )
        services = services_of(app)
        now = datetime.now(UTC)
        assert await drop_unfollowed(services, now) == []  # unfollowed from now on
        assert await drop_unfollowed(services, now + READER_SOURCE_GRACE / 2) == []
        assert await drop_unfollowed(services, now + READER_SOURCE_GRACE) == ["Le Blog de Camille"]
        blog = await services.store.source_by_name("Le Blog de Camille")
        assert blog is not None
        assert blog.url is None  # its posts stay, it is not polled
        notes = await services.store.source_by_name("Carnet de notes")
        assert notes is not None
        assert notes.url == site.url("/notes.xml")
        # Followed again within the grace period: the count starts over.
        await say(app, core, bob, "/unsubscribe Carnet de notes")
        assert await drop_unfollowed(services, now) == []
        await say(app, core, alice, f"/subscribe {site.url('/notes.xml')}")
        assert await drop_unfollowed(services, now + READER_SOURCE_GRACE) == []
