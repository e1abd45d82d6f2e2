"""End to end: what an operator reads in `python -m bot run`'s log at INFO: one line when it
cannot start, and no scheduler chatter while it runs."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from tests.bot_process import start_bot
from tests.fakes import FakeBotAPI, FakeBotServer

pytestmark = pytest.mark.e2e


async def run_until_exit(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """`python -m bot run` with `env`, until it exits by itself; its code and log."""
    return await (await start_bot(env, cwd)).wait(within=60)


def closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_wrong_token_is_one_line_without_traceback(
    core: FakeBotAPI, tmp_path: Path
) -> None:
    wrong = "5550000002:AAWrongTokenTheFakeRejects_0123456789"
    async with FakeBotServer(core) as server:
        env = {"BOT_TOKEN": wrong, "TELEGRAM_API_URL": server.url, "LOG_LEVEL": "INFO"}
        env["DATABASE_PATH"] = str(tmp_path / "relais.sqlite3")
        code, errors = await run_until_exit(env, tmp_path)
    assert code == 1, errors
    assert "Traceback" not in errors
    [line] = [line for line in errors.splitlines() if " ERROR " in line]
    assert "Telegram refused BOT_TOKEN: check it with @BotFather" in line
    assert "telegram.ext" not in errors


async def test_an_unreachable_api_is_one_line_without_traceback(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    env = {"BOT_TOKEN": "5550000003:AAnyTokenNobodyAnswers_0123456789", "TELEGRAM_API_URL": url}
    env["DATABASE_PATH"] = str(tmp_path / "relais.sqlite3")
    code, errors = await run_until_exit(env, tmp_path)
    assert code == 1, errors
    assert "Traceback" not in errors
    [line] = [line for line in errors.splitlines() if " ERROR " in line]
    assert f"cannot reach the Bot API at {url}" in line


async def test_at_debug_the_traceback_is_still_there(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    env = {"BOT_TOKEN": "5550000003:AAnyTokenNobodyAnswers_0123456789", "TELEGRAM_API_URL": url}
    env |= {"DATABASE_PATH": str(tmp_path / "relais.sqlite3"), "LOG_LEVEL": "DEBUG"}
    code, errors = await run_until_exit(env, tmp_path)
    assert code == 1, errors
    assert "Traceback" in errors
    assert "ConnectError" in errors
    assert f"cannot reach the Bot API at {url}" in errors


async def log_of_a_run(server: FakeBotServer, core: FakeBotAPI, tmp_path: Path, level: str) -> str:
    """The log of a bot at `level`, stopped 4 s after it is up: the poll job (0.5 s) and the
    digests job (2 s, then every 20 s) have each run once by then."""
    env = {"BOT_TOKEN": core.token, "TELEGRAM_API_URL": server.url, "LOG_LEVEL": level}
    env["DATABASE_PATH"] = str(tmp_path / f"{level}.sqlite3")
    process = await start_bot(env, tmp_path)
    try:
        await process.logged("Relais is up")
        await asyncio.sleep(4)
    finally:
        _, log = await process.stop(within=15)
    return log


async def test_scheduler_runs_are_logged_at_debug_only(core: FakeBotAPI, tmp_path: Path) -> None:
    async with FakeBotServer(core) as server:
        info = await log_of_a_run(server, core, tmp_path, "INFO")
        debug = await log_of_a_run(server, core, tmp_path, "DEBUG")
    assert "Running job" not in info, info
    assert "executed successfully" not in info, info
    assert "INFO apscheduler" not in info
    assert "Relais is up" in info
    # The runs happened: at DEBUG they are there, labelled DEBUG.
    assert 'DEBUG apscheduler.executors.default: Running job "digests' in debug
    assert "executed successfully" in debug
