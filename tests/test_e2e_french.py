"""End to end in French: the bot as a process, spoken to through the fake Bot API, as a French
reader meets it (typography, language, time zone, argument words)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from telegram import InlineQueryResultsButton

from tests.fakes import FakeBotAPI, FakeBotServer, FakeUser
from tests.fakes.demo import prepare_database
from tests.test_e2e_bot import start_bot

pytestmark = pytest.mark.e2e


@asynccontextmanager
async def running_bot(
    core: FakeBotAPI, tmp_path: Path, admins: tuple[int, ...] = ()
) -> AsyncIterator[None]:
    """The bot as its own process on a database with the demo posts (`admins` its
    ADMIN_IDS); its log on a timeout."""
    database = tmp_path / "relais.sqlite3"
    await prepare_database(database)
    async with FakeBotServer(core) as server:
        settings = {"ADMIN_IDS": ",".join(map(str, admins))} if admins else {}
        process = await start_bot(server, core, database, tmp_path, **settings)
        try:
            yield
        except TimeoutError as exc:
            raise AssertionError(f"{exc}\n--- bot log ---\n{(await process.stop())[1]}") from exc
        finally:
            if not process.exited:
                code, log = await process.stop()
                assert code == 0, log


async def ask(core: FakeBotAPI, user: FakeUser, command: str) -> str:
    """Send `command` as `user` and return the text of the bot's answer (Telegram HTML)."""
    mark = core.mark()
    core.command(user, command)
    reply = await core.wait_for(method="sendMessage", chat_id=user, since=mark, within=60)
    return str(reply.text)


async def test_french_replies_have_non_breaking_spaces_and_real_plurals(
    core: FakeBotAPI, tmp_path: Path
) -> None:
    async with running_bot(core, tmp_path):
        alice = core.user("Alice")
        welcome = await ask(core, alice, "/start")
        assert "Bonjour\u202f!" in welcome
        assert "Relais</b>\u00a0:" in welcome
        status = await ask(core, alice, "/status")
        assert "(s)" not in status
        assert "0\u00a0abonnement" not in status  # a plain space stays between count and noun
        assert "0 abonnement," in status
        for mark in (" :", " ;", " !", " ?", "« ", " »"):
            assert mark not in welcome + status, mark


async def test_argument_words_are_french_and_times_read_alike_everywhere(
    core: FakeBotAPI, tmp_path: Path
) -> None:
    async with running_bot(core, tmp_path):
        alice = core.user("Alice")
        digest = await ask(core, alice, "/digest quotidien 8h")
        assert "Résumé programmé\u00a0: quotidien 8h (Europe/Paris)" in digest
        weekly = await ask(core, alice, "/digest hebdo lundi 8h30")
        assert "hebdo lundi 8h30" in weekly
        assert "weekly" not in weekly
        assert "mon " not in weekly
        for written in ("/quiet 22h-7h", "/quiet 22:00 - 07:00", "/quiet 22H-07h00"):
            assert "Heures calmes\u00a0: 22h–7h." in await ask(core, alice, written), written
        assert "désactivées" in await ask(core, alice, "/quiet OFF")
        assert "désactivées" in await ask(core, alice, "/quiet non")
        assert "montreront" in await ask(core, alice, "/previews oui")


async def test_usage_lines_and_help_show_the_french_words(core: FakeBotAPI, tmp_path: Path) -> None:
    # A process answers about a dozen quick replies before one hangs (seen on main too):
    # the argument words are split between two processes.
    async with running_bot(core, tmp_path):
        alice = core.user("Alice")
        assert "Abonnement à toutes les sources" in await ask(core, alice, "/subscribe tout")
        usage = await ask(core, alice, "/quiet bientôt")
        assert usage.startswith("Syntaxe\u00a0: /quiet 22h-7h")
        usage = await ask(core, alice, "/digest")
        assert "/digest quotidien 8h" in usage
        assert "daily" not in usage
        help_text = await ask(core, alice, "/help")
        for french in ("/subscribe tout", "/digest quotidien 8h", "/previews oui ou non"):
            assert french in help_text
        assert "Administration" not in help_text
        assert "ADMIN_IDS" not in help_text
        # English input is still read, and an English reader gets English back.
        assert "quotidien 7h" in await ask(core, alice, "/digest daily 07:00")
        bob = core.user("Bob", language_code="en")
        assert "daily 07:00" in await ask(core, bob, "/digest daily 7h")


