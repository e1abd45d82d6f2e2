"""One flood gate for everything the bot sends: PTB's rate-limiter hook on our FloodGate.

Replies, edits, admin notes and the sender's pushes and digests all pass the same
FloodGate (30 messages a second, one a second per chat, 20 a minute per group or channel).
The sender clears each send with the gate itself, so it can pick among chats fairly; it
marks those sends ADMITTED and they are not held a second time here.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
import zlib
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.ratelimit import FloodGate

log = logging.getLogger(__name__)

# Methods that put a message into a chat or change one: what the flood limits count.
# Answers to callback and inline queries, chat actions and lookups are not chat messages.
_MESSAGE_PREFIXES = ("send", "copyMessage", "forwardMessage", "edit")
_NOT_MESSAGES = frozenset({"sendChatAction"})


@dataclass(frozen=True, slots=True)
class Limits:
    """rate_limit_args: whether the gate already cleared this send, and how often to retry."""

    admitted: bool = False
    retries: int | None = None  # None: the limiter's own max_retries


# A send the caller (the sender) already cleared with the gate; no retries below it.
ADMITTED = Limits(admitted=True, retries=0)
# A follow-up the sender makes itself (a fallback): gated, but never retried here.
NO_RETRY = Limits(retries=0)


def retry_seconds(error: RetryAfter) -> float:
    """RetryAfter's wait in seconds, whichever type PTB gives it."""
    with warnings.catch_warnings():
        # PTB 22 warns that retry_after becomes a timedelta; either form is read here.
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _chat_key(endpoint: str, data: dict[str, Any]) -> int | None:
    """The chat a request sends a message to, as the gate keys it; None when not a message."""
    if endpoint in _NOT_MESSAGES or not endpoint.startswith(_MESSAGE_PREFIXES):
        return None
    chat_id = data.get("chat_id")
    if chat_id is None:
        return None  # an inline message: it belongs to no chat the bot posts in
    try:
        return int(chat_id)
    except (TypeError, ValueError):
        # "@channel": counted as a channel (negative, under the group limit), stably.
        return -1 - zlib.crc32(str(chat_id).lower().encode())


class GateLimiter(BaseRateLimiter[Limits]):
    """A BaseRateLimiter that holds every chat message to the shared FloodGate."""

    def __init__(
        self,
        gate: FloodGate,
        *,
        max_retries: int = 3,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.gate = gate
        self._max_retries = max_retries
        self._sleep = sleep

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Limits | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Wait for the gate (unless admitted), send, and on RetryAfter pause everyone."""
        limits = rate_limit_args or Limits()
        retries = self._max_retries if limits.retries is None else limits.retries
        chat = _chat_key(endpoint, data)
        attempt = 0
        while True:
            if chat is not None and not (limits.admitted and attempt == 0):
                await self.admit(chat)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                # Telegram's flood control is per bot: nothing else goes out meanwhile.
                self.gate.pause(seconds)
                if attempt >= retries:
                    raise
                log.info("flood limit on %s: retrying after %.1f s", endpoint, seconds)
                attempt += 1

    async def admit(self, chat_id: int) -> None:
        """Wait until the gate lets a message go to `chat_id`, and record it."""
        while (delay := self.gate.delay(chat_id)) > 0:
            await self._sleep(delay)
        # No await between the gate's "now" and this record: nobody can slip in between.
        self.gate.record(chat_id)
