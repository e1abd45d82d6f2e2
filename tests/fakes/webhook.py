"""Webhook delivery: while a bot has a webhook, its updates are POSTed there, as Telegram does."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from .botapi import FakeBotAPI, dumps
from .state import BotState, now

# Telegram retries a refused delivery later (its delays are not documented); kept short here.
RETRY_DELAY = 0.5
TIMEOUT = 10.0


class WebhookPusher:
    """Delivers each bot's updates to its webhook one at a time, in order.

    An update leaves the queue once its delivery is answered with a 2xx status, like a
    getUpdates offset confirms it; any other answer or a failed connection is kept as
    getWebhookInfo's last error, and the same update is tried again after RETRY_DELAY.
    The X-Telegram-Bot-Api-Secret-Token header carries the secret given to setWebhook.
    """

    def __init__(self, core: FakeBotAPI, *, retry_delay: float = RETRY_DELAY) -> None:
        self.core = core
        self.retry_delay = retry_delay
        self.delivered = 0
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._retry_at: dict[str, float] = {}
        self._stopping = False

    async def start(self) -> None:
        """Start delivering in the background."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT))
        self._task = asyncio.create_task(self._run(), name="fake webhook pusher")

    async def stop(self) -> None:
        """Stop delivering once the delivery in flight, if any, is answered."""
        if self._task is not None:
            # Not task.cancel(): Signal.wait (asyncio.wait_for) can swallow a cancel on 3.11.
            self._stopping = True
            self.core._updates_signal.notify()
            await self._task
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        while not self._stopping:
            waits = [self.retry_delay]
            for state in list(self.core._bots.values()):
                if self._stopping or not state.webhook_url or not self.core._deliverable(state):
                    continue
                wait = self._retry_at.get(state.token, 0.0) - time.monotonic()
                if wait > 0:
                    waits.append(wait)
                    continue
                await self._deliver(state)
                waits.append(0.0)
            if min(waits) > 0:
                await self.core._updates_signal.wait(min(waits))

    async def _deliver(self, state: BotState) -> None:
        assert self._session is not None
        update = state.updates[0]
        headers = {"Content-Type": "application/json"}
        if state.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = state.webhook_secret
        error: str | None = None
        try:
            async with self._session.post(
                state.webhook_url, data=dumps(update), headers=headers
            ) as response:
                await response.read()
                if not 200 <= response.status < 300:
                    error = f"Wrong response from the webhook: {response.status} {response.reason}"
        except aiohttp.ClientConnectorError:
            error = "Connection refused"
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"Connection error: {exc.__class__.__name__}"
        if error is None:
            # Confirmed: gone from the queue, as a getUpdates offset would drop it.
            state.updates = [u for u in state.updates if u["update_id"] != update["update_id"]]
            self.delivered += 1
        else:
            state.webhook_error = (now(), error)
            self._retry_at[state.token] = time.monotonic() + self.retry_delay
