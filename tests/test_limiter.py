"""One flood gate for everything the bot sends: replies, edits, pushes, digests, admin notes."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

from telegram import Update

from bot.config import Settings
from bot.delivery.sender import FLOOD_MARGIN
from bot.models import Passage, Post
from bot.polling.poller import store_and_plan
from bot.ratelimit import FloodGate
from bot.store import Store
from bot.telegram.limiter import ADMITTED, GateLimiter
from bot.telegram.services import services_of
from tests.conftest import gated_bot, running
from tests.fakes import FakeBotAPI, plain_text, retry_after


class Clock:
    """A monotonic clock that moves only when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _limited(core: FakeBotAPI, clock: Clock):
    gate = FloodGate(clock=clock)
    bot = gated_bot(core, gate)
    limiter = bot.rate_limiter
    assert isinstance(limiter, GateLimiter)
    limiter._sleep = clock.sleep
    return bot, gate


async def test_a_second_message_to_a_chat_waits_its_second(core: FakeBotAPI) -> None:
    alice, bob = core.user("Alice"), core.user("Bob")
    clock = Clock()
    bot, _ = _limited(core, clock)
    async with bot:
        await bot.send_message(alice.id, "un")
        await bot.send_message(bob.id, "deux")
        assert sum(clock.slept) < 0.1  # another chat only waits the overall spacing
        await bot.send_message(alice.id, "trois")
    assert sum(clock.slept) >= 1.0
    assert len(core.sent(method="sendMessage")) == 3


async def test_query_answers_are_not_chat_messages(core: FakeBotAPI) -> None:
    alice = core.user("Alice")
    clock = Clock()
    bot, gate = _limited(core, clock)
    async with bot:
        await bot.send_message(alice.id, "un")
        press = core.press(core.sent(method="sendMessage")[0], "x", alice)
        await bot.answer_callback_query(press["callback_query"]["id"], "ok")
        await bot.answer_inline_query(core.inline_query(alice, "q")["inline_query"]["id"], [])
        await bot.send_chat_action(alice.id, "typing")
    assert clock.slept == []
    assert len(gate) == 1


async def test_an_admitted_send_is_not_held_twice(core: FakeBotAPI) -> None:
    alice = core.user("Alice")
    clock = Clock()
    bot, gate = _limited(core, clock)
    async with bot:
        gate.record(alice.id)  # the sender cleared it with the gate
        await bot.send_message(alice.id, "push", rate_limit_args=ADMITTED)
    assert clock.slept == []
    assert gate.delay(alice.id) > 0.9  # recorded once, by the sender


async def test_retry_after_pauses_everyone_and_the_reply_still_arrives(core: FakeBotAPI) -> None:
    alice, bob = core.user("Alice"), core.user("Bob")
    clock = Clock()
    bot, gate = _limited(core, clock)
    core.fail_next(retry_after(7), chat_id=alice.id, method="sendMessage")
    async with bot:
        await bot.send_message(alice.id, "réponse")
        assert sum(clock.slept) >= 7
        before = clock.now
        gate.pause(3)
        await bot.send_message(bob.id, "autre")
        assert clock.now - before >= 3  # a pause holds every chat
    assert [c.text for c in core.sent(method="sendMessage")] == ["réponse", "autre"]


async def test_replies_and_a_fan_out_together_keep_every_limit(
    core: FakeBotAPI, tmp_path: Path
) -> None:
    """55 users' commands and a 5-chat fan-out at once (60 sends were seen in a second)."""
    users = [core.user(f"Lecteur {n}") for n in range(55)]
    followers = users[:5]
    database = tmp_path / "relais.sqlite3"
    async with Store.open(database) as store:
        source = await store.configure_source("Numerama", "https://x.invalid/feed")
        for user in followers:
            await store.upsert_chat(user.id, type="private")
            await store.subscribe(user.id, source, "")
    settings = Settings(
        bot_token=core.token,
        database_path=database,
        telegram_api_url="http://fake.invalid",
        sources_file=tmp_path / "none.toml",
    )
    post = Post("Numerama", "Un article pour cinq", (Passage("paragraph", "Texte."),), guid="5")
    async with running(settings, core, gate=FloodGate(margin=FLOOD_MARGIN)) as app:
        services = services_of(app)
        mark = core.mark()

        async def fan_out() -> None:
            await store_and_plan(services.store, source, [post])
            services.sender.wake.set()

        async def command(user) -> None:
            await app.process_update(Update.de_json(core.command(user, "/start"), app.bot))

        await asyncio.gather(fan_out(), *(command(user) for user in users))
        for user in followers:
            await core.wait_for(lambda c: "cinq" in c.text, chat_id=user, since=mark, within=15)
    sends = [call for call in core.sent(method="sendMessage") if call.seq > mark]
    assert len(sends) == 60
    assert sum("cinq" in plain_text(call.text) for call in sends) == 5
    times = sorted(call.time for call in sends)
    for first, thirty_first in zip(times, times[30:], strict=False):
        assert thirty_first - first >= 1.0, "more than 30 sends within one second"
    by_chat: dict[object, list[float]] = defaultdict(list)
    for call in sends:
        by_chat[call.chat_id].append(call.time)
    for chat, stamps in by_chat.items():
        assert all(b - a >= 1.0 for a, b in pairwise(stamps)), f"chat {chat}: two within 1 s"
