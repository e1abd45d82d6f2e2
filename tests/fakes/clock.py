"""A virtual monotonic clock for tests of pacing: time jumps to the next wake-up at once."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from collections.abc import AsyncIterator


class VirtualClock:
    """Seconds that pass only when every task that sleeps on this clock is asleep.

    `sleep` waits on this clock; `running()` drives it: whenever the event loop has
    nothing left to run, time jumps to the earliest wake-up and that sleeper goes on.
    Sleepers wake in order of their wake-up times, so concurrent waits overlap as they
    would in real time (their delays are not added up).
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._count = 0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of this clock's time."""
        wake = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), self._count, wake))
        self._count += 1
        await wake

    async def _drive(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(0)
            # Time moves on only once nothing else can run: a send on its way to the fake
            # API arrives at the moment it left. (The loop's queue of ready callbacks is
            # CPython's `_ready`; a task waiting on a thread, such as a database call, is
            # not in it and may see time move meanwhile, as it would in real time.)
            if getattr(loop, "_ready", ()):
                continue
            if not self._sleepers:
                await asyncio.sleep(0.001)  # every task waits on something else
                continue
            at, _, wake = heapq.heappop(self._sleepers)
            self.now = max(self.now, at)
            if not wake.done():
                wake.set_result(None)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[VirtualClock]:
        """Drive the clock for the duration of the block."""
        driver = asyncio.create_task(self._drive())
        try:
            yield self
        finally:
            driver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await driver
