"""Planning into the outbox and draining it through the fake Bot API, within the limits."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.planning import in_quiet_hours, plan_deliveries
from bot.delivery.sender import FLOOD_MARGIN, Sender
from bot.models import Chat, Passage, Post, Subscription
from bot.polling.poller import store_and_plan
from bot.ratelimit import FloodGate
from bot.store import Store
from bot.telegram.send import make_send
from tests.conftest import gated_bot, known
from tests.fakes import FakeBotAPI, bad_request, plain_text, retry_after
from tests.fakes.clock import VirtualClock

# The store under these tests runs on both engines.
BACKENDS = ("sqlite", "postgres")

PARIS = ZoneInfo("Europe/Paris")


def _post(title: str, text: str = "") -> Post:
    return Post(source="Numerama", title=title, passages=(Passage("paragraph", text),), guid=title)


def test_plan_follows_filters_and_gives_one_delivery_per_chat() -> None:
    subs = [
        Subscription(1, chat_id=10, source_id=1, source="Numerama", filters=""),
        Subscription(2, chat_id=10, source_id=None, source=None, filters=""),
        Subscription(3, chat_id=20, source_id=1, source="Numerama", filters="-bitcoin"),
        Subscription(4, chat_id=30, source_id=1, source="Numerama", filters='+"travail du clic"'),
        Subscription(5, chat_id=40, source_id=1, source="Numerama", filters="", digest=True),
    ]
    posts = [
        (100, _post("Le Bitcoin s’effondre")),
        (101, _post("Les travailleurs", "Le travail du clic")),
    ]
    owed = sorted(plan_deliveries(posts, subs))
    assert owed == [
        (10, 100, "push"),
        (10, 101, "push"),
        (20, 101, "push"),
        (30, 101, "push"),
        (40, 100, "digest"),
        (40, 101, "digest"),
    ]


async def test_new_posts_and_their_deliveries_are_one_transaction(store: Store) -> None:
    source = await store.configure_source("Numerama", "https://x.invalid/feed")
    await store.upsert_chat(10, type="private")
    await store.upsert_chat(20, type="private")
    await store.subscribe(10, source, "")
    await store.subscribe(20, None, "-bitcoin")
    summary = await store_and_plan(store, source, [_post("A"), _post("bitcoin B")])
    assert summary.planned == 3
    pending = await store.pending()
    assert sorted((d.chat_id, d.title) for d in pending) == [
        (10, "A"),
        (10, "bitcoin B"),
        (20, "A"),
    ]
    again = await store_and_plan(store, source, [_post("A")])
    assert again.planned == 0
    assert len(await store.pending()) == 3


def test_quiet_hours_span_midnight() -> None:
    chat = Chat(1, "private", quiet_start="22:00", quiet_end="07:00")
    night = datetime(2026, 1, 5, 23, 30, tzinfo=PARIS)
    morning = datetime(2026, 1, 5, 7, 0, tzinfo=PARIS)
    assert in_quiet_hours(chat, night, PARIS)
    assert not in_quiet_hours(chat, morning, PARIS)
    assert not in_quiet_hours(Chat(1, "private"), night, PARIS)


async def _fan_out(store: Store, chats: list[int], titles: list[str]) -> None:
    source = await store.configure_source("Numerama", "https://x.invalid/feed")
    for chat in chats:
        await store.upsert_chat(chat, type="private" if chat > 0 else "supergroup")
        await store.subscribe(chat, source, "")
    await store_and_plan(store, source, [_post(t) for t in titles])


async def _drain(store: Store, core: FakeBotAPI, clock: VirtualClock) -> Sender:
    """Send everything owed, the flood gate, the sender and the API all on `clock`."""
    core.clock = clock
    gate = FloodGate(margin=FLOOD_MARGIN, clock=clock)
    async with clock.running(), gated_bot(core, gate, sleep=clock.sleep) as bot:
        sender = Sender(store, make_send(bot), tz=PARIS, gate=gate, sleep=clock.sleep)
        while await store.pending():
            await sender.drain_once()
            await sender.wait_idle()
    return sender


@pytest.mark.backends("sqlite")  # timing of sends and fetches, not storage
async def test_fan_out_to_100_chats_respects_the_flood_limits(store: Store, core) -> None:
    users = [core.user(f"U{n}") for n in range(100)]
    group = core.supergroup("Lecteurs")
    await _fan_out(store, [u.id for u in users] + [group.id], ["Un", "Deux"])
    sender = await _drain(store, core, VirtualClock())
    sends = core.sent(method="sendMessage")
    assert sender.sent == len(sends) == 202
    times = sorted(call.time for call in sends)
    for index in range(len(times) - 30):
        assert times[index + 30] - times[index] >= 1.0, "more than 30 sends in a second"
    by_chat: dict[object, list[float]] = {}
    for call in sends:
        by_chat.setdefault(call.chat_id, []).append(call.time)
    for stamps in by_chat.values():
        assert all(b - a >= 0.99 for a, b in pairwise(stamps))
    assert Counter(call.chat_id for call in sends)[group.id] == 2
    assert "Numerama" in plain_text(sends[0].text)


async def test_blocked_chat_is_deactivated_and_others_still_receive(store: Store, core) -> None:
    alice, bob = core.user("Alice"), core.user("Bob")
    core.block(alice)
    await _fan_out(store, [alice.id, bob.id], ["Un"])
    await _drain(store, core, VirtualClock())
    assert known(await store.chat(alice.id)).active is False
    assert len(core.sent(chat_id=bob, method="sendMessage")) == 1
    assert await store.subscriptions(alice.id)  # kept for when they come back


async def test_retry_after_waits_and_keeps_the_message(store: Store, core) -> None:
    alice = core.user("Alice")
    core.fail_next(retry_after(1), chat_id=alice.id, method="sendMessage")
    await _fan_out(store, [alice.id], ["Un"])
    clock = VirtualClock()
    started = clock.now
    await _drain(store, core, clock)
    [refused, sent] = core.sent(chat_id=alice, method="sendMessage", include_failed=True)
    assert sent.time - refused.time >= 1.0  # the second try waited out the RetryAfter
    assert len(core.sent(chat_id=alice, method="sendMessage")) == 1
    assert clock.now - started >= 1.0


async def test_migrated_group_gets_the_post_at_its_new_id(store: Store, core) -> None:
    group = core.group("Ancien")
    await _fan_out(store, [group.id], ["Un"])
    new_id = core.migrate(group).id
    await _drain(store, core, VirtualClock())
    assert len(core.sent(chat_id=new_id, method="sendMessage")) == 1
    assert await store.chat(group.id) is None
    assert (await store.subscriptions(new_id))[0].source == "Numerama"


async def test_refused_html_is_resent_as_plain_text(store: Store, core) -> None:
    alice = core.user("Alice")
    await _fan_out(store, [alice.id], ["Un"])
    core.fail_next(
        bad_request("can't parse entities: unsupported start tag"),
        chat_id=alice.id,
        method="sendMessage",
    )
    await _drain(store, core, VirtualClock())
    [call] = core.sent(chat_id=alice, method="sendMessage")
    assert "parse_mode" not in call.params
    assert plain_text(call.text).startswith("Un")


def _window(now: datetime, start_hours: int, end_hours: int) -> tuple[str, str]:
    local = now.astimezone(PARIS)
    start = (local + timedelta(hours=start_hours)).strftime("%H:%M")
    end = (local + timedelta(hours=end_hours)).strftime("%H:%M")
    return start, end


async def test_quiet_hours_hold_then_release_as_one_message(store: Store, core) -> None:
    alice, bob = core.user("Alice"), core.user("Bob")
    await _fan_out(store, [alice.id, bob.id], ["Un", "Deux", "Trois"])
    start, end = _window(datetime.now(UTC), -1, 1)
    await store.update_chat(alice.id, quiet_start=start, quiet_end=end)
    gate = FloodGate(margin=FLOOD_MARGIN)
    async with gated_bot(core, gate) as bot:
        sender = Sender(store, make_send(bot), tz=PARIS, gate=gate)
        await sender.drain_once()
        await sender.wait_idle()
    assert core.sent(chat_id=alice, method="sendMessage") == []  # held
    assert len(core.sent(chat_id=bob, method="sendMessage")) == 1
    # The quiet hours are over: what was held comes as one message.
    start, end = _window(datetime.now(UTC), 1, 2)
    await store.update_chat(alice.id, quiet_start=start, quiet_end=end)
    await _drain(store, core, VirtualClock())
    [held] = core.sent(chat_id=alice, method="sendMessage")
    text = plain_text(held.text)
    assert "3 articles" in text
    assert "Un" in text
    assert "Trois" in text
    assert await store.pending() == []


async def test_link_previews_follow_the_chat_setting(store: Store, core) -> None:
    alice, bob = core.user("Alice"), core.user("Bob")
    await _fan_out(store, [alice.id, bob.id], ["Un"])
    await store.update_chat(alice.id, link_previews=1)
    await _drain(store, core, VirtualClock())
    [to_alice] = core.sent(chat_id=alice, method="sendMessage")
    [to_bob] = core.sent(chat_id=bob, method="sendMessage")
    assert to_alice.params["link_preview_options"] == {"is_disabled": False}
    assert to_bob.params["link_preview_options"] == {"is_disabled": True}
