"""A source's failure is stored as a code and shown in the reader's language: /status and
the admins' alert in French for French readers (they showed « en échec : connection
refused »), in English for English ones; errors stored as English lines before still read
in French."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import Application

from bot import errors
from bot.config import Settings
from bot.ingest.addresses import Refusal
from bot.ingest.inputs import NotPosts
from bot.polling.poller import FAILURES_BEFORE_ALERT
from bot.telegram.services import services_of
from tests.conftest import running
from tests.fakes import FakeBotAPI, plain_words
from tests.fakes.feed_server import FeedServer
from tests.test_source_addresses import TEST_POLICY

FRENCH_ADMIN, ENGLISH_ADMIN = 4242, 4343

# English lines the fetch and parse layers write, each with what a French reader sees.
LINES = {
    "connection refused": "connexion refusée",
    "HTTP 404": "le serveur a répondu HTTP 404",
    "timed out after 15.0 s": "pas de réponse complète en 15.0 s",
    "could not resolve host": "nom de serveur introuvable",
    "response larger than 5 MB cap": "réponse plus grosse que la limite de 5 MB",
    "ReadError: peer closed": "erreur réseau (ReadError: peer closed)",
    NotPosts("unknown").reason: "ni un export Movim, ni un flux RSS, Atom ou JSON",
    NotPosts("empty").reason: "réponse vide",
    str(Refusal("not_public", "127.0.0.1", "127.0.0.1", "loopback")): (
        "refusé : 127.0.0.1 est une adresse de bouclage, non publique"
    ),
    str(Refusal("unresolved", "nulle.part")): "refusé : le serveur nulle.part est introuvable",
}


@pytest.mark.parametrize("line", LINES)
def test_each_english_line_is_kept_as_a_code_and_read_back_in_both_languages(line: str) -> None:
    code = errors.encode(line)
    assert code.startswith("!")
    assert plain_words(errors.describe(code, "fr")) == LINES[line]
    assert errors.describe(code, "en") == line
    # A row stored before codes holds the English line: it reads the same.
    assert plain_words(errors.describe(line, "fr")) == LINES[line]


def test_a_line_no_pattern_knows_is_shown_as_it_is() -> None:
    assert errors.encode("quelque chose d'inédit") == "quelque chose d'inédit"
    assert errors.describe("quelque chose d'inédit", "fr") == "quelque chose d'inédit"
    assert errors.describe(errors.stored("from_a_later_version"), "en") == "from_a_later_version"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.2", 0))
        return int(probe.getsockname()[1])


async def _say(app: Application, core: FakeBotAPI, user, command: str) -> str:
    mark = core.mark()
    await app.process_update(Update.de_json(core.command(user, command), app.bot))
    return "\n".join(
        plain_words(c.text) for c in core.sent(chat_id=user, method="sendMessage") if c.seq > mark
    )


async def test_status_and_alerts_show_a_failing_source_in_the_readers_language(
    core: FakeBotAPI, tmp_path: Path
) -> None:
    settings = Settings(
        bot_token=core.token,
        database_path=tmp_path / "relais.sqlite3",
        telegram_api_url="http://fake.invalid",
        admin_ids=frozenset({FRENCH_ADMIN, ENGLISH_ADMIN}),
        sources_file=tmp_path / "none.toml",
    )
    async with (
        FeedServer(host="127.0.0.2") as feeds,
        running(settings, core, address_policy=TEST_POLICY) as app,
    ):
        feeds.set("/page.html", b"<html><body>Bonjour</body></html>")
        french = core.user("Admin", user_id=FRENCH_ADMIN)
        english = core.user("Admin", user_id=ENGLISH_ADMIN, language_code="en")
        for admin in (french, english):
            await _say(app, core, admin, "/start")  # the chat and its language are known
        services = services_of(app)
        store = services.store
        await store.configure_source("Fermé", f"http://127.0.0.2:{_closed_port()}/feed.xml")
        await store.configure_source("Page", feeds.url("/page.html"))
        mark = core.mark()
        for _ in range(FAILURES_BEFORE_ALERT):
            for name in ("Fermé", "Page"):
                state = await store.source_by_name(name)
                assert state is not None
                assert (await services.poller.poll(state)).status == "error"
        # Alerts are gathered (bot/telegram/alerts.py): what the period holds goes out now.
        assert app.bot_data.alerts is not None
        await app.bot_data.alerts.send_now()
        alerts = {
            admin.id: [
                plain_words(c.text)
                for c in core.sent(chat_id=admin, method="sendMessage")
                if c.seq > mark
            ]
            for admin in (french, english)
        }
        assert any("connexion refusée" in a for a in alerts[FRENCH_ADMIN]), alerts
        assert any("ni un export Movim" in a for a in alerts[FRENCH_ADMIN]), alerts
        assert not any("connection refused" in a for a in alerts[FRENCH_ADMIN])
        assert any("connection refused" in a for a in alerts[ENGLISH_ADMIN]), alerts
        status = await _say(app, core, french, "/status")
        assert "Fermé" in status
        assert "⚠️ en échec : connexion refusée" in status
        assert "⚠️ en échec : ni un export Movim, ni un flux RSS, Atom ou JSON" in status
        assert "connection refused" not in status
        assert "neither" not in status
        in_english = await _say(app, core, english, "/status")
        assert "failing: connection refused" in in_english
        # A row stored before codes (an English line) reads in French too.
        assert store.path is not None
        with sqlite3.connect(store.path) as older:  # as an older Relais left it
            older.execute("UPDATE sources SET last_error = 'HTTP 503' WHERE name = 'Fermé'")
        older.close()
        status = await _say(app, core, french, "/status")
        assert "⚠️ en échec : le serveur a répondu HTTP 503" in status