async def test_a_chat_chooses_its_language_over_the_telegram_apps(
    core: FakeBotAPI, tmp_path: Path
) -> None:
    async with running_bot(core, tmp_path):
        # A French reader whose Telegram is in English gets English, until they choose.
        claire = core.user("Claire", language_code="en")
        mark = core.mark()
        core.command(claire, "/start")
        welcome = await core.wait_for(method="sendMessage", chat_id=claire, since=mark, within=60)
        assert "Hello!" in str(welcome.text)
        [buttons] = welcome.params["reply_markup"]["inline_keyboard"]
        french = next(b for b in buttons if "Français" in b["text"])
        mark = core.mark()
        core.press(welcome, french["callback_data"], claire)
        chosen = await core.wait_for(method="sendMessage", chat_id=claire, since=mark, within=20)
        assert "je parlerai français" in str(chosen.text)
        assert "Cette conversation" in await ask(core, claire, "/status")
        assert "Syntaxe" in await ask(core, claire, "/chercher")
        # Then /language en, and /langue fr again, by their French or English names.
        assert "I will speak English" in await ask(core, claire, "/language en")
        assert "This chat" in await ask(core, claire, "/etat")
        assert "je parlerai français" in await ask(core, claire, "/langue fr")
        assert "<b>Chercher</b>" in await ask(core, claire, "/aide")
        french_menu = {c["command"] for c in core.commands({"type": "default"}, "fr")}
        assert {"aide", "chercher", "citation", "abonner", "desabonner", "langue"} <= french_menu
        english_menu = {c["command"] for c in core.commands({"type": "default"}, "")}
        assert {"help", "search", "language"} <= english_menu
        assert "aide" not in english_menu


async def test_every_date_a_chat_sees_is_in_its_time_zone(core: FakeBotAPI, tmp_path: Path) -> None:
    # Casilli's interview was published at 09:33 UTC: 11:33 in Paris, 05:33 in Montreal.
    async with running_bot(core, tmp_path):
        alice = core.user("Alice")
        assert "12 avril 2023 à 11:33" in await ask(core, alice, "/search casilli robots")
        assert "Fuseau horaire" in await ask(core, alice, "/timezone America/Montreal")
        assert "12 avril 2023 à 05:33" in await ask(core, alice, "/search casilli robots")
        assert "12 avril 2023 à 05:33" in await ask(core, alice, "/quote grand remplacement")
        sources = await ask(core, alice, "/sources")
        assert "12 janvier 2024 à 04:00" in sources  # the example feed's latest, 09:00 UTC
        mark = core.mark()
        core.inline_query(alice, "casilli robots")
        answer = await core.wait_for(method="answerInlineQuery", since=mark, within=20)
        [first, *_] = answer.params["results"]
        assert "12 avril 2023 à 05:33" in first["input_message_content"]["message_text"]
        status = await ask(core, alice, "/status")
        assert not re.search(r"\d{4}-\d{2}-\d{2}", status), status


async def test_help_and_status_for_readers_detail_for_operators(
    core: FakeBotAPI, tmp_path: Path
) -> None:
    admin_id = 7_100_000_001
    async with running_bot(core, tmp_path, admins=(admin_id,)):
        alice, admin = core.user("Alice"), core.user("Opératrice", user_id=admin_id)
        await ask(core, alice, "/subscribe Numerama +ia")
        await ask(core, alice, "/digest quotidien 8h")
        status = await ask(core, alice, "/status")
        first, *rest = status.split("\n\n")
        assert first.startswith("<b>Cette conversation</b>\u00a0: 1 abonnement, 0 envoi en attente")
        assert "• Numerama (filtres\u00a0: +ia)" in first
        assert "Résumé\u00a0: quotidien 8h" in first
        assert rest[0].startswith("<b>Sources</b>\u00a0:")
        assert "dernier succès" not in status  # the polling table is the operator's
        assert "prochain passage" not in status
        help_text = await ask(core, alice, "/help")
        assert len(help_text) < 1500
        assert "/addsource" not in help_text
        assert help_text.index("/search travail du clic") < help_text.index("/sources")
        assert "/addsource" in await ask(core, admin, "/help")


async def test_inline_mode_with_no_words_gives_a_hint(core: FakeBotAPI, tmp_path: Path) -> None:
    async with running_bot(core, tmp_path):
        alice = core.user("Alice")
        mark = core.mark()
        query = core.inline_query(alice, "")
        await core.wait_for(method="answerInlineQuery", since=mark, within=60)
        answer = core.inline_answer(query["inline_query"]["id"])
        assert answer is not None
        button = InlineQueryResultsButton.de_json(answer["button"], None)
        assert button is not None
        assert button.text == "Tapez des mots pour chercher un article à partager"
        assert answer["results"] == []
        # The button opens the private chat with /start <parameter>: the help.
        assert "<b>Chercher</b>" in await ask(core, alice, f"/start {button.start_parameter}")
