"""Naming sources from Telegram: by word or domain, ambiguity, look-alikes, OPML import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from tests.conftest import running
from tests.fakes import FakeBotAPI, plain_text
from tests.fakes.demo import prepare_database

ADMIN = 4242


@pytest.fixture
async def app(core: FakeBotAPI, tmp_path: Path) -> AsyncIterator[Application]:
    database = tmp_path / "relais.sqlite3"
    await prepare_database(database)
    settings = Settings(
        bot_token=core.token,
        database_path=database,
        telegram_api_url="http://fake.invalid",
        admin_ids=frozenset({ADMIN}),
        sources_file=tmp_path / "none.toml",
    )
    async with running(settings, core) as application:
        yield application


async def say(app: Application, core: FakeBotAPI, chat, text: str) -> str:
    mark = core.mark()
    await app.process_update(Update.de_json(core.command(chat, text), app.bot))
    sent = [c for c in core.sent(method="sendMessage") if c.seq > mark and c.chat_id == chat.id]
    return "\n".join(plain_text(c.text) for c in sent)


def store_of(app: Application):
    return app.bot_data["services"].store


async def test_subscribe_by_key_word_or_domain(core, app) -> None:
    store = store_of(app)
    await store.ensure_source("L'Humanité")
    await store.configure_source("Le Monde – International", "https://www.lemonde.fr/x.xml")
    alice = core.user("Alice")
    # « L'Humanité » had the key `l'humanite` here and `lhumanite` in search.
    assert "Abonné à L'Humanité" in await say(app, core, alice, "/subscribe lhumanite")
    assert "Abonné à Le Monde – International" in await say(
        app, core, alice, "/subscribe lemonde +élections"
    )
    assert "mis à jour" in await say(app, core, alice, "/subscribe lemonde.fr")
    assert "mis à jour" in await say(app, core, alice, "/subscribe le monde -sport")
    assert "Abonné à LeVentSeLeve" in await say(app, core, alice, "/subscribe vent")
    subs = {s.source: s.filters for s in await store.subscriptions(alice.id)}
    assert subs == {"L'Humanité": "", "Le Monde – International": "-sport", "LeVentSeLeve": ""}
    assert "Désabonné de L'Humanité" in await say(app, core, alice, "/unsubscribe l’humanité")
    answer = await say(app, core, alice, "/filter test lemonde +x")
    assert "Sur les 0 derniers articles de Le Monde – International" in answer


async def test_a_word_naming_several_sources_gets_them_listed(core, app) -> None:
    store = store_of(app)
    await store.ensure_source("Le Monde")
    await store.ensure_source("Le Monde diplomatique")
    alice, admin = core.user("Alice", language_code="en"), core.user("Admin", user_id=ADMIN)
    answer = await say(app, core, alice, "/subscribe monde")
    assert (
        answer == "“monde” names several sources: Le Monde, Le Monde diplomatique. Say which one."
    )
    assert await store.subscriptions(alice.id) == []
    assert "plusieurs sources" in await say(app, core, admin, "/removesource monde")
    assert "Subscribed to Le Monde diplomatique" in await say(app, core, alice, "/subscribe diplo")
