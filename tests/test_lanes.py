"""Fetch lanes: slow work leaves the fast lane, a full slow lane cancels, cancelling cancels."""

from __future__ import annotations

import asyncio

import pytest

from bot.ingest.lanes import FetchLanes, TooSlow


class Work:
    """Work that ends only when told to (no timing guesses), and says how it ended."""

    def __init__(self, result: str) -> None:
        self.result = result
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.cancelled = False

    async def __call__(self) -> str:
        self.started.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return self.result


async def quick() -> str:
    return "quick"


async def test_quick_work_stays_in_the_fast_lane() -> None:
    lanes = FetchLanes(fast=1, slow=1, slow_after=0.2)
    assert await lanes.run("a", quick) == "quick"
    assert not lanes.is_slow("a")


async def test_slow_work_moves_over_and_frees_the_fast_lane() -> None:
    lanes = FetchLanes(fast=1, slow=1, slow_after=0.2)
    slow = Work("slow")
    running = asyncio.create_task(lanes.run("s", slow))
    await slow.started.wait()
    # The only fast slot is taken: quick work waits until the slow one moves lanes.
    assert await asyncio.wait_for(lanes.run("q", quick), timeout=10) == "quick"
    assert lanes.is_slow("s")
    assert not running.done()
    slow.release.set()
    assert await running == "slow"
    assert lanes.is_slow("s")  # it took longer than slow_after: next time it starts slow


async def test_a_full_slow_lane_cancels_the_next_slow_work() -> None:
    lanes = FetchLanes(fast=2, slow=1, slow_after=0.2)
    first, second = Work("first"), Work("second")
    running = asyncio.create_task(lanes.run("1", first))
    await first.started.wait()
    with pytest.raises(TooSlow) as raised:
        await lanes.run("2", second)
    assert str(raised.value) == "still loading after 0.2 s while the slow lane was full"
    assert second.cancelled
    assert lanes.is_slow("2")
    first.release.set()
    assert await running == "first"


async def test_known_slow_sources_wait_for_the_slow_lane_only() -> None:
    lanes = FetchLanes(fast=1, slow=1, slow_after=0.2)
    hog = Work("hog")
    running = asyncio.create_task(lanes.run("hog", hog))
    await hog.started.wait()
    with pytest.raises(TooSlow):  # "late" is slow while the hog holds the slow lane
        await lanes.run("late", Work("late"))
    assert lanes.is_slow("late")
    late = Work("late again")
    waiting = asyncio.create_task(lanes.run("late", late))
    assert await asyncio.wait_for(lanes.run("q", quick), timeout=10) == "quick"
    assert not late.started.is_set()  # queued for the slow lane, not in the fast one
    hog.release.set()
    await running
    await late.started.wait()
    late.release.set()
    assert await waiting == "late again"
    assert not lanes.is_slow("late")  # answered quickly this time: back to the fast lane


async def test_cancelling_the_caller_cancels_the_work_in_either_lane() -> None:
    lanes = FetchLanes(fast=1, slow=1, slow_after=0.2)
    for lane, delay in (("fast", 0.0), ("slow", 0.4)):
        work = Work("never")
        caller = asyncio.create_task(lanes.run("k", work))
        await work.started.wait()
        await asyncio.sleep(delay)  # past slow_after: moved to the slow lane
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        assert work.cancelled, lane
        assert lanes.is_slow("k") == (lane == "slow")
    assert lanes.in_flight == 0
    # No slot was leaked in either lane.
    assert await asyncio.wait_for(lanes.run("k", quick), timeout=10) == "quick"
    assert await asyncio.wait_for(lanes.run("other", quick), timeout=10) == "quick"
