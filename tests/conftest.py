"""Shared fixtures: paths to the repository's seed and test data, and a fresh store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from telegram.constants import ParseMode
from telegram.ext import Application, Defaults, ExtBot

from bot.config import Settings
from bot.ratelimit import FloodGate
from bot.store import Store
from bot.telegram.app import build_application
from bot.telegram.limiter import GateLimiter
from tests.fakes import FakeBotAPI, FakeRequest, check_html
from tests.fakes.rss import make_rss
from tests.fakes.telegram_html import MAX_CAPTION_LENGTH, parse_html, utf16_len

__all__ = ["DATA", "ROOT", "SEED", "gated_bot", "make_rss", "running"]

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_caedc24fabec8c83.txt"
DATA = ROOT / "tests" / "data"


@pytest.fixture
def seed_path() -> Path:
    """The Movim dump the project started from."""
    return SEED


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A real, empty SQLite store under tmp_path."""
    async with Store.open(tmp_path / "relais.sqlite3") as opened:
        yield opened


@pytest.fixture
def core() -> Iterator[FakeBotAPI]:
    """A fake Bot API; afterwards, every message and caption the bot sent is checked as HTML."""
    fake = FakeBotAPI()
    yield fake
    assert fake.crashes == []
    problems = []
    for call in fake.sent(include_failed=True):
        if not call.params.get("parse_mode"):
            continue
        if call.method in ("sendMessage", "editMessageText"):
            found = check_html(call.text)
        elif "caption" in call.params:
            caption = str(call.params["caption"])
            found = check_html(caption, MAX_CAPTION_LENGTH)
            if utf16_len(parse_html(caption).text) > MAX_CAPTION_LENGTH:
                found.append("Caption is over 1024 UTF-16 code units")
        else:
            continue
        if found:
            problems.append((call.method, call.text[:200], found))
        for button in call.buttons():
            if "callback_data" in button:
                assert len(button["callback_data"].encode()) <= 64, button
    assert problems == [], problems


@asynccontextmanager
async def running(
    settings: Settings, core: FakeBotAPI, *, gate: FloodGate | None = None, **options: Any
) -> AsyncIterator[Application]:
    """Relais built as `run` builds it, on the in-process fake, through run_polling's lifecycle.

    `options` go to build_application (e.g. address_policy). Its flood gate keeps
    Telegram's overall and group limits but lets a chat receive replies back to back, so
    conversations are not paced a second apart; tests of the pacing pass the real gate
    (`FloodGate(margin=FLOOD_MARGIN)`).
    """
    if gate is None:
        gate = FloodGate(per_chat_interval=0.0)
    application = build_application(settings, request=FakeRequest(core), gate=gate, **options)
    try:
        async with application:
            await application.post_init(application)
            try:
                yield application
            finally:
                # Also when the test failed: a sender left running would hang the teardown.
                await application.post_stop(application)
    finally:
        await application.post_shutdown(application)


def gated_bot(core: FakeBotAPI, gate: FloodGate) -> ExtBot:
    """A bot like the application's (HTML by default, its rate limiter on `gate`), on the
    in-process fake."""
    return ExtBot(
        core.token,
        base_url="http://fake.invalid/bot",
        request=FakeRequest(core),
        defaults=Defaults(parse_mode=ParseMode.HTML),
        rate_limiter=GateLimiter(gate),
    )
