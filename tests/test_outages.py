"""A database outage under the sender and the poller: a few log lines, nothing sent twice."""

from __future__ import annotations

import asyncio
import gc
import logging
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.delivery.compose import Outgoing
from bot.delivery.sender import Sender, SendResult
from bot.models import Passage, Post
from bot.polling.poller import Poller, store_and_plan
from bot.ratelimit import FloodGate
from bot.store import Store
from tests.postgres_server import TestPostgres

PARIS = ZoneInfo("Europe/Paris")


def _post(title: str) -> Post:
    return Post("Numerama", title, (Passage("paragraph", "Texte."),), guid=title)


async def _owe(store: Store, chat_id: int, titles: list[str]) -> int:
    source = await store.configure_source("Numerama", "https://x.invalid/feed")
    await store.upsert_chat(chat_id, type="private")
    await store.subscribe(chat_id, source, "")
    await store_and_plan(store, source, [_post(t) for t in titles])
    return source


def _outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.levelname} {r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.WARNING or "never retrieved" in r.getMessage()
    ]


async def test_a_sent_mark_that_could_not_be_written_is_written_before_anything_is_resent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    database = tmp_path / "relais.sqlite3"
    other = sqlite3.connect(database, isolation_level=None, timeout=0)
    sends: list[str] = []

    async def send_then_lock(chat_id: int, message: Outgoing) -> SendResult:
        sends.append(message.html)
        if len(sends) == 1:
            other.execute("BEGIN IMMEDIATE")  # another process takes the write lock
        return SendResult("sent")

    async with Store.open(database) as store:
        await _owe(store, 7, ["Un"])
        gate = FloodGate(per_chat_interval=0.0)
        sender = Sender(store, send_then_lock, tz=PARIS, gate=gate)
        await sender.drain_once()
        await sender.wait_idle()  # Telegram took it; its "sent" mark met the lock
        other.execute("ROLLBACK")
        for _ in range(3):
            await sender.drain_once()
            await sender.wait_idle()
        counts = await store.outbox_counts(7)
    other.close()
    gc.collect()  # a task that ended on an exception says so when it is collected
    assert len(sends) == 1, sends  # before: sent again, its mark never written
    assert counts == {"sent": 1}
    assert "Traceback" not in caplog.text
    assert "never retrieved" not in caplog.text
    lines = _outage_lines(caplog)
    assert any("the database is unavailable" in line for line in lines), lines
    assert len(lines) <= 2, lines


@pytest.fixture
def own_postgres() -> Iterator[TestPostgres]:
    """A server of this test's own: stopping it must not stop the other tests'."""
    server = TestPostgres()
    try:
        yield server
    finally:
        server.stop()


async def test_postgres_stopped_under_the_bot_logs_one_line_per_kind(
    own_postgres: TestPostgres, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    url = own_postgres.new_database()
    sent: list[int] = []
    arrived = asyncio.Event()

    async def send(chat_id: int, message: Outgoing) -> SendResult:
        sent.append(chat_id)
        arrived.set()
        return SendResult("sent")

    async with Store.open(url) as store, httpx.AsyncClient() as client:
        first = await _owe(store, 7, ["Avant"])
        # Followed by the poller (its state read every round) but not due: nothing fetched.
        await store.record_poll(first, next_poll=datetime.now(UTC) + timedelta(days=1))
        sender = Sender(store, send, tz=PARIS, gate=FloodGate(per_chat_interval=0.0))
        poller = Poller(store, client, tz=PARIS, default_interval=60, refresh=0.2)
        tasks = [asyncio.create_task(sender.run(idle=0.2)), asyncio.create_task(poller.run())]
        try:
            await asyncio.wait_for(arrived.wait(), timeout=30)
            arrived.clear()
            await asyncio.to_thread(own_postgres.pause)
            await asyncio.sleep(3)  # 15 drains and 15 source listings fail meanwhile
            await asyncio.to_thread(own_postgres.resume)
            source = await _retrying(
                lambda: store.configure_source("Numerama", "https://x.invalid/feed")
            )
            await store_and_plan(store, source, [_post("Après")])
            sender.wake.set()
            await asyncio.wait_for(arrived.wait(), timeout=30)
            await asyncio.sleep(0.5)  # the recovery lines
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        counts = await store.outbox_counts(7)
    lines = _outage_lines(caplog)
    print("\n".join(lines))
    assert sent == [7, 7]
    assert counts == {"sent": 2}
    assert "Traceback" not in caplog.text
    assert "never retrieved" not in caplog.text
    # One line per kind of failure of each piece of work (the outbox drain, a delivery in
    # flight, the sources' listing, a poll's reads), one each on recovery; none repeated.
    # Before: a traceback from the drain every second and from the listing every 0.2 s.
    failures = [line for line in lines if "the database is unavailable" in line]
    recoveries = [line for line in lines if "works again" in line]
    assert len(failures) + len(recoveries) == len(lines), lines
    assert len(set(failures)) == len(failures) <= 8, lines
    assert 2 <= len(recoveries) <= 4, lines


async def _retrying(work):
    """The first call after the server is back may meet a connection it closed."""
    for _ in range(20):
        try:
            return await work()
        except Exception:
            await asyncio.sleep(0.2)
    return await work()
