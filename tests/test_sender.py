"""The sender's failure handling: bounded retries with growing spacing, then a give-up."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.compose import Outgoing
from bot.delivery.sender import MAX_ATTEMPTS, MAX_OWED_PUSHES, Sender, SendResult, retry_delay
from bot.models import Passage, Post
from bot.polling.poller import store_and_plan
from bot.ratelimit import FloodGate
from bot.store import Store
from bot.telegram.services import services_of
from tests.conftest import fake_api_settings, known, running
from tests.fakes import FakeBotAPI, plain_words

# The store under these tests runs on both engines.
BACKENDS = ("sqlite", "postgres")

PARIS = ZoneInfo("Europe/Paris")
STEP = timedelta(seconds=15)


class Clock:
    """Wall-clock time that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def _post(title: str) -> Post:
    return Post(
        source="Numerama", title=title, passages=(Passage("paragraph", "Texte."),), guid=title
    )


async def _owe(store: Store, chat_id: int, titles: list[str]) -> None:
    source = await store.configure_source("Numerama", "https://x.invalid/feed")
    await store.upsert_chat(chat_id, type="private")
    await store.subscribe(chat_id, source, "")
    await store_and_plan(store, source, [_post(t) for t in titles])


def _quick_gate() -> FloodGate:
    # Timing is not under test here: no per-chat wait between the retries' sends.
    return FloodGate(per_chat_interval=0.0)


async def _always_down(chat_id: int, message: Outgoing) -> SendResult:
    return SendResult("network", error="502 Bad Gateway")


async def _always_broken(chat_id: int, message: Outgoing) -> SendResult:
    raise OverflowError("date value out of range")


@pytest.mark.parametrize("send", [_always_down, _always_broken])
async def test_a_delivery_that_keeps_failing_is_retried_spaced_then_given_up(
    store: Store, caplog, send
) -> None:
    clock = Clock()
    attempts: list[datetime] = []

    async def counting(chat_id: int, message: Outgoing) -> SendResult:
        attempts.append(clock.now)
        return await send(chat_id, message)

    await _owe(store, 7, ["Un"])
    sender = Sender(store, counting, tz=PARIS, gate=_quick_gate(), clock=clock)
    for _ in range(int(timedelta(hours=5) / STEP)):
        await sender.drain_once()
        await sender.wait_idle()
        clock.now += STEP
    assert len(attempts) == MAX_ATTEMPTS
    gaps = [later - earlier for earlier, later in pairwise(attempts)]
    for number, gap in enumerate(gaps, start=1):
        assert retry_delay(number) <= gap < retry_delay(number) + 2 * STEP
    assert gaps[1] == 2 * gaps[0]
    assert gaps[-1] == timedelta(hours=1)
    assert await store.outbox_counts(7) == {"given_up": 1}
    assert sender.given_up == 1
    assert "giving up 1 delivery(ies) to chat 7 after 10 attempts" in caplog.text


async def test_other_chats_still_receive_while_one_keeps_failing(store: Store) -> None:
    clock = Clock()
    received: list[int] = []

    async def one_chat_down(chat_id: int, message: Outgoing) -> SendResult:
        if chat_id == 7:
            return SendResult("network", error="timed out")
        received.append(chat_id)
        return SendResult("sent")

    await _owe(store, 7, ["Un"])
    await store.upsert_chat(8, type="private")
    await store.subscribe(8, None, "")
    source = await store.configure_source("Numerama", "https://x.invalid/feed")
    await store_and_plan(store, source, [_post("Deux")])
    sender = Sender(store, one_chat_down, tz=PARIS, gate=_quick_gate(), clock=clock)
    await sender.drain_once()
    await sender.wait_idle()
    assert received == [8]
    counts = await store.outbox_counts(7)
    assert counts == {"pending_push": 2}  # "Un" postponed, "Deux" still waiting its turn


async def test_status_counts_what_was_given_up(core: FakeBotAPI, tmp_path: Path, database) -> None:
    alice = core.user("Alice")
    async with Store.open(database) as store:
        await _owe(store, alice.id, ["Un", "Deux"])
        await store.give_up([d.id for d in await store.pending()], "502 Bad Gateway")
    settings = fake_api_settings(core, tmp_path, database)
    async with running(settings, core) as app:
        from telegram import Update

        await app.process_update(Update.de_json(core.command(alice, "/status"), app.bot))
    [reply] = core.sent(chat_id=alice, method="sendMessage")
    assert "2 envois abandonnés" in plain_words(reply.text)


async def test_the_sender_stops_when_cancelled_even_as_it_is_woken(store: Store) -> None:
    async def never(chat_id: int, message: Outgoing) -> SendResult:
        raise AssertionError("nothing is owed")

    sender = Sender(store, never, tz=PARIS)
    task = asyncio.create_task(sender.run(idle=30))
    await asyncio.sleep(0.05)  # idle, waiting to be woken
    sender.wake.set()  # e.g. a poll planned pushes just as the bot shuts down
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=5)
    assert done
    assert task.cancelled()


