"""The bot in process against the fake Bot API: commands, paging, inline mode, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.i18n import COMMAND_ALIASES
from bot.telegram.services import services_of
from tests.conftest import ROOT, app_settings_on, running
from tests.fakes import FakeBotAPI, FakeChat, FakeUser, bad_request, plain_words
from tests.fakes.demo import prepare_database


@pytest.fixture
def app_settings(core: FakeBotAPI, app_database: Path) -> Settings:
    # The example sources file names the seed's sources (« Le Vent Se Lève »), as an
    # operator's would: the default, data/sources.toml, is the operator's own and absent here.
    return app_settings_on(core, app_database, sources_file=ROOT / "seeds" / "sources.toml")


async def feed(app: Application, update: dict) -> None:
    await app.process_update(Update.de_json(update, app.bot))


def replies(core: FakeBotAPI, chat: FakeUser | FakeChat) -> list[str]:
    return [plain_words(call.text) for call in core.sent(chat_id=chat, method="sendMessage")]


async def test_start_welcomes_and_commands_are_registered_in_two_languages(core, app) -> None:
    alice = core.user("Alice")
    await feed(app, core.command(alice, "/start"))
    [welcome] = replies(core, alice)
    assert "/search travail du clic" in welcome
    french = core.commands({"type": "default"}, "fr")
    english = core.commands({"type": "default"}, "")
    assert {"start", "aide", "chercher", "citation", "sources", "abonner"} <= {
        c["command"] for c in french
    }
    assert "addsource" not in {c["command"] for c in french}
    # The French menu names the French aliases of the same commands.
    french_as_english = {COMMAND_ALIASES.get(c["command"], c["command"]) for c in french}
    assert {c["command"] for c in english} == french_as_english
    assert french != english


async def test_deep_link_runs_the_search(core, app) -> None:
    alice = core.user("Alice")
    await feed(app, core.command(alice, "/start q_travail_du_clic"))
    assert "Casilli" in replies(core, alice)[0]


async def test_help_lists_every_command(core, app) -> None:
    bob = core.user("Bob", language_code="en")
    await feed(app, core.command(bob, "/help"))
    [text] = replies(core, bob)
    for command in ("/search", "/quote", "/sources", "/start", "/help"):
        assert command in text
    assert "@relais_test_bot" in text


async def test_words_alone_in_private_are_a_search_and_elsewhere_nothing(core, app) -> None:
    alice = core.user("Alice")
    await feed(app, core.user_message(alice, "travial du clik"))
    [reply] = replies(core, alice)
    assert "Casilli" in reply
    group = core.group("Lecteurs")
    await feed(app, core.user_message(group, "travail du clic", alice))
    assert core.sent(chat_id=group) == []


async def test_search_pages_with_buttons_and_edits(core, app) -> None:
    alice = core.user("Alice")
    await feed(app, core.command(alice, "/search travail du clic"))
    [call] = core.sent(chat_id=alice, method="sendMessage")
    assert "Casilli" in call.text
    assert "<b>" in call.text
    assert '<a href="https://example.org/clic/' in call.text
    assert "Page 1/" in plain_words(call.text)
    [forward] = call.buttons()
    assert forward["text"] == "▶"

    await feed(app, core.press(call, forward["callback_data"], alice))
    [edit] = core.sent(chat_id=alice, method="editMessageText")
    assert "Page 2/" in plain_words(edit.text)
    assert "6." in plain_words(edit.text)
    assert edit.buttons()[0]["text"] == "◀"
    assert plain_words(core.messages(alice)[-1]["text"]) == plain_words(edit.text)

    # The same press again asks for the same content: Telegram says "not modified",
    # which the bot takes calmly (no apology sent).
    before = len(replies(core, alice))
    await feed(app, core.press(call, forward["callback_data"], alice))
    assert len(replies(core, alice)) == before


async def test_old_and_unknown_buttons_answer_sensibly(core, app) -> None:
    alice = core.user("Alice")
    await feed(app, core.command(alice, "/search travail du clic"))
    [call] = core.sent(chat_id=alice, method="sendMessage")
    press = core.press(call, "s:999999:1", alice)
    await feed(app, press)
    assert "expiré" in core.callback_answer(press["callback_query"]["id"])["text"]
    press = core.press(call, "v0-something-old", alice)
    await feed(app, press)
    assert "expiré" in core.callback_answer(press["callback_query"]["id"])["text"]


async def test_buttons_survive_a_restart(core, tmp_path) -> None:
    database = tmp_path / "relais.sqlite3"
    await prepare_database(database)
    settings = Settings(
        bot_token=core.token, database_path=database, telegram_api_url="http://fake.invalid"
    )
    alice = core.user("Alice")
    # Stopped before the restart: one process at a time polls a database.
    async with running(settings, core) as first:
        await feed(first, core.command(alice, "/search travail du clic"))
    [call] = core.sent(chat_id=alice, method="sendMessage")
    async with running(settings, core) as fresh:
        await feed(fresh, core.press(call, call.buttons()[0]["callback_data"], alice))
    assert "Page 2/" in plain_words(core.sent(chat_id=alice, method="editMessageText")[0].text)


async def test_bad_queries_get_clear_answers(core, app) -> None:
    alice = core.user("Alice")
    await feed(app, core.command(alice, "/search"))
    await feed(app, core.command(alice, "/search " + "travail " * 60))
    await feed(app, core.command(alice, "/search <b>tartiflette</b> & *savoyarde*"))
    usage, cut, _results, nothing = replies(core, alice)
    assert usage.startswith("Syntaxe :")
    assert "256" in cut
    assert "Aucun résultat" in nothing
    assert "<b>tartiflette</b> & *savoyarde*" in nothing
    raw = core.sent(chat_id=alice, method="sendMessage")[-1].text
    assert "&lt;b&gt;tartiflette&lt;/b&gt; &amp;" in raw


async def test_no_result_offers_a_close_spelling(core, app) -> None:
    alice = core.user("Alice")
    await feed(app, core.command(alice, "/search arocm netflx"))
    text = replies(core, alice)[-1]
    assert "Aucun résultat" in text
    assert "Vouliez-vous dire « arcom netflix »" in text
    # Issue 18: « remaniement gouvernement » finds nothing either, so it is not offered.
    await feed(app, core.command(alice, "/search remaniemnet gouvernemental"))
    text = replies(core, alice)[-1]
    assert "Aucun résultat" in text
    assert "Vouliez-vous" not in text
    await feed(app, core.command(alice, "/search prigojine hollande"))
    text = replies(core, alice)[-1]
    assert "Aucun résultat" in text
    assert "Vouliez-vous" not in text


async def test_quote_in_a_blockquote_with_its_speaker(core, app) -> None:
    alice = core.user("Alice")
    await feed(app, core.command(alice, "/quote je me connecte sur un site"))
    [call] = core.sent(chat_id=alice, method="sendMessage")
    assert call.text.startswith("<blockquote>")
    assert "je coche des cases" in call.text
    assert "A. Casilli" in call.text
    await feed(app, core.command(alice, "/quote"))
    random_quote = core.sent(chat_id=alice, method="sendMessage")[-1].text
    assert random_quote.startswith("<blockquote>")
    assert "A. Casilli" in random_quote


async def test_sources_lists_counts_and_dates(core, app) -> None:
    bob = core.user("Bob", language_code="en")
    await feed(app, core.command(bob, "/sources"))
    [text] = replies(core, bob)
    assert "JournalDuGeek: 3 posts, latest on 2 April 2024" in text
    assert "Exemple: 12 posts" in text
    # sources.toml names it « Le Vent Se Lève »: that name wins over the seed dump's.
    assert "Le Vent Se Lève: 1 post, on 12 April 2023" in text
    assert (
        "Exemple: 12 posts, latest on 12 January 2024 at 10:00 · archive only, not polled" in text
    )
    alice = core.user("Alice")
    await feed(app, core.command(alice, "/sources"))
    [texte] = replies(core, alice)
    assert "Le Vent Se Lève : 1 article, le 12 avril 2023" in texte
    assert "Numerama : 2 articles, dernier le 8 février 2024" in texte


async def test_inline_mode_offers_articles_with_paging(core, app) -> None:
    alice = core.user("Alice")
    query = core.inline_query(alice, "travail du clic")
    await feed(app, query)
    answer = core.inline_answer(query["inline_query"]["id"])
    results = answer["results"]
    assert 1 <= len(results) <= 10
    assert all(r["type"] == "article" for r in results)
    shared = results[0]["input_message_content"]["message_text"]
    assert "Casilli" in shared
    assert "<b>" in shared
    assert "Résultats" not in shared
    assert answer["next_offset"] == str(len(results))
    second = core.inline_query(alice, "travail du clic", offset=answer["next_offset"])
    await feed(app, second)
    later = core.inline_answer(second["inline_query"]["id"])["results"]
    assert not {r["id"] for r in later} & {r["id"] for r in results}


async def test_groups_answer_our_commands_and_ignore_other_bots(core, app) -> None:
    alice = core.user("Alice")
    group = core.supergroup("Lecteurs")
    await feed(app, core.command(group, "/search@relais_test_bot Arcom", alice))
    await feed(app, core.command(group, "/search@other_bot Arcom", alice))
    await feed(app, core.command(group, "/frobnicate@other_bot", alice))
    await feed(app, core.command(group, "/frobnicate", alice))
    sent = replies(core, group)
    assert len(sent) == 1
    assert "Arcom" in sent[0]
    await feed(app, core.command(alice, "/frobnicate"))
    assert "/help" in replies(core, alice)[-1]


async def test_english_users_get_english(core, app) -> None:
    bob = core.user("Bob", language_code="en-GB")
    await feed(app, core.command(bob, "/search"))
    assert replies(core, bob)[0].startswith("Usage: /search")


async def test_an_exception_is_logged_answered_and_the_bot_goes_on(core, app, caplog) -> None:
    alice = core.user("Alice")
    core.fail_next(bad_request("Bad Request: something unexpected"), chat_id=alice.id)
    await feed(app, core.command(alice, "/sources"))
    assert "Désolé" in replies(core, alice)[-1]
    assert "something unexpected" in caplog.text.lower()
    await feed(app, core.command(alice, "/sources"))
    assert "Sources" in replies(core, alice)[-1]
    assert core.token not in caplog.text


async def test_query_warnings_are_shown_with_results(core, app) -> None:
    alice = core.user("Alice")
    await feed(app, core.command(alice, "/search travail du clic since:2023-13-45"))
    text = replies(core, alice)[-1]
    assert "Casilli" in text
    assert "Attention" in text


async def test_forgotten_searches_make_their_buttons_say_so(core, app) -> None:
    from datetime import UTC, datetime, timedelta

    alice = core.user("Alice")
    await feed(app, core.command(alice, "/search travail du clic"))
    [call] = core.sent(chat_id=alice, method="sendMessage")
    store = services_of(app).store
    assert await store.forget_queries(datetime.now(UTC) + timedelta(days=1)) == 1
    press = core.press(call, call.buttons()[0]["callback_data"], alice)
    await feed(app, press)
    assert "expiré" in core.callback_answer(press["callback_query"]["id"])["text"]
    assert core.sent(chat_id=alice, method="editMessageText") == []


async def test_a_forged_button_never_shows_another_chats_search(core, app) -> None:
    alice, bob = core.user("Alice"), core.user("Bob")
    await feed(app, core.command(alice, "/search travail du clic"))
    [theirs] = core.sent(chat_id=alice, method="sendMessage")
    await feed(app, core.command(bob, "/search Arcom"))
    [mine] = core.sent(chat_id=bob, method="sendMessage")
    stolen = theirs.buttons()[0]["callback_data"]
    # Bob presses a button of his own message carrying Alice's search id.
    for data in (stolen, stolen.replace(":1", ":0"), "s:1:1", "s:2:0"):
        press = core.press(mine, data, bob)
        await feed(app, press)
        answer = core.callback_answer(press["callback_query"]["id"])["text"]
        # Refused: on no button of Bob's message, or read by no button's pattern.
        assert "n’appartient pas à ce message" in answer or "expiré" in answer, answer
    assert core.sent(chat_id=bob, method="editMessageText") == []
    assert all("clic" not in plain_words(m["text"]) for m in core.messages(bob))
    # Alice's own button still works, and the id carries no count of other searches.
    await feed(app, core.press(theirs, stolen, alice))
    assert "Page 2/" in plain_words(core.sent(chat_id=alice, method="editMessageText")[0].text)
    assert len(stolen.split(":")[1]) == 16


async def test_a_huge_deep_link_payload_is_cut_like_a_search(core, app) -> None:
    alice = core.user("Alice")
    payloads = ["q_" + "a" * 4000, "q_" + "travail_du_clic_" * 250]
    payloads.append("q_" + "arocm_netflx_" * 300)  # no result, a long suggestion
    for payload in payloads:
        mark = core.mark()
        await feed(app, core.command(alice, f"/start {payload}"))
        answers = [plain_words(c.text) for c in core.sent(alice, "sendMessage") if c.seq > mark]
        assert answers, payload[:20]
        assert not any("Désolé" in a for a in answers), payload[:20]
        assert any("256" in a for a in answers)  # said it was cut, as /search does
        assert all(len(a) < 1500 for a in answers)
        if "travail" in payload:
            assert "Casilli" in answers[-1]
        if "arocm" in payload:
            suggestion = answers[-1].split("Vouliez-vous dire « ")[1].split(" »")[0]
            assert suggestion.startswith("arcom netflix arcom")
            assert len(suggestion) <= 100
    await feed(app, core.command(alice, "/start q____"))
    assert "/search travail du clic" in replies(core, alice)[-1]  # nothing to search: welcome


async def test_buttons_under_an_inline_message_are_answered_as_expired(core, app, caplog) -> None:
    # A result shared with inline mode carries no chat: a press on a button under it must
    # be answered, never reach a handler that needs the chat.
    alice = core.user("Alice")
    await feed(app, core.command(alice, "/search travail du clic"))
    [call] = core.sent(chat_id=alice, method="sendMessage")
    for data in ("st:0", "src:1", "ul:0", "u:1", "q:AAAAAAAAAAAAAAAA:1"):
        press = core.press(call, data, alice)
        query = press["callback_query"]
        del query["message"]
        query["inline_message_id"] = "shared-by-inline-mode"
        await feed(app, press)
        assert "expiré" in core.callback_answer(query["id"])["text"], data
    assert "error while handling" not in caplog.text


async def test_forged_page_buttons_never_rewrite_a_message_that_has_none(core, app) -> None:
    # In a group, anyone may send a callback query "from" any bot message with any data:
    # a forged st:0 on /help would edit it into /status, src:0 into /sources.
    alice, mallory = core.user("Alice"), core.user("Mallory")
    group = core.group("Lecteurs")
    await feed(app, core.command(group, "/help", alice))
    [help_message] = core.sent(chat_id=group, method="sendMessage")
    help_id = help_message.result["message_id"]
    before = core.messages(group)[-1]
    assert before["message_id"] == help_id
    await feed(app, core.command(group, "/search travail du clic", alice))
    listing = core.sent(chat_id=group, method="sendMessage")[-1]  # a message with a button
    for data in ("st:0", "src:0", "src:1", "ul:0", "u:1", "u:1:0"):
        for message in (help_message, listing):
            press = core.press(message, data, mallory)
            await feed(app, press)
            answer = core.callback_answer(press["callback_query"]["id"])
            assert "n’appartient pas à ce message" in answer["text"], data
    assert core.sent(chat_id=group, method="editMessageText") == []
    [after] = [m for m in core.messages(group) if m["message_id"] == help_id]
    assert after == before
    # The buttons the bot put on a message still work, for anyone in the group.
    forward = _button(listing, "▶")
    await feed(app, core.press(listing, forward, mallory))
    [edit] = core.sent(chat_id=group, method="editMessageText")
    assert "Page 2/" in plain_words(edit.text)


def _button(call, label: str) -> str:
    [data] = [b["callback_data"] for b in call.buttons() if b["text"] == label]
    return data


async def test_a_search_of_one_page_saves_nothing_behind_buttons(core, app) -> None:
    from datetime import UTC, datetime, timedelta

    alice = core.user("Alice")
    store = services_of(app).store
    await feed(app, core.command(alice, "/search arcom"))
    [call] = core.sent(chat_id=alice, method="sendMessage")
    assert "Arcom" in call.text
    assert call.buttons() == []
    assert await store.forget_queries(datetime.now(UTC) + timedelta(days=1)) == 0
    await feed(app, core.command(alice, "/search travail"))  # more than a page: ▶
    assert core.sent(chat_id=alice, method="sendMessage")[-1].buttons()
    assert await store.forget_queries(datetime.now(UTC) + timedelta(days=1)) == 1
