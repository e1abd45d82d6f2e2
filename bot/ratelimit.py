"""A pure scheduler for Telegram's flood limits; the caller sleeps, this only does arithmetic.

Limits: `overall_per_second` messages per second in all, one message per
`per_chat_interval` seconds to a chat, `group_per_minute` messages per minute to a group or
channel (negative chat id), and nothing at all during a pause after a RetryAfter.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable

_MINUTE = 60.0


class FloodGate:
    """Tells when a send to a chat is allowed, from the sends recorded so far."""

    def __init__(
        self,
        *,
        overall_per_second: int = 30,
        per_chat_interval: float = 1.0,
        group_per_minute: int = 20,
        margin: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if overall_per_second < 1 or group_per_minute < 1 or per_chat_interval < 0 or margin < 0:
            raise ValueError("flood limits must be positive")
        # Telegram counts arrivals: `margin` seconds of slack on every window keep network
        # jitter from bunching sends that left on time.
        self._window = 1.0 + margin
        self._minute = _MINUTE + margin
        self._overall = overall_per_second
        self._spacing = self._window / overall_per_second
        self._interval = per_chat_interval + margin
        self._group_max = group_per_minute
        self._clock = clock
        # Only the last N sends matter to an "N per window" rule, so maxlen bounds memory.
        self._recent: deque[float] = deque(maxlen=overall_per_second)
        self._last_any = float("-inf")
        self._paused_until = float("-inf")
        # Chats by time of their last send, oldest first, so stale ones are dropped from the
        # front; a group's deque holds its last `group_per_minute` sends.
        self._last: OrderedDict[int, float] = OrderedDict()
        self._groups: dict[int, deque[float]] = {}
        self._horizon = max(_MINUTE, per_chat_interval)

    def _now(self, now: float | None) -> float:
        return self._clock() if now is None else now

    def _global_ready(self) -> float:
        """The earliest time any send may go out, whatever the chat."""
        # Sends are spread 1/N s apart rather than burst N at once and then wait: same
        # throughput, and Telegram is kinder to an even stream. The window is the hard rule.
        ready = max(self._paused_until, self._last_any + self._spacing)
        if len(self._recent) == self._overall:
            ready = max(ready, self._recent[0] + self._window)
        return ready

    def _chat_ready(self, chat_id: int) -> float:
        """The earliest time the chat's own limits allow a send."""
        last = self._last.get(chat_id)
        if last is None:
            return float("-inf")
        ready = last + self._interval
        sends = self._groups.get(chat_id)
        if sends is not None and len(sends) == self._group_max:
            ready = max(ready, sends[0] + self._minute)
        return ready

    def delay(self, chat_id: int, now: float | None = None) -> float:
        """Seconds to wait before a send to `chat_id` is allowed (0.0: now)."""
        now = self._now(now)
        # One subtraction from the target time, so `now + delay` lands exactly on it.
        return max(0.0, max(self._global_ready(), self._chat_ready(chat_id)) - now)

    def record(self, chat_id: int, now: float | None = None) -> None:
        """Note that a message to `chat_id` went out at `now`."""
        now = self._now(now)
        self._recent.append(now)
        self._last_any = max(self._last_any, now)
        self._last[chat_id] = now
        self._last.move_to_end(chat_id)
        if chat_id < 0:
            sends = self._groups.get(chat_id)
            if sends is None:
                sends = self._groups[chat_id] = deque(maxlen=self._group_max)
            sends.append(now)
        self._forget_before(now - self._horizon)

    def _forget_before(self, cutoff: float) -> None:
        """Drop chats whose last send is older than every window, so memory stays bounded."""
        while self._last:
            chat_id, last = next(iter(self._last.items()))
            if last > cutoff:
                break
            del self._last[chat_id]
            self._groups.pop(chat_id, None)

    def pause(self, seconds: float, now: float | None = None) -> None:
        """After a RetryAfter: nothing goes out for `seconds` (an earlier, longer pause stands)."""
        now = self._now(now)
        self._paused_until = max(self._paused_until, now + seconds)

    def pick(self, chat_ids: Iterable[int], now: float | None = None) -> tuple[int | None, float]:
        """Among chats with something pending, the one that may send soonest, and its delay.

        Ties go to the earliest in `chat_ids`, so the caller's ordering (its fairness) holds.
        Returns (None, 0.0) when no chat is given.
        """
        now = self._now(now)
        floor = self._global_ready()
        best: int | None = None
        best_ready = float("inf")
        for chat_id in chat_ids:
            ready = max(floor, self._chat_ready(chat_id))
            if ready < best_ready:
                best, best_ready = chat_id, ready
                # No chat can beat the global limits: stop scanning a long outbox early.
                if ready <= max(floor, now):
                    break
        if best is None:
            return None, 0.0
        return best, max(0.0, best_ready - now)

    def __len__(self) -> int:
        """How many chats the gate still remembers (for tests and metrics)."""
        return len(self._last)
