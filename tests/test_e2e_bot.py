"""End to end: `python -m bot run` as its own process, polling the fake Bot API over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import bot_process
from tests.bot_process import BotProcess
from tests.fakes import FakeBotAPI, FakeBotServer, plain_text
from tests.fakes.demo import prepare_database

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


async def test_search_and_page_through_a_real_process(core: FakeBotAPI, tmp_path: Path) -> None:
    database = tmp_path / "relais.sqlite3"
    await prepare_database(database)
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
