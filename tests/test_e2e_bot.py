"""End to end: `python -m bot run` as its own process, polling the fake Bot API over HTTP."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.polling.loader import load_inputs
from bot.store import Store
from tests import bot_process
from tests.bot_process import BotProcess
from tests.fakes import FakeBotAPI, FakeBotServer, FakeUser, SentCall, plain_text
from tests.fakes.demo import prepare_database
from tests.fakes.rss import make_rss

pytestmark = pytest.mark.e2e


async def start_bot(
    server: FakeBotServer,
    core: FakeBotAPI,
    database: Path,
    cwd: Path,
    token: str | None = None,
    **settings: str,
) -> BotProcess:
    """The bot as a separate process with the three settings it needs, logging everything;
    `settings` adds others (ADMIN_IDS...)."""
    env = {
        "BOT_TOKEN": token or core.token,
        "TELEGRAM_API_URL": server.url,
        "DATABASE_PATH": str(database),
        # At DEBUG, python-telegram-bot logs its API URLs, which carry the token.
        "LOG_LEVEL": "DEBUG",
        **settings,
    }
    return await bot_process.start_bot(env, cwd)


def pension_items(count: int) -> list[dict[str, str]]:
    """Posts holding « réforme », « retraites » and « sénat », mostly scattered, a third of
    them worded alike: more than one shortlist of them."""
    rng = random.Random(18)
    filler = "le gouvernement annonce une étape dans le débat public avec des syndicats".split()
    items = []
    for n in range(count):
        if n % 3 == 0:
            text = (
                "La réforme annoncée hier par le gouvernement divise les syndicats, et les "
                "retraites des fonctionnaires seront débattues la semaine prochaine au sénat."
            )
        else:
            words = ["réforme des retraites"] if n % 3 == 1 else ["réforme", "retraites", "sénat"]
            out: list[str] = []
            for word in words:
                out += [rng.choice(filler) for _ in range(5 + rng.randrange(12))] + [word]
            text = " ".join(out).capitalize() + "."
        items.append(
            {
                "title": f"Dossier {n}",
                "link": f"https://example.org/retraites/{n}",
                "guid": f"retraites-{n}",
                "description": text,
                "pubDate": f"Mon, {1 + n % 28:02d} Jan 2024 {n % 24:02d}:00:00 +0100",
            }
        )
    return items


async def page_through(core: FakeBotAPI, user: FakeUser, query: str) -> list[tuple[str, list[str]]]:
    """Each page the bot shows for `query`, pressing ▶ while there is one: its header's
    count and the titles of the posts shown."""
    core.user_message(user, query)
    reply = await core.wait_for(method="sendMessage", chat_id=user, within=60)
    shown: SentCall = reply
    pages = []
    while True:
        text = plain_text(shown.text)
        count = re.search(r"\((\d+\+?)\)", text)
        assert count is not None, text
        pages.append((count.group(1), re.findall(r"^\d+\. (.+)$", text, re.MULTILINE)))
        forward = [b for b in shown.buttons() if b["text"] == "▶"]
        if not forward:
            return pages
        mark = core.mark()
        core.press(reply, forward[0]["callback_data"], user)
        shown = await core.wait_for(method="editMessageText", since=mark, within=30)


async def test_search_and_page_through_a_real_process(core: FakeBotAPI, tmp_path: Path) -> None:
    database = tmp_path / "relais.sqlite3"
    await prepare_database(database)
    feed = tmp_path / "retraites.xml"
    feed.write_bytes(make_rss("Retraites", pension_items(90)))
    async with Store.open(database) as store:
        await load_inputs(
            store, [str(feed)], tz=ZoneInfo("Europe/Paris"), today=datetime.now(UTC).date()
        )
    async with FakeBotServer(core) as server:
        process = await start_bot(server, core, database, tmp_path)
        log = ""
        try:
            alice = core.user("Alice")
            core.command(alice, "/search travail du clic")
            reply = await core.wait_for(method="sendMessage", chat_id=alice, within=60)
            assert "Casilli" in plain_text(reply.text)
            [forward] = reply.buttons()
            assert forward["text"] == "▶"

            mark = core.mark()
            core.press(reply, forward["callback_data"], alice)
            edit = await core.wait_for(method="editMessageText", since=mark, within=20)
            assert "Page 2/" in plain_text(edit.text)
            assert edit.buttons()[0]["text"] == "◀"

            # Issue 18: page after page, past the first shortlist (50 posts, 10 pages), a
            # sentence and a terse query show each post once and skip none.
            sentence = "je cherche un article sur la réforme des retraites au sénat"
            for number, query in enumerate((sentence, "réforme retraites")):
                pages = await page_through(core, core.user(f"Reader{number}"), query)
                shown = [title for _, titles in pages for title in titles]
                assert len(shown) == len(set(shown)), (query, pages)
                assert len(pages) > 10, (query, pages)
                assert {f"Dossier {n}" for n in range(90)} <= set(shown), (query, pages)
                # The last page counts them all; « + » for the sentence, whose subsets of
                # words hold more posts than were ranked, below the score floor.
                counts = {f"{len(shown)}", f"{len(shown)}+"} if query == sentence else set()
                assert pages[-1][0] in counts | {f"{len(shown)}"}, (query, pages)
            # Inline mode pages by offset: the same posts, each once.
            reader = core.user("InlineReader")
            offset, inline_titles = "", list[str]()
            for _ in range(30):  # 10 a page: 91 posts end well before
                mark = core.mark()
                asked = core.inline_query(reader, "réforme retraites", offset)
                await core.wait_for(method="answerInlineQuery", since=mark, within=20)
                answer = core.inline_answer(asked["inline_query"]["id"])
                assert answer is not None
                inline_titles += [result["title"] for result in answer["results"]]
                offset = answer["next_offset"]
                # The last answer has no next offset (the fake over HTTP records « [] »).
                if not offset.isdigit():
                    break
            assert not offset.isdigit(), inline_titles
            assert len(inline_titles) == len(set(inline_titles)), inline_titles
            assert len(inline_titles) == len(shown), inline_titles  # titles cut at 100 there
            assert {f"Dossier {n}" for n in range(90)} <= set(inline_titles), inline_titles
        except TimeoutError as exc:
            raise AssertionError(f"{exc}\n--- bot log ---\n{(await process.stop())[1]}") from exc
        finally:
            # Killed (-9) if SIGTERM has not ended it in 15 s (a getUpdates never cut short).
            code, log = await process.stop(within=15)
    assert code == 0, log
    assert "DEBUG telegram" in log
    assert secret(core.token) not in log
    assert "Traceback" not in log


def secret(token: str) -> str:
    """The half of a token that grants control of the bot."""
    return token.split(":", 1)[1]


async def test_a_rejected_token_never_reaches_the_log(core: FakeBotAPI, tmp_path: Path) -> None:
    wrong = "5550000002:AAWrongTokenTheFakeRejects_0123456789"
    async with FakeBotServer(core) as server:
        process = await start_bot(server, core, tmp_path / "r.sqlite3", tmp_path, token=wrong)
        code, log = await process.wait(within=60)
    assert code == 1, log
    assert "InvalidToken" in log
    assert "Telegram refused BOT_TOKEN" in log
    assert "5550000002:***" in log
    assert secret(wrong) not in log