async def test_settled_deliveries_are_pruned_after_the_retention_and_pending_ones_stay(
    core: FakeBotAPI, tmp_path: Path, database
) -> None:
    from bot.telegram.jobs import OUTBOX_RETENTION, prune_outbox
    from bot.telegram.services import Context

    async with Store.open(database) as store:
        await _owe(store, 7, ["Envoyé", "Refusé", "Abandonné", "En attente", "Récent"])
        rows = {d.title: d.id for d in await store.pending()}
        await store.mark_sent([rows["Envoyé"], rows["Récent"]])
        await store.mark_failed([rows["Refusé"]], "400 Bad Request")
        await store.give_up([rows["Abandonné"]], "502 Bad Gateway")
        # All but "Récent" were settled (and "En attente" created) beyond the retention.
        old = (datetime.now(UTC) - OUTBOX_RETENTION - timedelta(days=1)).isoformat()
        await store._db.execute(
            "UPDATE outbox SET created_at = ?, settled_at = CASE WHEN settled_at IS NULL"
            " THEN NULL ELSE ? END WHERE id != ?",
            (old, old, rows["Récent"]),
        )
        await store.update_chat(7, active=0)  # so the running sender leaves "En attente" be
    settings = fake_api_settings(core, tmp_path, database)
    async with running(settings, core) as app:
        store = services_of(app).store
        await prune_outbox(Context(app))
        assert await store.outbox_counts(7) == {"pending_push": 1, "sent": 1}
        assert "prune_outbox" in {job.callback.__name__ for job in known(app.job_queue).jobs()}


async def _follow_two(store: Store, chat_id: int) -> tuple[int, int]:
    busy = await store.configure_source("Busy", "https://busy.invalid/feed")
    calm = await store.configure_source("Calm", "https://calm.invalid/feed")
    await store.upsert_chat(chat_id, type="private")
    await store.subscribe(chat_id, busy, "")
    await store.subscribe(chat_id, calm, "")
    return busy, calm


def _entries(source: str, start: int, count: int) -> list[Post]:
    return [
        Post(source, f"{source} {n}", (Passage("paragraph", f"Texte {n}."),), guid=f"{n}")
        for n in range(start, start + count)
    ]


async def _drain_all(store: Store, sent: list[str]) -> None:
    async def send(chat_id: int, message: Outgoing) -> SendResult:
        sent.append(plain_words(message.html))
        return SendResult("sent")

    sender = Sender(store, send, tz=PARIS, gate=_quick_gate())
    for _ in range(200):
        if not await store.pending():
            return
        await sender.drain_once()
        await sender.wait_idle()
    raise AssertionError("the outbox never drained")


async def test_a_busy_source_never_starves_a_calm_one_in_the_same_chat(store: Store) -> None:
    busy, calm = await _follow_two(store, 7)
    await store_and_plan(store, busy, _entries("Busy", 0, 8))
    await store_and_plan(store, calm, _entries("Calm", 0, 1))
    await store_and_plan(store, busy, _entries("Busy", 8, 8))
    sent: list[str] = []
    await _drain_all(store, sent)
    firsts = [text.split("\n")[0] for text in sent]
    # Round robin across the chat's sources: the calm post goes second, not after the
    # busy source's 8 older ones (oldest first, it came ninth). A feed lists its newest
    # entry first: "Busy 7" is the oldest of the first poll.
    assert firsts[:3] == ["Busy 7", "Calm 0", "Busy 6"], firsts
    assert len(sent) == 17


async def test_what_one_chat_owes_is_bounded_and_the_rest_counted_in_one_message(
    store: Store,
) -> None:
    busy, _ = await _follow_two(store, 7)
    for poll in range(5):  # 10 new entries a poll: all pushed, under the cap of 10 a poll
        await store_and_plan(store, busy, _entries("Busy", 10 * poll, 10))
    assert (await store.outbox_counts(7))["pending_push"] == 50
    sent: list[str] = []
    await _drain_all(store, sent)
    # 30 pushes at most are owed; the 20 oldest are counted in one message, sent first.
    assert len(sent) == MAX_OWED_PUSHES + 1, sent
    assert "20 autre" in sent[0]
    pushed = [text.split("\n")[0] for text in sent[1:]]
    # The three latest polls' entries are pushed (each poll oldest first); the two first
    # polls' are the ones counted.
    assert sorted(pushed) == sorted(f"Busy {n}" for n in range(20, 50))
    assert pushed[:2] == ["Busy 29", "Busy 28"]
    assert await store.outbox_counts(7) == {"sent": 50}
