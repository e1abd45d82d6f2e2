"""The README's « Mettre Relais en service », followed literally in a fresh folder: its .env
and data/sources.toml, `python -m bot run`, /start, /id, ADMIN_IDS and a restart, against
the fake Bot API (instead of api.telegram.org) and a local feed (instead of Numerama's)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.bot_process import BotProcess, start_bot
from tests.conftest import ROOT, make_rss
from tests.fakes import FakeBotAPI, FakeBotServer, plain_words
from tests.fakes.feed_server import FeedServer

pytestmark = pytest.mark.e2e

README_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
README_ID = "123456789"


def section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## Mettre Relais en service\n", 1)[1].split("\n## ", 1)[0]


def blocks(text: str, language: str) -> list[str]:
    """The fenced blocks of `language` in `text`, unindented."""
    found = re.findall(rf"^( *)```{language}\n(.*?)^\1```", text, re.M | re.S)
    return [
        "".join(line[len(indent) :] + "\n" for line in body.splitlines()) for indent, body in found
    ]


async def start(folder: Path) -> BotProcess:
    """`python -m bot run` in `folder`, with nothing but its .env (as `make run` does)."""
    return await start_bot(None, folder)


async def test_the_readme_set_up_gives_a_running_bot(core: FakeBotAPI, tmp_path: Path) -> None:
    env_block, admin_block = blocks(section(), "ini")
    [sources_block] = blocks(section(), "toml")
    assert README_TOKEN in env_block
    assert f"ADMIN_IDS={README_ID}" in admin_block
    folder = tmp_path / "relais"
    (folder / "data").mkdir(parents=True)
    async with FeedServer() as feeds, FakeBotServer(core) as api:
        feeds.set("/feed/", make_rss("Numerama", [{"title": "Un article", "guid": "1"}]))
        (folder / ".env").write_text(
            env_block.replace(README_TOKEN, core.token) + f"TELEGRAM_API_URL={api.url}\n",
            encoding="utf-8",
        )
        sources = sources_block.replace("https://www.numerama.com/feed/", feeds.url("/feed/"))
        assert sources != sources_block
        (folder / "data" / "sources.toml").write_text(sources, encoding="utf-8")
        operator = core.user("Camille")

        process = await start(folder)
        try:
            core.command(operator, "/start")
            welcome = await core.wait_for(method="sendMessage", chat_id=operator, within=60)
            mark = core.mark()
            core.command(operator, "/id")
            answer = await core.wait_for(method="sendMessage", chat_id=operator, since=mark)
            mark = core.mark()
            core.command(operator, "/export")
            refused = await core.wait_for(method="sendMessage", chat_id=operator, since=mark)
        finally:
            _, log = await process.stop()
        assert "Numerama" in plain_words(welcome.text), log
        user_id = re.search(r"Votre identifiant Telegram : (\d+)", plain_words(answer.text))
        assert user_id is not None, answer.text
        assert f"/start from Telegram user {user_id[1]} in chat {user_id[1]}" in log
        assert "réservée aux administrateurs" in plain_words(refused.text)
        assert feeds.seen("/feed/"), log  # the sources file was polled
        assert (folder / "data" / "relais.sqlite3").is_file()

        with (folder / ".env").open("a", encoding="utf-8") as env:
            env.write(admin_block.replace(README_ID, user_id[1]))
        process = await start(folder)
        try:
            mark = core.mark()
            core.command(operator, "/export")
            export = await core.wait_for(
                lambda call: call.method != "sendChatAction",
                chat_id=operator,
                since=mark,
                within=60,
            )
        finally:
            _, log = await process.stop()
    assert export.method == "sendDocument", (export, log)
    assert "Traceback" not in log
