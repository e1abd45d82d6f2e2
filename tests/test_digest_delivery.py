"""Digests go through the outbox and the sender: no loss on failure, blocked and migrated chats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.sender import Sender, retry_delay
from bot.models import Passage, Post
from bot.polling.poller import store_and_plan
from bot.ratelimit import FloodGate
from bot.store import Store
from bot.telegram import jobs
from bot.telegram.send import make_send
from bot.telegram.services import Context, services_of
from tests.conftest import fake_api_settings, gated_bot, known, running
from tests.fakes import (
    ApiError,
    FakeBotAPI,
    FakeChat,
    FakeUser,
    plain_words,
    retry_after,
    server_error,
)

# The store under these tests runs on both engines.
BACKENDS = ("sqlite", "postgres")

PARIS = ZoneInfo("Europe/Paris")


class Clock:
    """Wall-clock time that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


async def _gather(store: Store, chat_id: int, titles: list[str], *, kind: str = "private") -> None:
    """A chat in digest mode that is owed these posts."""
    source = await store.configure_source("Numerama", "https://x.invalid/feed")
    await store.upsert_chat(chat_id, type=kind)
    await store.update_chat(chat_id, digest="daily 08:00")
    await store.subscribe(chat_id, source, "")
    posts = [Post("Numerama", t, (Passage("paragraph", "Texte."),), guid=t) for t in titles]
    summary = await store_and_plan(store, source, posts)
    assert summary.planned == len(titles)


async def _drain(store: Store, core: FakeBotAPI, clock: Clock) -> None:
    # Timing is not under test here: no per-chat wait between a chat's sends.
    gate = FloodGate(per_chat_interval=0)
    async with gated_bot(core, gate) as bot:
        sender = Sender(store, make_send(bot), tz=PARIS, gate=gate, clock=clock)
        await sender.drain_once()
        await sender.wait_idle()


def _digests(core: FakeBotAPI, chat: FakeUser | FakeChat) -> list[str]:
    return [
        plain_words(call.text)
        for call in core.sent(chat_id=chat, method="sendMessage")
        if "résumé" in call.text
    ]


@pytest.mark.parametrize("error", [server_error(), retry_after(1)], ids=["500", "429"])
async def test_a_digest_whose_send_fails_is_delivered_whole_at_the_next_attempt(
    store: Store, core: FakeBotAPI, error: ApiError
) -> None:
    alice = core.user("Alice")
    clock = Clock()
    await _gather(store, alice.id, ["Un", "Deux", "Trois"])
    assert await store.release_digest(alice.id, clock.now) == 3
    core.fail_next(error, chat_id=alice.id, method="sendMessage")
    await _drain(store, core, clock)
    assert _digests(core, alice) == []
    assert (await store.outbox_counts(alice.id)) == {"pending_digest": 3}

    # Before the next attempt, another post comes and the next digest falls due.
    clock.now += retry_delay(1)
    await _gather(store, alice.id, ["Quatre"])
    assert await store.release_digest(alice.id, clock.now) == 1
    await _drain(store, core, clock)
    [digest] = _digests(core, alice)
    assert "Votre résumé (4 articles)" in digest
    assert all(title in digest for title in ("Un", "Deux", "Trois", "Quatre"))
    assert await store.outbox_counts(alice.id) == {"sent": 4}


async def test_a_blocked_chat_is_deactivated_by_its_digest(store: Store, core: FakeBotAPI) -> None:
    alice = core.user("Alice")
    clock = Clock()
    core.block(alice)
    await _gather(store, alice.id, ["Un", "Deux"])
    await store.release_digest(alice.id, clock.now)
    await _drain(store, core, clock)
    assert known(await store.chat(alice.id)).active is False
    assert await store.outbox_counts(alice.id) == {"failed": 2}
    assert await store.subscriptions(alice.id)  # kept for when they come back


async def test_a_migrated_group_gets_its_digest_at_the_new_id(
    store: Store, core: FakeBotAPI
) -> None:
    group = core.group("Lecteurs")
    clock = Clock()
    await _gather(store, group.id, ["Un", "Deux"], kind="group")
    await store.release_digest(group.id, clock.now)
    new = core.migrate(group)
    await _drain(store, core, clock)  # Telegram answers with the new id
    await _drain(store, core, clock)  # the digest follows it
    [digest] = _digests(core, new)
    assert "Un" in digest
    assert "Deux" in digest
    assert await store.chat(group.id) is None
    assert await store.outbox_counts(new.id) == {"sent": 2}


async def test_the_job_releases_due_digests_and_the_running_sender_sends_them(
    core: FakeBotAPI, tmp_path: Path, database
) -> None:
    alice = core.user("Alice")
    async with Store.open(database) as store:
        await _gather(store, alice.id, ["Un", "Deux"])
        # The last digest went out two days ago: today's slot has passed.
        await store.update_chat(
            alice.id, last_digest_at=(datetime.now(UTC) - timedelta(days=2)).isoformat()
        )
    settings = fake_api_settings(core, tmp_path, database)
    async with running(settings, core) as app:
        mark = core.mark()
        await jobs.send_digests(Context(app))
        call = await core.wait_for(lambda c: "résumé" in c.text, chat_id=alice, since=mark)
        assert "Un" in plain_words(call.text)
        assert "Deux" in plain_words(call.text)
        await jobs.send_digests(Context(app))  # not due again until tomorrow
        store = services_of(app).store
        assert known(known(await store.chat(alice.id)).last_digest_at) > datetime.now(
            UTC
        ) - timedelta(hours=1)
    assert len(_digests(core, alice)) == 1
