"""Drain the outbox within Telegram's flood limits: per-chat order, bounded retries."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.delivery import compose
from bot.delivery.compose import Outgoing
from bot.delivery.planning import in_quiet_hours
from bot.models import Chat, Delivery
from bot.outages import FailureLog
from bot.ratelimit import FloodGate
from bot.store import Store

log = logging.getLogger(__name__)

# Sends in flight at once: the most a crash can duplicate (sent, not yet marked).
MAX_IN_FLIGHT = 3
# Slack on each flood window (seconds): 30 sends leave over 1.02 s, arriving within 1 s.
FLOOD_MARGIN = 0.02
# A delivery that fails this many times for a reason other than Telegram's own refusal
# (network errors, a bug in rendering) is given up: about 3 hours of doubling spacing.
MAX_ATTEMPTS = 10
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)
# Pushes one chat may owe: past these, its oldest ones are counted in one « N autres
# articles » message instead (a source bringing 20 entries a poll left a chat 337 sends
# behind after 80 s, and growing).
MAX_OWED_PUSHES = 30


@dataclass(frozen=True, slots=True)
class SendResult:
    """What Telegram made of one send, in terms the sender acts on."""

    # topic_gone: the forum topic was closed or deleted (the chat itself is still there).
    status: Literal["sent", "retry", "blocked", "migrated", "failed", "network", "topic_gone"]
    retry_after: float = 0.0
    new_chat_id: int | None = None
    error: str = ""


# Sends one message to a chat and reports the outcome; never raises.
SendFunction = Callable[[int, Outgoing], Awaitable[SendResult]]
# Takes outbox rows to send them; False when this process must not (it no longer leads).
ClaimFunction = Callable[[list[int]], Awaitable[bool]]
# Told once when a forum topic is paused (closed or deleted): the chat as that topic.
TopicPaused = Callable[[Chat], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Part:
    """One message of a delivery and the outbox rows it carries."""

    message: Outgoing
    ids: list[int]
    attempts: int = 0


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: doubling, capped."""
    doubling: int = 2 ** min(max(attempts - 1, 0), 16)
    return min(RETRY_BASE * doubling, RETRY_CAP)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Sender:
    """Drains the outbox: per-chat order, flood limits, crash-safe marking."""

    def __init__(
        self,
        store: Store,
        send: SendFunction,
        *,
        tz: ZoneInfo,
        gate: FloodGate | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
        clock: Callable[[], datetime] = _utcnow,
        claim: ClaimFunction | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        page_wait: float = 0.0,
        on_topic_paused: TopicPaused | None = None,
    ) -> None:
        self._store = store
        self._on_topic_paused = on_topic_paused
        # How long a push waits for its post's page (PAGE_WAIT) before it goes as a teaser.
        self._page_wait = page_wait
        self._send = send
        # Among processes sharing the database, only the leader's claims succeed.
        self._claim = claim
        self._tz = tz
        # Not `gate or ...`: an empty gate has len() 0 and would be replaced.
        self.gate = gate if gate is not None else FloodGate(margin=FLOOD_MARGIN)
        self._clock = clock
        # How the sender waits for the flood gate; tests pass a clock's own sleep.
        self._sleep = sleep
        self._slots = asyncio.Semaphore(max_in_flight)
        self._busy: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        # Per chat, when each source last had a push sent (a count of sends): the chat's next
        # push comes from the source served least lately, so a busy one never starves a calm one.
        self._served: dict[int, dict[str, int]] = {}
        self._turns = 0
        # Rows Telegram took whose "sent" mark could not be written (the database failed):
        # marked before anything else is sent, so they never go out twice.
        self._unmarked: list[int] = []
        self._drain_log = FailureLog(log, "the outbox drain")
        self._deliver_log = FailureLog(log, "a delivery")
        self.wake = asyncio.Event()
        self.sent = 0
        self.given_up = 0

    async def run(self, idle: float = 1.0) -> None:
        """Drain forever; woken early by `wake.set()` when deliveries are planned."""
        while True:
            try:
                progressed = await self.drain_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._drain_log.failed(exc)
                progressed = False
            else:
                self._drain_log.succeeded()
            if not progressed:
                self.wake.clear()
                # Not asyncio.wait_for: on 3.11 it swallows a cancel that arrives as the wake
                # fires, and the sender would then never stop (shutdown hangs).
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(idle):
                        await self.wake.wait()

    async def drain_once(self) -> bool:
        """Send what is owed now (one message per chat at a time); True if anything went."""
        if self._unmarked:
            # Raises while the database still fails: nothing is sent meanwhile.
            await self._store.mark_sent(self._unmarked)
            log.info("wrote the late 'sent' marks of %d deliveries", len(self._unmarked))
            self._unmarked = []
        now = self._clock()
        queues: dict[int, list[Delivery]] = {}
        # A chat in flight while the query runs may finish meanwhile: its rows in the answer
        # can predate its own "sent" mark, so it sits this round out.
        busy = set(self._busy)
        progressed = False
        for delivery in await self._store.pending(now=now, limit=2000, page_wait=self._page_wait):
            if delivery.chat_id not in busy and delivery.chat_id not in self._busy:
                queue = queues.setdefault(delivery.chat_id, [])
                # One forum topic of a chat a round (the one owed the oldest row): a message
                # goes to one topic, and the flood limits count per chat.
                if not queue or queue[0].thread_id == delivery.thread_id:
                    queue.append(delivery)
        for waiting, rows in list(queues.items()):
            if sum(d.kind == "push" for d in rows) > MAX_OWED_PUSHES:
                # Its oldest pushes become "more": counted in one message, sent first.
                await self._store.bound_pushes(waiting, MAX_OWED_PUSHES)
                del queues[waiting]  # read again, as it now is, next round
                progressed = True
        chats: dict[int, Chat] = {}
        for waiting in list(queues):
            chat = await self._store.chat(waiting)
            thread = queues[waiting][0].thread_id
            if chat is not None and thread:
                # A topic's digest, quiet hours and previews are its own (none recorded yet:
                # none set, and the rows still go to the topic).
                chat = await self._store.topic(chat, thread) or dataclasses.replace(
                    chat, thread_id=thread, digest=None, quiet_start=None, quiet_end=None,
                    link_previews=False,
                )  # fmt: skip
            if chat is None or in_quiet_hours(chat, now, self._tz):
                del queues[waiting]
            else:
                chats[waiting] = chat
        while queues:
            await self._slots.acquire()
            chat_id = await self._next_chat(queues)
            if chat_id is None:
                self._slots.release()
                break
            # No await between the gate's "now" and this record: nothing else can send first.
            self.gate.record(chat_id)
            self._busy.add(chat_id)
            chat = chats[chat_id]
            task = asyncio.create_task(self._deliver(chat, queues.pop(chat_id)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            progressed = True
        return progressed

    async def _next_chat(self, queues: dict[int, list[Delivery]]) -> int | None:
        """The chat the flood gate lets send soonest, once it may send."""
        while True:
            chat_id, delay = self.gate.pick(queues)
            if chat_id is None or delay <= 0:
                return chat_id
            # Others (replies) share the gate: after the wait, ask it again.
            await self._sleep(delay)

    async def _admit(self, chat_id: int) -> None:
        """Wait until the gate lets another message go to this chat, and record it."""
        while (delay := self.gate.delay(chat_id)) > 0:
            await self._sleep(delay)
        self.gate.record(chat_id)

    async def wait_idle(self) -> None:
        """Wait for the sends in flight (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _parts(self, chat: Chat, batch: Sequence[Delivery]) -> list[Part]:
        """The message(s) to send for a chat's oldest owed rows."""
        if batch[0].kind == "digest":
            # The whole released digest, not only the rows this round's query saw.
            rows = await self._store.digest_owed(chat.id, self._clock(), thread_id=chat.thread_id)
            if not rows:
                return []
            attempts = max((d.attempts for d in rows), default=0)
            return [Part(m, ids, attempts) for m, ids in compose.digest(rows, chat, self._tz)]
        if batch[0].kind == "more":
            # One message for every post past the push cap, whichever poll brought it.
            by_source, attempts = await self._store.more_owed(
                chat.id, self._clock(), thread_id=chat.thread_id
            )
            if not by_source:
                return []
            counts = {source: len(ids) for source, ids in by_source.items()}
            ids = [i for group in by_source.values() for i in group]
            return [Part(compose.more(counts, chat), ids, attempts)]
        batch = [d for d in batch if d.kind == "push"]
        # After quiet hours, what was held goes out as one message.
        if chat.quiet_start is not None and len(batch) > 1:
            message = compose.held(batch, chat, self._tz)
            return [Part(message, [d.id for d in batch], max(d.attempts for d in batch))]
        first = self._fair_pick(chat.id, batch)
        return [Part(compose.push(first, chat, self._tz), [first.id], first.attempts)]

    def _fair_pick(self, chat_id: int, batch: Sequence[Delivery]) -> Delivery:
        """The oldest push of the source this chat was served least lately (round robin)."""
        served = self._served.setdefault(chat_id, {})
        oldest: dict[str, Delivery] = {}
        for delivery in batch:
            oldest.setdefault(delivery.source, delivery)
        # Never served first, then longest ago; ties (never served) by the oldest row.
        source = min(oldest, key=lambda name: (served.get(name, -1), oldest[name].id))
        self._turns += 1
        served[source] = self._turns
        if len(self._served) > 100_000:  # chats seen long ago: forget who was served
            self._served = {chat_id: served}
        return oldest[source]

    async def _deliver(self, chat: Chat, batch: list[Delivery]) -> None:
        parts: list[Part] = []
        taken: list[int] = []  # rows Telegram took in this task
        try:
            parts = await self._parts(chat, batch)
            for number, part in enumerate(parts):
                if number:
                    await self._admit(chat.id)
                if self._claim is not None and not await self._claim(part.ids):
                    log.warning("not the leader any more: chat %s's deliveries left", chat.id)
                    break
                message = part.message
                if chat.thread_id:
                    message = dataclasses.replace(message, thread_id=chat.thread_id)
                result = await self._send(chat.id, message)
                if result.status == "sent":
                    taken = part.ids
                await self._settle(chat, part, result)
                taken = []
                if result.status not in ("sent", "failed"):
                    break
            self._deliver_log.succeeded()
        except Exception as exc:
            # Whatever broke, these rows must not spin: retried later, then given up. A task
            # never ends on an exception (nobody would read it: « never retrieved »).
            self._deliver_log.failed(exc)
            if taken:
                self._unmarked += taken
                self.sent += len(taken)
            else:
                attempts = max(d.attempts for d in batch)
                try:
                    await self._retry_or_give_up(chat, [d.id for d in batch], attempts, repr(exc))
                except Exception as again:  # the database is down: they stay due as they are
                    self._deliver_log.failed(again)
        finally:
            self._busy.discard(chat.id)
            self._slots.release()

    async def _settle(self, chat: Chat, part: Part, result: SendResult) -> None:
        ids = part.ids
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
        elif result.status == "topic_gone" and chat.thread_id:
            # Like a blocked chat, for this topic only: its subscriptions stay, nothing more
            # is sent to it until it is reopened or a command is sent in it.
            log.info("chat %s: topic %s closed or deleted: paused", chat.id, chat.thread_id)
            newly = await self._store.pause_topic(chat.id, chat.thread_id, result.error)
            if newly and self._on_topic_paused is not None:
                await self._on_topic_paused(chat)
        elif result.status == "migrated" and result.new_chat_id is not None:
            log.info("chat %s became %s: deliveries follow", chat.id, result.new_chat_id)
            await self._store.migrate_chat(chat.id, result.new_chat_id)
        elif result.status == "network":
            await self._retry_or_give_up(chat, ids, part.attempts, result.error)
        else:
            log.warning("chat %s refused a delivery: %s", chat.id, result.error)
            await self._store.mark_failed(ids, result.error)
        self.wake.set()

    async def _retry_or_give_up(
        self, chat: Chat, ids: list[int], attempts: int, error: str
    ) -> None:
        """Another failed attempt: spaced out retries, then no more."""
        attempts += 1
        if attempts >= MAX_ATTEMPTS:
            log.warning(
                "giving up %d delivery(ies) to chat %s after %d attempts: %s",
                len(ids), chat.id, attempts, error,
            )  # fmt: skip
            await self._store.give_up(ids, error)
            self.given_up += len(ids)
        else:
            await self._store.postpone(ids, self._clock() + retry_delay(attempts), error)
