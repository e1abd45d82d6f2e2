"""The leader lease in the store, leadership among processes, and sends claimed under it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.models import Passage, Post
from bot.poller import store_and_plan
from bot.store import Store

BACKENDS = ("sqlite", "postgres")
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TTL = 10.0

LEASE = "leader"


@pytest.fixture
async def second(database: str | Path, store: Store) -> AsyncIterator[Store]:
    """Another connection to the same database, as another process would have."""
    async with Store.open(database) as other:
        yield other


async def test_a_lease_is_held_renewed_lapses_and_is_taken_over(
    store: Store, second: Store
) -> None:
    first = await store.acquire_lease(LEASE, "a", TTL, now=T0)
    assert (first.owner, first.acquired_at, first.expires_at) == (
        "a",
        T0,
        T0 + timedelta(seconds=10),
    )
    # Seen from the other connection: held by a until it lapses.
    held = await second.acquire_lease(LEASE, "b", TTL, now=T0 + timedelta(seconds=9))
    assert held == first
    renewed = await store.acquire_lease(LEASE, "a", TTL, now=T0 + timedelta(seconds=5))
    assert (renewed.acquired_at, renewed.expires_at) == (T0, T0 + timedelta(seconds=15))
    assert (
        await second.acquire_lease(LEASE, "b", TTL, now=T0 + timedelta(seconds=14.9))
    ).owner == "a"
    taken = await second.acquire_lease(LEASE, "b", TTL, now=T0 + timedelta(seconds=15))
    assert (taken.owner, taken.acquired_at) == ("b", T0 + timedelta(seconds=15))
    # a comes back: b holds it now.
    assert (await store.acquire_lease(LEASE, "a", TTL, now=T0 + timedelta(seconds=16))) == taken
    assert await store.release_lease(LEASE, "a") is False
    assert await second.release_lease(LEASE, "b") is True
    assert await store.lease(LEASE) is None
    assert (await store.acquire_lease(LEASE, "a", TTL, now=T0 + timedelta(seconds=16))).owner == "a"


async def _owe(store: Store, chats: int) -> list[int]:
    source = await store.configure_source("Numerama", "https://x.invalid/feed")
    for chat in range(1, chats + 1):
        await store.upsert_chat(chat, type="private")
        await store.subscribe(chat, source, "")
    post = Post(source="Numerama", title="Un", passages=(Passage("paragraph", "Texte."),), guid="1")
    await store_and_plan(store, source, [post])
    return [d.id for d in await store.pending()]


async def test_only_the_holder_of_an_unlapsed_lease_claims_deliveries(
    store: Store, second: Store
) -> None:
    ids = await _owe(store, 3)
    assert await store.claim_deliveries(ids[:1], "a", LEASE, now=T0) is False  # nobody leads
    await store.acquire_lease(LEASE, "a", TTL, now=T0)
    assert await second.claim_deliveries(ids[:2], "b", LEASE, now=T0) is False
    assert await store.claim_deliveries(ids[:2], "a", LEASE, now=T0 + timedelta(seconds=9)) is True
    assert await store.claim_deliveries(ids, "a", LEASE, now=T0 + timedelta(seconds=10)) is False
    await store.mark_sent(ids[:1])
    # b takes over: a's one unsettled claim was in flight, and is b's to send again.
    await second.acquire_lease(LEASE, "b", TTL, now=T0 + timedelta(seconds=10))
    assert await second.claimed_elsewhere("b") == 1
    assert await second.claim_deliveries(ids, "b", LEASE, now=T0 + timedelta(seconds=11)) is True
    assert await second.claimed_elsewhere("b") == 0
    assert await store.claimed_elsewhere("a") == 2


async def test_processes_taking_a_free_lease_at_once_agree_on_one_holder(
    store: Store, second: Store
) -> None:
    # By the database's own clock (PostgreSQL's on that engine), as the bot runs.
    takers = [store.acquire_lease(LEASE, f"p{n}", TTL) for n in range(0, 10, 2)]
    takers += [second.acquire_lease(LEASE, f"p{n}", TTL) for n in range(1, 10, 2)]
    seen = await asyncio.gather(*takers)
    assert len({lease.owner for lease in seen}) == 1
    lease = seen[0]
    assert lease.expires_at - lease.acquired_at == timedelta(seconds=TTL)
    assert abs(lease.acquired_at - datetime.now(UTC)) < timedelta(seconds=5)
