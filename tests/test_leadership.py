"""The leader lease in the store, leadership among processes, and sends claimed under it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.compose import Outgoing
from bot.delivery.sender import Sender, SendResult
from bot.leader import LEASE, Leadership, LeaseRefused, Owner
from bot.models import Passage, Post
from bot.polling.poller import store_and_plan
from bot.ratelimit import FloodGate
from bot.store import Store

BACKENDS = ("sqlite", "postgres")
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TTL = 10.0


class Clocks:
    """The wall clock the store judges leases by and the monotonic one, moved by the test."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def now(self) -> datetime:
        return T0 + timedelta(seconds=self.seconds)

    def monotonic(self) -> float:
        return self.seconds


@pytest.fixture
async def second(database: str | Path, store: Store) -> AsyncIterator[Store]:
    """Another connection to the same database, as another process would have."""
    async with Store.open(database) as other:
        yield other


def owner(mode: str = "webhook", pid: int = 100) -> Owner:
    return Owner(mode, "hote", pid, f"t{pid}")


def leader(
    store: Store, who: Owner, clocks: Clocks, changes: list | None = None, sleep=None
) -> Leadership:
    async def record(leading: bool) -> None:
        if changes is not None:
            changes.append((str(who), leading))

    async def time_passes(seconds: float) -> None:
        clocks.seconds += seconds

    return Leadership(
        store, who, ttl=TTL, renew_every=3.0, on_change=record, now=clocks.now,
        clock=clocks.monotonic, sleep=sleep or time_passes,
    )  # fmt: skip


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
    before = datetime.now(UTC).replace(microsecond=0)
    seen = await asyncio.gather(*takers)
    after = datetime.now(UTC)
    assert len({lease.owner for lease in seen}) == 1
    lease = seen[0]
    assert lease.expires_at - lease.acquired_at == timedelta(seconds=TTL)
    assert before <= lease.acquired_at <= after  # taken during the gather, by the clock


async def test_one_leader_at_a_time_and_a_takeover_after_the_lease_lapses(
    store: Store, second: Store
) -> None:
    clocks, changes = Clocks(), list[tuple[str, bool]]()
    a = leader(store, owner(pid=1), clocks, changes)
    b = leader(second, owner(pid=2), clocks, changes)
    await a.start(exclusive=False)
    await b.start(exclusive=False)  # a webhook replica follows a webhook leader
    assert (a.leading, b.leading) == (True, False)
    for _ in range(5):  # a renews every 3 s: b never gets in
        clocks.seconds += 3
        assert await a.step() is True
        assert await b.step() is False
    # a dies (no more renewals): b takes over once the lease lapses, not before.
    clocks.seconds += 9.9
    assert await b.step() is False
    clocks.seconds += 0.1
    assert await b.step() is True
    # a comes back from a long pause: it learns it lost, and steps down.
    assert await a.step() is False
    assert changes == [
        ("webhook:hote:1:t1", True),
        ("webhook:hote:2:t2", True),
        ("webhook:hote:1:t1", False),
    ]
    await b.release()
    assert await a.step() is True  # a clean stop hands over at once


async def test_a_replica_that_cannot_renew_steps_down_before_its_lease_lapses(
    store: Store, tmp_path: Path
) -> None:
    clocks, changes = Clocks(), list[tuple[str, bool]]()
    a = leader(store, owner(pid=1), clocks, changes)
    await a.start(exclusive=False)
    await store._db.execute("DROP TABLE leases")  # every renewal now fails
    clocks.seconds += 3
    assert await a.step() is True  # its lease still runs until 10 s
    clocks.seconds += 3.9
    assert await a.step() is True
    clocks.seconds += 0.1  # 7 s without renewal: one more period could let it lapse
    assert await a.step() is False
    assert changes[-1] == ("webhook:hote:1:t1", False)


