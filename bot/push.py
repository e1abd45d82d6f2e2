"""Plan deliveries into the outbox, and drain it within Telegram's flood limits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot import render
from bot.filters import FilterError, document, parse_filter
from bot.models import Chat, Delivery, Post, Subscription
from bot.ratelimit import FloodGate
from bot.store import Store

log = logging.getLogger(__name__)

# Sends in flight at once: the most a crash can duplicate (sent, not yet marked).
MAX_IN_FLIGHT = 3
NETWORK_RETRY = timedelta(seconds=30)
# Slack on each flood window (seconds): 30 sends leave over 1.02 s, arriving within 1 s.
FLOOD_MARGIN = 0.02


def plan_deliveries(
    new_posts: Sequence[tuple[int, Post]], subscriptions: Sequence[Subscription]
) -> list[tuple[int, int, str]]:
    """(chat_id, post_id, kind) owed for new posts: one per chat and post that passes."""
    by_filter: dict[str, list[Subscription]] = {}
    for subscription in subscriptions:
        by_filter.setdefault(subscription.filters, []).append(subscription)
    filters = {}
    for text in by_filter:
        try:
            filters[text] = parse_filter(text)
        except FilterError:
            # Filters are checked when written; one that no longer parses matches nothing.
            log.warning("stored filter %r no longer parses; its subscriptions get nothing", text)
    owed: list[tuple[int, int, str]] = []
    for post_id, post in new_posts:
        doc = document(post.title, "\n".join(p.text for p in post.passages))
        # One delivery per chat even with several matching subscriptions (a source and
        # "all"); the digest flag belongs to the chat, so any of them says the same.
        matched = {
            subscription.chat_id: subscription.digest
            for text, flt in filters.items()
            if flt.matches(doc)
            for subscription in by_filter[text]
        }
        owed.extend(
            (chat, post_id, "digest" if digest else "push") for chat, digest in matched.items()
        )
    return owed


@dataclass(frozen=True, slots=True)
class SendResult:
    """What Telegram made of one send, in terms the sender acts on."""

    status: Literal["sent", "retry", "blocked", "migrated", "failed", "network"]
    retry_after: float = 0.0
    new_chat_id: int | None = None
    error: str = ""


# Sends HTML to a chat (link previews on or off) and reports the outcome; never raises.
SendFunction = Callable[[int, str, bool], Awaitable[SendResult]]


def in_quiet_hours(chat: Chat, now: datetime, default_tz: ZoneInfo) -> bool:
    """True when the chat's local time falls inside its quiet hours."""
    if not chat.quiet_start or not chat.quiet_end:
        return False
    local = now.astimezone(chat.zone(default_tz)).time()
    start, end = time.fromisoformat(chat.quiet_start), time.fromisoformat(chat.quiet_end)
    if start <= end:
        return start <= local < end
    return local >= start or local < end


class Sender:
    """Drains the push outbox: per-chat order, flood limits, crash-safe marking."""

    def __init__(
        self,
        store: Store,
        send: SendFunction,
        *,
        tz: ZoneInfo,
        gate: FloodGate | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self._store = store
        self._send = send
        self._tz = tz
        self.gate = gate or FloodGate(margin=FLOOD_MARGIN)
        self._slots = asyncio.Semaphore(max_in_flight)
        self._busy: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.wake = asyncio.Event()
        self.sent = 0

    async def run(self, idle: float = 1.0) -> None:
        """Drain forever; woken early by `wake.set()` when deliveries are planned."""
        while True:
            try:
                progressed = await self.drain_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox drain failed; trying again shortly")
                progressed = False
            if not progressed:
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), timeout=idle)

    async def drain_once(self) -> bool:
        """Send what is owed now (one message per chat at a time); True if anything went."""
        now = datetime.now(UTC)
        queues: dict[int, list[Delivery]] = {}
        # A chat in flight while the query runs may finish meanwhile: its rows in the answer
        # can predate its own "sent" mark, so it sits this round out.
        busy = set(self._busy)
        for delivery in await self._store.pending(kind="push", limit=2000):
            if delivery.chat_id not in busy and delivery.chat_id not in self._busy:
                queues.setdefault(delivery.chat_id, []).append(delivery)
        chats: dict[int, Chat] = {}
        for chat_id in list(queues):
            chat = await self._store.chat(chat_id)
            if chat is None or in_quiet_hours(chat, now, self._tz):
                del queues[chat_id]
            else:
                chats[chat_id] = chat
        progressed = False
        while queues:
            chat_id, delay = self.gate.pick(queues)
            if chat_id is None:
                break
            if delay > 0:
                await asyncio.sleep(delay)
            batch = queues.pop(chat_id)
            chat = chats[chat_id]
            # After quiet hours, what was held goes out as one message.
            held = chat.quiet_start is not None and len(batch) > 1
            items = batch if held else batch[:1]
            await self._slots.acquire()
            self.gate.record(chat_id)
            self._busy.add(chat_id)
            task = asyncio.create_task(self._deliver(chat, items, held))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            progressed = True
        return progressed

    async def send_now(self, chat_id: int, text: str, previews: bool = False) -> SendResult:
        """Send one message outside the outbox (a digest), still within the flood limits."""
        delay = self.gate.delay(chat_id)
        if delay > 0:
            await asyncio.sleep(delay)
        self.gate.record(chat_id)
        result = await self._send(chat_id, text, previews)
        if result.status == "retry":
            self.gate.pause(result.retry_after)
        return result

    async def wait_idle(self) -> None:
        """Wait for the sends in flight (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _deliver(self, chat: Chat, items: list[Delivery], held: bool) -> None:
        try:
            tz = chat.zone(self._tz)
            if held:
                text = render.held_message(items, lang=chat.language, tz=tz)
            else:
                text = render.push_message(items[0], lang=chat.language, tz=tz)
            result = await self._send(chat.id, text, chat.link_previews)
            await self._settle(chat, [d.id for d in items], result)
        except Exception as exc:
            # Whatever broke, these rows must not spin: try them again a little later.
            log.exception("delivery to chat %s failed unexpectedly", chat.id)
            await self._store.postpone(
                [d.id for d in items], datetime.now(UTC) + NETWORK_RETRY, repr(exc)
            )
        finally:
            self._busy.discard(chat.id)
            self._slots.release()

    async def _settle(self, chat: Chat, ids: list[int], result: SendResult) -> None:
        if result.status == "sent":
            await self._store.mark_sent(ids)
            self.sent += len(ids)
        elif result.status == "retry":
            self.gate.pause(result.retry_after)
            log.warning("flood limit: pausing sends for %.1f s", result.retry_after)
        elif result.status == "blocked":
            log.info("chat %s blocked or removed the bot: deactivated", chat.id)
            await self._store.update_chat(chat.id, active=0)
            # What was owed until now is dropped; /start resumes with what comes next.
            await self._store.fail_pending(chat.id, result.error or "blocked")
        elif result.status == "migrated" and result.new_chat_id is not None:
            log.info("chat %s became %s: deliveries follow", chat.id, result.new_chat_id)
            await self._store.migrate_chat(chat.id, result.new_chat_id)
        elif result.status == "network":
            await self._store.postpone(ids, datetime.now(UTC) + NETWORK_RETRY, result.error)
        else:
            log.warning("chat %s refused a delivery: %s", chat.id, result.error)
            await self._store.mark_failed(ids, result.error)
        self.wake.set()
