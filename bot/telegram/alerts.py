"""Admin alerts gathered: sources failing or recovering, one message per period per admin.

150–200 sources failing at once sent one alert each, one a second to the admin's chat,
whose own /help then waited behind them over a minute. Here what happens within a period
goes out together, a few names listed per kind and the rest counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from telegram import Bot

from bot import errors, i18n, render
from bot.models import SourceState
from bot.polling.poller import Alert
from bot.store import Store

log = logging.getLogger(__name__)

# At most one alert message per admin this often (seconds); the first of a quiet spell
# waits GATHER seconds, so sources failing in the same moment arrive together.
ALERT_PERIOD = 60.0
GATHER = 2.0
# Sources named per kind in one message; the others are counted.
LISTED = 15


class AdminAlerts:
    """Collects the poller's alerts and sends them to ADMIN_IDS together, once a period."""

    def __init__(
        self,
        bot: Bot,
        store: Store,
        admin_ids: frozenset[int],
        *,
        period: float = ALERT_PERIOD,
        gather: float = GATHER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bot = bot
        self._store = store
        self._admin_ids = admin_ids
        self._period = period
        self._gather = gather
        self._clock = clock
        # Source name → its error (failing) or None (recovered); a later event replaces one.
        self._pending: dict[str, str | None] = {}
        self._last_sent = float("-inf")
        self._flush: asyncio.Task[None] | None = None

    def callbacks(self) -> tuple[Alert, Alert]:
        """The poller's on_failing and on_recovered."""

        async def failing(source: SourceState, error: str) -> None:
            self._note(source.name, error)

        async def recovered(source: SourceState, _: str) -> None:
            self._note(source.name, None)

        return failing, recovered

    def _note(self, name: str, error: str | None) -> None:
        self._pending.pop(name, None)  # its latest state, in the order things happened
        self._pending[name] = error
        if self._flush is None or self._flush.done():
            wait = max(self._gather, self._last_sent + self._period - self._clock())
            self._flush = asyncio.create_task(self._send_later(wait), name="admin alerts")

    async def _send_later(self, wait: float) -> None:
        while True:
            await asyncio.sleep(wait)
            await self.send_now()
            # What came while it was sending waits for the next period.
            if not self._pending:
                return
            wait = self._period

    async def send_now(self) -> None:
        """Send what was gathered (one message per admin); never raises."""
        pending, self._pending = self._pending, {}
        if not pending:
            return
        self._last_sent = self._clock()
        await message_admins(
            self._bot, self._store, self._admin_ids, lambda lang: compose_alert(lang, pending)
        )

    async def close(self) -> None:
        """At shutdown: what is still gathered is dropped (the poller logged it)."""
        if self._flush is not None:
            self._flush.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush


async def message_admins(
    bot: Bot, store: Store, admin_ids: frozenset[int], compose: Callable[[str], str]
) -> None:
    """Send each of ADMIN_IDS the message `compose` writes in their language; never raises
    (an admin who never opened a chat with the bot is logged and skipped)."""
    for admin in admin_ids:
        try:
            chat = await store.chat(admin)
            await bot.send_message(admin, compose(chat.language if chat else "fr"))
        except Exception as exc:
            log.warning("could not tell admin %s: %s", admin, exc)


def compose_alert(lang: str, pending: dict[str, str | None]) -> str:
    """One message: the sources failing (with their error) and those recovered."""
    # Errors are stored as codes (bot/errors.py): each admin reads them in their language.
    failing = {
        name: errors.describe(error, lang) for name, error in pending.items() if error is not None
    }
    recovered = [name for name, error in pending.items() if error is None]
    if len(pending) == 1:  # alone, as it always read
        [(name, error)] = pending.items()
        if error is None:
            return i18n.text(lang, "source_recovered", name=render.escape(name))
        error = render.escape(render.shorten(errors.describe(error, lang), 300))
        return i18n.text(lang, "source_failing", name=render.escape(name), error=error)
    blocks: list[str] = []
    if failing:
        lines = [_count(lang, "alerts_failing", len(failing))]
        lines += [
            f"• <b>{render.escape(name)}</b> — {render.escape(render.shorten(error, 120))}"
            for name, error in list(failing.items())[:LISTED]
        ]
        lines += _others(lang, len(failing))
        blocks.append("\n".join(lines))
    if recovered:
        lines = [_count(lang, "alerts_recovered", len(recovered))]
        lines += [f"• <b>{render.escape(name)}</b>" for name in recovered[:LISTED]]
        lines += _others(lang, len(recovered))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _count(lang: str, key: str, count: int) -> str:
    return i18n.text(lang, f"{key}_{'one' if count == 1 else 'many'}", count=count)


def _others(lang: str, count: int) -> list[str]:
    rest = count - LISTED
    return [_count(lang, "alerts_others", rest)] if rest > 0 else []
