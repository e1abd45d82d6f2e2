"""Sources added from Telegram must be public addresses: /addsource, OPML import, every poll.

Through the fake Bot API as an admin. Every server here is on loopback, so the bot is built
with a policy that counts 127.0.0.2 as public; 127.0.0.1 and the rest stay refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.ingest.addresses import AddressPolicy
from bot.models import Source
from bot.polling.poller import sync_sources
from bot.sourcelist.opml import to_opml
from bot.store import Store
from bot.store.migrations import MIGRATIONS
from bot.telegram.services import services_of
from tests.conftest import ADMIN, known, running
from tests.fakes import FakeBotAPI, plain_words
from tests.fakes.feed_server import FeedServer
from tests.fakes.rss import make_rss

TEST_POLICY = AddressPolicy(also_public=(ip_network("127.0.0.2/32"),))
RSS = make_rss("Blog", [{"title": "Un", "link": "https://example.org/1", "guid": "1"}])


@pytest.fixture
async def servers() -> AsyncIterator[tuple[FeedServer, FeedServer]]:
    """A "public" feed server on 127.0.0.2 and a private one on 127.0.0.1."""
    async with FeedServer(host="127.0.0.2") as public, FeedServer() as private:
        public.set("/feed.xml", RSS)
        private.set("/feed.xml", RSS)
        yield public, private


def _settings(core: FakeBotAPI, tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(
        bot_token=core.token,
        database_path=tmp_path / "relais.sqlite3",
        telegram_api_url="http://fake.invalid",
        admin_ids=frozenset({ADMIN}),
        sources_file=tmp_path / "none.toml",
        **overrides,
    )


@pytest.fixture
def app_settings(core: FakeBotAPI, tmp_path: Path) -> Settings:
    return _settings(core, tmp_path)


@pytest.fixture
def app_options() -> dict[str, object]:
    return {"address_policy": TEST_POLICY}


async def say(app: Application, core: FakeBotAPI, user, command: str) -> str:
    mark = core.mark()
    await app.process_update(Update.de_json(core.command(user, command), app.bot))
    return "\n".join(
        plain_words(c.text) for c in core.sent(chat_id=user, method="sendMessage") if c.seq > mark
    )


async def test_addsource_refuses_private_addresses_and_adds_nothing(core, app, servers) -> None:
    _, private = servers
    admin = core.user("Admin", user_id=ADMIN)
    port = private.port
    for url in (
        private.url("/feed.xml"),
        f"http://localhost:{port}/feed.xml",
        f"http://0.0.0.0:{port}/feed.xml",
        f"http://[::1]:{port}/feed.xml",
        "http://169.254.169.254/latest/meta-data/",
        f"http://[::ffff:127.0.0.1]:{port}/feed.xml",
    ):
        answer = await say(app, core, admin, f"/addsource Interne {url}")
        assert answer.startswith("Refusé :"), answer
        assert "pas une adresse publique" in answer, answer
    for host in ("2130706433", "0x7f000001", "0177.0.0.1", "127.1"):
        answer = await say(app, core, admin, f"/addsource Interne http://{host}:{port}/feed.xml")
        assert answer == (
            f"Refusé : {host} est une adresse numérique écrite de façon inhabituelle. "
            "Donnez le nom du site."
        )
    answer = await say(app, core, admin, "/addsource Interne http://nowhere.invalid/feed.xml")
    assert "impossible de trouver l’adresse de nowhere.invalid" in answer
    store = services_of(app).store
    assert await store.source_by_name("Interne") is None
    assert private.hits["/feed.xml"] == 0


async def test_addsource_answers_in_english_too(core, app, servers) -> None:
    _, private = servers
    admin = core.user("Admin", user_id=ADMIN, language_code="en")
    answer = await say(app, core, admin, f"/addsource Inside {private.url('/feed.xml')}")
    assert answer.startswith(f"Refused: {private.url('/feed.xml')} leads to 127.0.0.1, which")


async def test_a_public_source_is_added_and_polled(core, app, servers) -> None:
    public, _ = servers
    admin = core.user("Admin", user_id=ADMIN)
    answer = await say(app, core, admin, f"/addsource Blog {public.url('/feed.xml')}")
    assert answer.startswith("Source ajoutée : Blog")
    services = services_of(app)
    state = known(await services.store.source_by_name("Blog"))
    assert state.origin == "telegram"
    assert (await services.poller.poll(state)).status == "new"


async def test_a_redirect_to_a_private_address_is_refused_at_every_poll(core, app, servers):
    public, private = servers
    admin = core.user("Admin", user_id=ADMIN)
    await say(app, core, admin, f"/addsource Blog {public.url('/feed.xml')}")
    # Accepted when added; later the feed moves to an internal address.
    public.redirect("/feed.xml", private.url("/feed.xml"))
    services = services_of(app)
    for _ in range(2):
        outcome = await services.poller.poll(known(await services.store.source_by_name("Blog")))
        assert outcome.status == "error"
        assert outcome.error == "refused: 127.0.0.1 is a loopback address, not a public one"
    assert private.hits["/feed.xml"] == 0
    status = await say(app, core, admin, "/status")
    assert "Blog" in status
    assert "2 erreurs" in status


async def test_opml_import_lists_refused_outlines(core, app, servers) -> None:
    public, private = servers
    admin = core.user("Admin", user_id=ADMIN)
    opml = to_opml(
        [
            Source("Blog", public.url("/feed.xml")),
            Source("Interne", private.url("/feed.xml")),
            Source("Métadonnées", "http://169.254.169.254/latest/"),
        ]
    )
    mark = core.mark()
    await app.process_update(Update.de_json(core.document(admin, "s.opml", opml), app.bot))
    answer = "\n".join(
        plain_words(c.text) for c in core.sent(chat_id=admin, method="sendMessage") if c.seq > mark
    )
    assert "1 source importée." in answer
    assert (
        "Refusé (adresse non publique ou introuvable) : "
        f"Interne ({private.url('/feed.xml')}); Métadonnées (http://169.254.169.254/latest/)"
    ) in answer
    names = [s.name for s in await services_of(app).store.polled_sources()]
    assert names == ["Blog"]


async def test_file_sources_are_trusted(core, app, servers) -> None:
    _, private = servers
    services = services_of(app)
    await services.store.configure_source("Maison", private.url("/feed.xml"), origin="file")
    state = known(await services.store.source_by_name("Maison"))
    assert (await services.poller.poll(state)).status == "new"


async def test_allow_private_sources_lets_self_hosted_feeds_in(core, tmp_path, servers) -> None:
    _, private = servers
    settings = _settings(core, tmp_path, allow_private_sources=True)
    async with running(settings, core, address_policy=TEST_POLICY) as app:
        admin = core.user("Admin", user_id=ADMIN)
        answer = await say(app, core, admin, f"/addsource Maison {private.url('/feed.xml')}")
        assert answer.startswith("Source ajoutée : Maison")
        services = services_of(app)
        state = known(await services.store.source_by_name("Maison"))
        assert (await services.poller.poll(state)).status == "new"


async def test_sources_from_before_origins_are_guarded_until_the_file_names_them(tmp_path):
    path = tmp_path / "old.sqlite3"
    before = next(n for n, step in enumerate(MIGRATIONS) if "ADD COLUMN origin" in step)
    with sqlite3.connect(path) as raw:
        for number, step in enumerate(MIGRATIONS[:before], start=1):
            raw.executescript(f"BEGIN;\n{step}\nPRAGMA user_version = {number};\nCOMMIT;")
        for name in ("Ancienne", "Fichier"):
            raw.execute(
                "INSERT INTO sources (name, key, url, created_at) VALUES (?, ?, ?, ?)",
                (name, name.lower(), f"http://127.0.0.1:9/{name}", "2024-01-01T00:00:00+00:00"),
            )
    async with Store.open(path) as store:
        assert known(await store.source_by_name("Ancienne")).origin == "telegram"
        await sync_sources(store, [Source("Fichier", "http://127.0.0.1:9/Fichier")], 60)
        assert known(await store.source_by_name("Fichier")).origin == "file"
        assert known(await store.source_by_name("Ancienne")).origin == "telegram"
