"""Fetch lanes: a bounded number of fetches in flight, which slow sources cannot take up."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

FAST_SLOTS = 4
SLOW_SLOTS = 2
SLOW_AFTER = 5.0


class TooSlow(Exception):
    """A fetch outgrew the fast lane while the slow lane was full; it was cancelled."""


class FetchLanes:
    """At most `fast` + `slow` fetches at once, and slow ones never hold the fast lane for long.

    Every fetch starts in the fast lane. One still running after `slow_after` seconds moves to
    the slow lane, or is cancelled (TooSlow) when that is full, so a fast slot is never held
    longer than `slow_after`. A source whose fetch was slow starts in the slow lane next time,
    and returns to the fast lane once it answers within `slow_after` again.
    """

    def __init__(
        self, fast: int = FAST_SLOTS, slow: int = SLOW_SLOTS, slow_after: float = SLOW_AFTER
    ) -> None:
        self._fast = asyncio.Semaphore(fast)
        self._slow = asyncio.Semaphore(slow)
        self._slow_after = slow_after
        self._slow_keys: set[Hashable] = set()
        self.in_flight = 0
        self.most_in_flight = 0

    def is_slow(self, key: Hashable) -> bool:
        """True when `key`'s last fetch was slow (it waits for the slow lane)."""
        return key in self._slow_keys

    async def run(self, key: Hashable, work: Callable[[], Awaitable[T]]) -> T:
        """`work()` in a lane; TooSlow when it outgrew the fast lane while the slow one was full."""
        if key in self._slow_keys:
            async with self._slow:
                return await self._timed(key, work)
        async with self._fast:
            task = asyncio.ensure_future(self._timed(key, work))
            try:
                await asyncio.wait({task}, timeout=self._slow_after)
                if task.done():
                    return task.result()
                self._slow_keys.add(key)
                if self._slow.locked():
                    raise TooSlow(
                        f"still loading after {self._slow_after:g} s while the slow lane was full"
                    )
                await self._slow.acquire()  # free: it was not locked, and nothing ran meanwhile
            except BaseException:
                await _cancel(task)
                raise
        try:
            return await task
        finally:
            await _cancel(task)
            self._slow.release()

    async def _timed(self, key: Hashable, work: Callable[[], Awaitable[T]]) -> T:
        loop = asyncio.get_running_loop()
        started = loop.time()
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return await work()
        finally:
            self.in_flight -= 1
            if loop.time() - started < self._slow_after:
                self._slow_keys.discard(key)


async def _cancel(task: asyncio.Task[Any]) -> None:
    """Cancel `task` if it still runs and wait for it to end, without raising what it raised."""
    if not task.done():
        task.cancel()
        await asyncio.wait({task})
    if not task.cancelled():
        task.exception()  # retrieved: asyncio would otherwise warn that nobody did