async def test_a_lone_poller_keeps_its_role_through_an_outage_and_says_so_once(
    store: Store, second: Store, caplog: pytest.LogCaptureFixture
) -> None:
    clocks, changes = Clocks(), list[tuple[str, bool]]()
    slept: list[float] = []

    async def outage_of_30_seconds(seconds: float) -> None:
        slept.append(seconds)
        clocks.seconds += seconds
        if clocks.seconds >= 40:
            raise asyncio.CancelledError  # end of the run

    a = leader(store, owner("polling", 1), clocks, changes, sleep=outage_of_30_seconds)
    await a.start(exclusive=True)
    caplog.set_level("INFO", logger="bot.leader")
    caplog.clear()
    # The database cannot be written by anyone (here: the lease table is away).
    await second._db.execute("ALTER TABLE leases RENAME TO leases_away")
    with pytest.raises(asyncio.CancelledError):
        await a.run()
    assert a.leading  # 30 s > TTL: kept
    assert changes == [("polling:hote:1:t1", True)]
    # Retries back off from half a second to the renewal period.
    assert slept[:5] == [3.0, 0.5, 1.0, 2.0, 3.0], slept
    assert a.failures >= 10
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1, warnings  # one line for one kind of failure
    assert "could not renew the leader lease" in warnings[0]
    assert "still leading" in warnings[0]
    # Another process cannot take it either meanwhile.
    other = leader(second, owner("polling", 2), clocks)
    assert await other.step() is False
    await second._db.execute("ALTER TABLE leases_away RENAME TO leases")
    caplog.clear()
    assert await a.step() is True
    assert a.failures == 0
    assert a.next_wait() == 3.0
    back = [r.getMessage() for r in caplog.records]
    assert len(back) == 1, back
    assert "answers again" in back[0]
    assert await other.step() is False  # a renewed: the lapsed lease was not up for grabs


async def test_a_poller_steps_down_only_when_another_holds_the_lease(
    store: Store, second: Store
) -> None:
    clocks, changes = Clocks(), list[tuple[str, bool]]()
    a = leader(store, owner("polling", 1), clocks, changes)
    await a.start(exclusive=True)
    await second._db.execute("ALTER TABLE leases RENAME TO leases_away")
    clocks.seconds += 20
    assert await a.step() is True
    await second._db.execute("ALTER TABLE leases_away RENAME TO leases")
    # The lease lapsed in the outage and another process took it first: evidence.
    b = leader(second, owner("polling", 2), clocks)
    assert await b.step() is True
    assert await a.step() is False
    assert changes == [("polling:hote:1:t1", True), ("polling:hote:1:t1", False)]


async def test_a_second_poller_is_refused_and_a_dead_ones_lease_waited_out(
    store: Store, second: Store
) -> None:
    clocks = Clocks()
    first = leader(store, owner("polling", 1), clocks)
    await first.start(exclusive=True)

    async def time_passes(seconds: float) -> None:
        # While the newcomer waits, the running poller keeps renewing every 3 s.
        before = clocks.seconds
        clocks.seconds += seconds
        if int(before // 3) != int(clocks.seconds // 3):
            await first.step()

    newcomer = leader(second, owner("polling", 2), clocks, sleep=time_passes)
    with pytest.raises(LeaseRefused) as refused:
        await newcomer.start(exclusive=True)
    assert refused.value.who == "pid 1 on hote, long polling"
    assert clocks.seconds <= 3.5  # told as soon as the holder showed it is alive
    # A webhook replica is refused by a running poller too (Telegram would answer 409).
    with pytest.raises(LeaseRefused):
        await leader(second, owner("webhook", 3), clocks, sleep=time_passes).start(exclusive=False)

    # The poller is SIGKILLed: its lease stays until it lapses, then a new one starts.
    waited_from = clocks.seconds
    restarted = leader(second, owner("polling", 4), clocks)
    await restarted.start(exclusive=True)
    assert restarted.leading
    assert clocks.seconds - waited_from <= TTL


async def test_only_the_leaders_sender_sends(store: Store, second: Store) -> None:
    clocks = Clocks()
    a = leader(store, owner(pid=1), clocks)
    b = leader(second, owner(pid=2), clocks)
    await a.start(exclusive=False)
    await b.start(exclusive=False)
    await _owe(store, 4)
    sent: dict[str, list[int]] = {"a": [], "b": []}

    def recorder(name: str):
        async def send(chat_id: int, message: Outgoing) -> SendResult:
            sent[name].append(chat_id)
            return SendResult("sent")

        return send

    gate = FloodGate(per_chat_interval=0.0)
    paris = ZoneInfo("Europe/Paris")
    sender_a = Sender(store, recorder("a"), tz=paris, gate=gate, claim=a.claim, clock=clocks.now)
    sender_b = Sender(second, recorder("b"), tz=paris, gate=gate, claim=b.claim, clock=clocks.now)
    await sender_b.drain_once()  # a follower's sender, were it running, sends nothing
    await sender_b.wait_idle()
    assert sent == {"a": [], "b": []}
    assert len(await store.pending(now=clocks.now())) == 4
    await sender_a.drain_once()
    await sender_a.wait_idle()
    assert sorted(sent["a"]) == [1, 2, 3, 4]
    assert sent["b"] == []
