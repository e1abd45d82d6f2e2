"""Feeds served on 127.0.0.1 through the poller to the outbox: guid collisions, caps, dedup."""

from __future__ import annotations

import logging
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram import Update

from bot.config import Settings
from bot.ingest.fetch import make_client
from bot.poller import Poller
from bot.store import Store
from tests.conftest import running
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
