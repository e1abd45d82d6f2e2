"""Updates in one lane per chat: a chat over its pace waits alone, never in an update slot.

Each reply waits for its chat's flood slot (one message a second). Processed side by side,
300 updates of one chat took all 256 update slots, each waiting its turn at one a second,
and every other chat waited behind them (41.7 s for a /help). Here a chat's updates run one
after the other: the first in an update slot, the ones that come meanwhile queued in the
chat's lane and run by a task of their own, outside the slots, so every other chat is
answered at once. A lane holds a bounded backlog; past it, a flooding chat's updates are
dropped (one log line each time a lane starts dropping).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

# Updates of one chat waiting behind the one being processed: half a minute of replies
# at one a second. A person does not type faster; past this a chat is flooding.
LANE_BACKLOG = 30


def _lane_key(update: object) -> int | None:
    """The chat whose flood pace a reply to this update waits for; None when none does."""
    if not isinstance(update, Update):
        return None
    chat = update.effective_chat
    # Inline queries and their choices are answered outside any chat: no flood slot.
    return chat.id if chat is not None else None


class ChatLanes(BaseUpdateProcessor):
    """Updates of different chats side by side (up to the update slots); one chat's in order."""

    def __init__(self, max_concurrent_updates: int = 256, backlog: int = LANE_BACKLOG) -> None:
        super().__init__(max_concurrent_updates)
        self._backlog = backlog
        self._lanes: dict[int, deque[Awaitable[Any]]] = {}
        self._overflowing: set[int] = set()
        self._drains: set[asyncio.Task[None]] = set()

    def waiting(self, chat_id: int) -> int:
        """Updates of a chat queued behind the one being processed (for tests and metrics)."""
        lane = self._lanes.get(chat_id)
        return len(lane) if lane is not None else 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update now if its chat is idle, else queue it in the chat's lane."""
        key = _lane_key(update)
        if key is None:
            await coroutine
            return
        lane = self._lanes.get(key)
        if lane is not None:
            if len(lane) < self._backlog:
                lane.append(coroutine)
            else:
                if key not in self._overflowing:
                    self._overflowing.add(key)
                    log.info(
                        "chat %s floods the bot: its updates past %d are dropped", key, len(lane)
                    )
                _discard(coroutine)
            return  # the update slot is free again at once
        lane = self._lanes[key] = deque()
        try:
            await coroutine
        finally:
            if lane:
                # The backlog runs outside the update slots: its waits hold nobody.
                task = asyncio.create_task(self._drain(key, lane), name=f"chat lane {key}")
                self._drains.add(task)
                task.add_done_callback(self._drains.discard)
            else:
                self._close(key)

    async def _drain(self, key: int, lane: deque[Awaitable[Any]]) -> None:
        try:
            while lane:
                try:
                    await lane.popleft()
                except Exception:  # the application reports handler errors itself
                    log.exception("an update of chat %s failed", key)
        finally:
            for coroutine in lane:
                _discard(coroutine)
            self._close(key)

    def _close(self, key: int) -> None:
        self._lanes.pop(key, None)
        self._overflowing.discard(key)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Stop the lanes still draining: their updates are dropped, as PTB drops its queue."""
        for task in list(self._drains):
            task.cancel()
        await asyncio.gather(*self._drains, return_exceptions=True)


def _discard(coroutine: Awaitable[Any]) -> None:
    """Close a coroutine that will never run (no « never awaited » warning)."""
    if isinstance(coroutine, Coroutine):
        coroutine.close()
