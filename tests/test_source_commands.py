"""Naming sources from Telegram: by word or domain, ambiguity, look-alikes, OPML import."""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.telegram.services import services_of
from tests.conftest import ADMIN, DATA, app_settings_on
from tests.fakes import FakeBotAPI, plain_words


@pytest.fixture
def app_settings(core: FakeBotAPI, app_database: Path) -> Settings:
    return app_settings_on(
        core,
        app_database,
        admin_ids=frozenset({ADMIN}),
        # Names are what is tested here; the address guard has its own tests (no DNS here).
        allow_private_sources=True,
    )


async def say(app: Application, core: FakeBotAPI, chat, text: str) -> str:
    mark = core.mark()
    await app.process_update(Update.de_json(core.command(chat, text), app.bot))
    sent = [c for c in core.sent(method="sendMessage") if c.seq > mark and c.chat_id == chat.id]
    return "\n".join(plain_words(c.text) for c in sent)


def store_of(app: Application):
    return services_of(app).store


async def test_subscribe_by_key_word_or_domain(core, app) -> None:
    store = store_of(app)
    await store.ensure_source("L'Humanité")
    await store.configure_source("Le Monde – International", "https://www.lemonde.fr/x.xml")
    alice = core.user("Alice")
    # « L'Humanité » had the key `l'humanite` here and `lhumanite` in search.
    assert "Abonnement à L'Humanité enregistré" in await say(
        app, core, alice, "/subscribe lhumanite"
    )
    assert "Abonnement à Le Monde – International enregistré" in await say(
        app, core, alice, "/subscribe lemonde +élections"
    )
    assert "mis à jour" in await say(app, core, alice, "/subscribe lemonde.fr")
    assert "mis à jour" in await say(app, core, alice, "/subscribe le monde -sport")
    assert "Abonnement à LeVentSeLeve enregistré" in await say(app, core, alice, "/subscribe vent")
    subs = {s.source: s.filters for s in await store.subscriptions(alice.id)}
    assert subs == {"L'Humanité": "", "Le Monde – International": "-sport", "LeVentSeLeve": ""}
    assert "Abonnement à L'Humanité retiré" in await say(
        app, core, alice, "/unsubscribe l’humanité"
    )
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
    assert "names several sources" in await say(app, core, alice, "/subscribe monde +élections")
    # More bare words may be a misspelled name: the names spelled alike come first.
    assert "Did you mean: Le Monde diplomatique" in await say(
        app, core, alice, "/subscribe monde diplomatiqe"
    )
    assert await store.subscriptions(alice.id) == []
    assert "plusieurs sources" in await say(app, core, admin, "/removesource monde")
    assert "Subscribed to Le Monde diplomatique" in await say(app, core, alice, "/subscribe diplo")


async def test_addsource_refuses_lookalike_names(core, app) -> None:
    store = store_of(app)
    await store.configure_source("Numerama", "https://www.numerama.com/feed/")
    admin = core.user("Admin", user_id=ADMIN)
    evil = "https://evil.example/feed"
    for name in ("Nume\u200brama", "NUMERAMA"):  # once normalised, Numerama itself
        answer = await say(app, core, admin, f"/addsource {name} {evil}")
        assert answer.startswith("Numerama est déjà suivie depuis https://www.numerama.com/feed/")
    for name in ("Numérama", "Numerаma", "Numerarna", "Numerana", "Nume rama"):
        answer = await say(app, core, admin, f"/addsource {name} {evil}")
        assert "ressemble trop à la source Numerama" in answer, name
    assert "déjà suivie sous le nom Numerama" in await say(
        app, core, admin, "/addsource Numérique https://www.numerama.com/feed"
    )
    assert "\u200b" not in await say(app, core, admin, "/addsource \u200b\u2060 https://x.org/f")
    sources = {s.name: s.url for s in await store.all_sources()}
    assert sources["Numerama"] == "https://www.numerama.com/feed/"
    assert evil not in sources.values()
    assert len(sources) == 6
    # The dump's LeVentSeLeve, known but not polled, gets its feed under its own name.
    assert "Source ajoutée : LeVentSeLeve" in await say(
        app, core, admin, "/addsource leventseleve https://lvsl.fr/feed/"
    )
    assert (await store.source_by_name("Le Vent Se Lève")).url == "https://lvsl.fr/feed/"


async def send_document(app: Application, core: FakeBotAPI, user, name: str, data: bytes) -> str:
    mark = core.mark()
    await app.process_update(Update.de_json(core.document(user, name, data), app.bot))
    sent = [c for c in core.sent(method="sendMessage") if c.seq > mark and c.chat_id == user.id]
    return "\n".join(plain_words(c.text) for c in sent)


async def test_opml_import_reads_a_real_list_and_reports_what_it_did_not_apply(core, app) -> None:
    admin = core.user("Admin", user_id=ADMIN)
    france = (DATA / "real" / "awesome-rss-feeds-France.opml").read_bytes()
    answer = await send_document(app, core, admin, "France.opml", france)
    assert answer == "11 sources importées."
    store = store_of(app)
    polled = {s.name: s.url for s in await store.polled_sources()}
    assert polled["Le Monde"] == "https://www.lemonde.fr/rss/une.xml"
    assert polled["Ministry for Europe and Foreign Affairs"].endswith("backend-fd&lang=en")

    changed = (
        france.replace(b"rss/une.xml", b"rss/en_continu.xml")
        .replace(b'title="Paris Star"', 'title="Médiapart"'.encode())
        .replace(b"ouest-france.fr/rss-en-continu.xml", b"ouest-france.fr/autre.xml")
    )
    answer = await send_document(app, core, admin, "France.opml", changed)
    lines = answer.splitlines()
    assert lines[:2] == ["0 source importée.", "8 déjà suivies à la même adresse."]
    assert (
        "• Le Monde est déjà suivie depuis https://www.lemonde.fr/rss/une.xml : adresse "
        "https://www.lemonde.fr/rss/en_continu.xml non appliquée." in answer
    )
    assert "• « Médiapart » ressemble trop à la source Mediapart" in answer
    assert "• Ouest-France est déjà suivie depuis" in answer
    assert len(lines) == 2 + 3
    polled = {s.name: s.url for s in await store.polled_sources()}
    assert polled["Le Monde"] == "https://www.lemonde.fr/rss/une.xml"
    assert "Médiapart" not in polled
