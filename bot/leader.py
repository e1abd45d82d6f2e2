"""Leadership among the processes sharing one database: one at a time polls, sends, runs jobs."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.models import Lease
from bot.store import Store

log = logging.getLogger(__name__)

LEASE = "leader"
# A lease not renewed for TTL seconds lapses and another process takes it. The leader renews
# every RENEW_EVERY seconds and followers try every FOLLOW_EVERY seconds, so a dead leader is
# replaced within TTL + FOLLOW_EVERY seconds; a leader that could not renew for
# TTL - RENEW_EVERY seconds stops leading before its lease can lapse.
TTL = 10.0
RENEW_EVERY = 3.0
FOLLOW_EVERY = 1.0
# While waiting out a lease left by a process that may be dead: how often to look again.
START_CHECK_EVERY = 0.5
# While the database cannot be written: the first retry, doubled up to the renewal period.
RETRY_FIRST = 0.5

Sleep = Callable[[float], Awaitable[None]]

Mode = Literal["polling", "webhook"]


@dataclass(frozen=True, slots=True)
class Owner:
    """Who holds a lease: the process's run mode, host and pid (plus a random tag)."""

    mode: str
    host: str
    pid: int
    tag: str

    @classmethod
    def this_process(cls, mode: Mode) -> Owner:
        """An owner id for this process, unique even if a pid is reused on the same host."""
        return cls(mode, socket.gethostname(), os.getpid(), secrets.token_hex(4))

    @classmethod
    def parse(cls, text: str) -> Owner:
        """Read back `str(owner)`; an id written otherwise is kept whole as its host."""
        mode, _, rest = text.partition(":")
        rest, _, tag = rest.rpartition(":")
        host, _, pid = rest.rpartition(":")
        if not pid.isdigit() or not host:
            return cls("?", text, 0, "")
        return cls(mode, host, int(pid), tag)

    def __str__(self) -> str:
        return f"{self.mode}:{self.host}:{self.pid}:{self.tag}"

    def describe(self) -> str:
        """For people: "pid 1234 on host, long polling"."""
        how = {"polling": "long polling", "webhook": "webhook replica"}.get(self.mode, self.mode)
        return f"pid {self.pid} on {self.host}, {how}"


class LeaseRefused(RuntimeError):
    """Another live process holds the lease this one needs to start."""

    def __init__(self, holder: Lease) -> None:
        super().__init__(holder.owner)
        self.holder = holder
        self.where = ""  # the database, for people (set by whoever knows it)

    @property
    def who(self) -> str:
        """The holder, described for people."""
        return Owner.parse(self.holder.owner).describe()


Change = Callable[[bool], Awaitable[None]]


