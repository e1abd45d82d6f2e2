"""End to end: one chat's flood against the bot as a process; other chats still answered."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import bot_process
from tests.bot_process import BotProcess
from tests.fakes import FakeBotAPI, FakeBotServer
from tests.fakes.demo import prepare_database

pytestmark = pytest.mark.e2e

FLOOD = 300


async def start_bot_logging_to(
    server: FakeBotServer, core: FakeBotAPI, database: Path, log: Path
) -> BotProcess:
    """The bot as its own process, its log in `log`."""
    env = {
        "BOT_TOKEN": core.token,
        "TELEGRAM_API_URL": server.url,
        "DATABASE_PATH": str(database),
        "LOG_LEVEL": "INFO",
    }
    return await bot_process.start_bot(env, log.parent, log=log)


async def test_one_chat_flooding_never_holds_another_chats_reply(
    core: FakeBotAPI, tmp_path: Path
) -> None:
    database = tmp_path / "relais.sqlite3"
    await prepare_database(database)
    alice, bob = core.user("Alice"), core.user("Bob")
    log_file = tmp_path / "bot.log"
    async with FakeBotServer(core) as server:
        process = await start_bot_logging_to(server, core, database, log_file)
        try:
            core.command(alice, "/help")
            await core.wait_for(method="sendMessage", chat_id=alice, within=60)  # bot is up
            for _ in range(FLOOD):
                core.command(alice, "/help")
            # The bot has taken the flood in (its replies to Alice started) before Bob asks.
            mark = core.mark()
            await core.wait_for(method="sendMessage", chat_id=alice, since=mark, within=60)
            core.command(bob, "/help")
            await core.wait_for(method="sendMessage", chat_id=bob, within=120)
            answered_alice = len(core.sent(chat_id=alice, method="sendMessage"))
        finally:
            code, log = await process.stop()
    # Alice's replies go at one a second; Bob was answered while her backlog was still
    # there (side by side, all 256 update slots waited on her pace: Bob came after ~256).
    assert answered_alice < 10, (answered_alice, log[-3000:])
    assert code == 0, log[-3000:]
    assert "floods the bot" in log
    assert "Traceback" not in log
    assert "never retrieved" not in log