class Leadership:
    """This process's part in the lease: take it when free, renew it, step down when lost.

    `on_change(leading)` runs after every change, with the new state. `now` is the wall
    clock the store judges expiry by (tests move it), `clock` the monotonic one that tells
    how long ago the lease was last renewed, `sleep` how `start` and `run` wait.

    A database that cannot be written (locked by another process, a full disk, a stopped
    server) stops every process alike: nobody can take the lease meanwhile. So a lone poller
    (`start(exclusive=True)`) keeps its role through any outage and retries with backoff;
    only a lease seen held by another process makes it step down. A webhook replica steps
    down before its lease may lapse, since another replica may take over once it does.
    """

    def __init__(
        self,
        store: Store,
        owner: Owner,
        *,
        ttl: float = TTL,
        renew_every: float = RENEW_EVERY,
        follow_every: float = FOLLOW_EVERY,
        on_change: Change | None = None,
        now: Callable[[], datetime] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._store = store
        self.owner = owner
        self.ttl = ttl
        self.renew_every = renew_every
        self.follow_every = follow_every
        self._on_change = on_change
        self._now = now
        self._clock = clock
        self._sleep = sleep
        self._exclusive = False
        self.leading = False
        self.holder: Lease | None = None  # the lease as last seen
        self._renewed_at = 0.0
        # The outage under way: failed attempts, since when, the kinds of failure logged.
        self.failures = 0
        self._failing_since = 0.0
        self._failure_kinds: set[str] = set()

    async def _acquire(self) -> Lease:
        now = self._now() if self._now is not None else None
        return await self._store.acquire_lease(LEASE, str(self.owner), self.ttl, now=now)

    async def start(self, *, exclusive: bool) -> None:
        """Take the lease, or find who holds it, before anything else starts.

        `exclusive` (long polling): only one such process may run, so a live holder, of any
        mode, refuses this one. Otherwise (a webhook replica) a live webhook leader is
        followed, and only a process polling Telegram refuses it. A lease whose holder
        stops renewing it (a crashed process) is waited out: at most `ttl` seconds.
        Raises LeaseRefused.
        """
        self._exclusive = exclusive
        started = self._clock()
        lease = await self._acquire()
        first_seen = lease
        while lease.owner != str(self.owner):
            holder = Owner.parse(lease.owner)
            if not exclusive and holder.mode == "webhook":
                break
            if lease.expires_at > first_seen.expires_at or lease.owner != first_seen.owner:
                raise LeaseRefused(lease)  # renewed or taken meanwhile: that process lives
            if lease is first_seen:
                log.info(
                    "the lease is held until %s by %s: waiting to see whether it still runs",
                    lease.expires_at.isoformat(timespec="seconds"), holder.describe(),
                )  # fmt: skip
            await self._sleep(START_CHECK_EVERY)
            started = self._clock()
            lease = await self._acquire()
        await self._observe(lease, started)

    async def step(self) -> bool:
        """Renew the lease, or try to take it; whether this process leads afterwards."""
        started = self._clock()
        try:
            lease = await self._acquire()
        except Exception as exc:  # the database may be busy or unreachable for a while
            self._failed(exc, started)
            if (
                self.leading
                and not self._exclusive
                and self._clock() - self._renewed_at >= self.ttl - self.renew_every
            ):
                log.error("the leader lease may lapse before it can be renewed: stepping down")
                await self._set(False)
            return self.leading
        self._recovered()
        await self._observe(lease, started)
        return self.leading

    def _failed(self, exc: Exception, started: float) -> None:
        """One log line per kind of failure in an outage, not one per attempt."""
        if self.failures == 0:
            self._failing_since = started
        self.failures += 1
        kind = f"{type(exc).__name__}: {exc}"
        if kind in self._failure_kinds:
            return
        self._failure_kinds.add(kind)
        if self.leading and self._exclusive:
            keeps = "still leading (no other process can take it meanwhile), retrying"
        elif self.leading:
            keeps = "still leading while it has not lapsed, retrying"
        else:
            keeps = "retrying"
        log.warning("could not renew the leader lease (%s): %s", kind, keeps)

    def _recovered(self) -> None:
        if self.failures == 0:
            return
        log.warning(
            "the database answers again: leader lease renewed after %.0f s (%d failed %s)",
            self._clock() - self._failing_since, self.failures,
            "attempt" if self.failures == 1 else "attempts",
        )  # fmt: skip
        self.failures = 0
        self._failure_kinds.clear()

    def next_wait(self) -> float:
        """Seconds until the next renewal or attempt: shorter, then doubling, in an outage."""
        usual = self.renew_every if self.leading else self.follow_every
        if self.failures == 0:
            return usual
        return min(usual, RETRY_FIRST * 2.0 ** (self.failures - 1))

    async def _observe(self, lease: Lease, started: float) -> None:
        previous = self.holder
        self.holder = lease
        if lease.owner == str(self.owner):
            # The lease runs from at least the moment the renewal was asked for.
            self._renewed_at = started
            if not self.leading:
                log.info("leading: this process polls, sends and runs the scheduled jobs")
                await self._set(True)
            return
        if self.leading:
            log.warning(
                "%s took the leader lease: stepping down", Owner.parse(lease.owner).describe()
            )
            await self._set(False)
        elif previous is None or previous.owner != lease.owner:
            log.info("following %s, which leads", Owner.parse(lease.owner).describe())

    async def _set(self, leading: bool) -> None:
        self.leading = leading
        if self._on_change is not None:
            await self._on_change(leading)

    async def run(self) -> None:
        """Renew the lease every `renew_every` seconds, or try to take it every
        `follow_every` seconds (sooner while the database fails), until cancelled."""
        while True:
            await self._sleep(self.next_wait())
            await self.step()

    async def release(self) -> None:
        """Give the lease up (a clean stop), so another process may lead at once."""
        was_leading, self.leading = self.leading, False
        try:
            if await self._store.release_lease(LEASE, str(self.owner)) or was_leading:
                log.info("gave up the leader lease")
        except Exception as exc:  # stopping anyway: the lease lapses by itself
            log.warning("could not give up the leader lease: %s", exc)

    async def claim(self, ids: list[int]) -> bool:
        """Take outbox rows to send them, only while this process holds the lease."""
        now = self._now() if self._now is not None else None
        return await self._store.claim_deliveries(ids, str(self.owner), LEASE, now=now)
