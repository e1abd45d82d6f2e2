"""The poller against a local feed server: priming, 304, backoff, alerts, isolation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import describe
from bot.ingest.fetch import make_client
from bot.ingest.lanes import FetchLanes
from bot.models import SourceState
from bot.polling.poller import FAILURES_BEFORE_ALERT, MAX_BACKOFF, Poller, backoff
from bot.store import Store
from tests.conftest import SEED
from tests.fakes.feed_server import FeedServer
from tests.fakes.rss import make_rss

# The store under these tests runs on both engines.
BACKENDS = ("sqlite", "postgres")


def _items(*titles: str) -> list[dict[str, str]]:
    return [{"title": t, "link": f"https://example.org/{t}", "guid": t} for t in titles]


class Alerts:
    """Records the poller's calls to tell admins."""

    def __init__(self) -> None:
        self.failing: list[str] = []
        self.recovered: list[str] = []

    async def on_failing(self, source: SourceState, error: str) -> None:
        self.failing.append(f"{source.name}: {error}")

    async def on_recovered(self, source: SourceState, _: str) -> None:
        self.recovered.append(source.name)


async def _state(store: Store, name: str) -> SourceState:
    state = await store.source_by_name(name)
    assert state is not None
    return state


def test_backoff_doubles_and_caps_at_a_day() -> None:
    assert [backoff(60, n) for n in (1, 2, 3)] == [120, 240, 480]
    assert backoff(300, 40) == MAX_BACKOFF


async def test_first_poll_primes_then_new_entries_are_planned(store: Store) -> None:
    async with FeedServer() as server, make_client(timeout=2) as client:
        server.set("/a.xml", make_rss("A", _items("un")), etag='"1"')
        await store.configure_source("A", server.url("/a.xml"), interval=60)
        await store.upsert_chat(7, type="private")
        await store.subscribe(7, None, "")
        woken = []
        poller = Poller(
            store, client, tz=ZoneInfo("Europe/Paris"), default_interval=60,
            on_new=lambda: woken.append(1),
        )  # fmt: skip
        first = await poller.poll(await _state(store, "A"))
        assert (first.status, first.new, first.planned) == ("new", 1, 0)
        again = await poller.poll(await _state(store, "A"))
        assert again.status == "not_modified"
        assert server.seen("/a.xml")[-1].headers.get("If-None-Match") == '"1"'
        server.set("/a.xml", make_rss("A", _items("deux", "un")), etag='"2"')
        before = datetime.now(UTC).replace(microsecond=0)
        third = await poller.poll(await _state(store, "A"))
        assert (third.status, third.new, third.planned) == ("new", 1, 1)
        assert woken == [1]
        assert [d.title for d in await store.pending()] == ["deux"]
        state = await _state(store, "A")
        assert state.primed
        assert state.error_count == 0
        assert state.next_poll is not None
        assert state.next_poll >= before + timedelta(seconds=60)  # its interval after the poll


async def test_failures_back_off_alert_once_and_recover(store: Store) -> None:
    alerts = Alerts()
    async with FeedServer() as server, make_client(timeout=2) as client:
        server.set("/b.xml", b"oops", status=500)
        await store.configure_source("B", server.url("/b.xml"), interval=10)
        poller = Poller(
            store, client, tz=ZoneInfo("UTC"), default_interval=10,
            on_failing=alerts.on_failing, on_recovered=alerts.on_recovered,
        )  # fmt: skip
        for _ in range(FAILURES_BEFORE_ALERT + 2):
            outcome = await poller.poll(await _state(store, "B"))
            assert outcome.status == "error"
            assert outcome.error == "HTTP 500"
        state = await _state(store, "B")
        assert state.failing
        assert state.error_count == FAILURES_BEFORE_ALERT + 2
        assert state.next_poll is not None
        assert state.next_poll > datetime.now(UTC) + timedelta(seconds=backoff(10, 5) - 5)
        # Told once, not at every failure; the error as its code, rendered per reader.
        assert alerts.failing == ['B: !http {"status": "500"}']
        assert describe(state.last_error, "fr") == "le serveur a répondu HTTP 500"
        server.set("/b.xml", make_rss("B", _items("enfin")))
        assert (await poller.poll(await _state(store, "B"))).status == "new"
        assert alerts.recovered == ["B"]
        assert not (await _state(store, "B")).failing


async def _wait_until(condition, within: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "never happened"
        await asyncio.sleep(0.05)


async def test_one_bad_source_never_stops_the_others(store: Store) -> None:
    async with FeedServer() as server, make_client(timeout=2) as client:
        server.set("/good.xml", make_rss("Good", _items("bonjour")))
        server.set("/junk.xml", b"<html>pas un flux</html>", content_type="text/html")
        await store.configure_source("Good", server.url("/good.xml"), interval=60)
        await store.configure_source("Junk", server.url("/junk.xml"), interval=60)
        await store.configure_source("Gone", "http://127.0.0.1:9/never.xml", interval=60)
        poller = Poller(store, client, tz=ZoneInfo("UTC"), default_interval=60)
        running = asyncio.create_task(poller.run())

        async def all_polled() -> bool:
            states = [await _state(store, name) for name in ("Good", "Junk", "Gone")]
            return all(s.next_poll is not None for s in states)

        await _wait_until(all_polled)
        await asyncio.sleep(0.5)
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        good, junk, gone = [await _state(store, name) for name in ("Good", "Junk", "Gone")]
        assert good.last_success is not None
        assert good.error_count == 0
        assert junk.error_count == 1
        assert describe(junk.last_error, "en") == "neither a Movim dump nor an RSS/Atom/JSON feed"
        assert gone.error_count == 1
        assert gone.last_error == "!connection_refused"
        assert server.hits["/good.xml"] == 1  # nothing is polled again before its interval


@pytest.mark.backends("sqlite")  # timing of sends and fetches, not storage
async def test_sources_added_and_removed_while_running_are_followed(store: Store) -> None:
    async with FeedServer() as server, make_client(timeout=2) as client:
        server.set("/a.xml", make_rss("A", _items("un")))
        poller = Poller(store, client, tz=ZoneInfo("UTC"), default_interval=1, refresh=30)
        running = asyncio.create_task(poller.run())
        try:
            await asyncio.sleep(0.2)
            source = await store.configure_source("A", server.url("/a.xml"), interval=1)
            poller.sources_changed()  # as /addsource does: no wait for the next refresh

            async def polled_twice() -> bool:
                return server.hits["/a.xml"] >= 2

            await _wait_until(polled_twice)
            await store.stop_polling(source)
            poller.sources_changed()
            await asyncio.sleep(0.3)
            hits = server.hits["/a.xml"]
            await asyncio.sleep(1.5)
            assert server.hits["/a.xml"] == hits  # removed: no longer polled
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)


@pytest.mark.backends("sqlite")  # timing of sends and fetches, not storage
async def test_slow_sources_never_hold_up_a_fast_one(store: Store) -> None:
    # Five sources trickling a byte a second, more than both lanes hold, and one fast source
    # polled every second. Lanes are small here so the slow ones would fill them all.
    async with FeedServer() as server, make_client(timeout=5) as client:
        for n in range(5):
            server.set(f"/slow{n}.xml", b"<", repeat=10_000, interval=1.0)
            await store.configure_source(f"Slow {n}", server.url(f"/slow{n}.xml"), interval=1)
        server.set("/fast.xml", make_rss("Fast", _items("un")), etag='"1"')
        await store.configure_source("Fast", server.url("/fast.xml"), interval=1)
        lanes = FetchLanes(fast=2, slow=1, slow_after=0.5)
        poller = Poller(store, client, tz=ZoneInfo("UTC"), default_interval=1, lanes=lanes)
        running = asyncio.create_task(poller.run())
        await asyncio.sleep(5)
        fast_polls = server.hits["/fast.xml"]
        loop = asyncio.get_running_loop()
        cancelled_at = loop.time()
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        stopped_in = loop.time() - cancelled_at
    # About 5 at one a second; a poller that waits for slow fetches gets 1. At most one
    # slow_after (0.5 s) is lost at the start, while the slow ones are found out.
    assert fast_polls >= 3, fast_polls
    assert lanes.most_in_flight <= 3
    assert lanes.in_flight == 0
    # Cancelling does not wait for the slow fetches (their deadline is 20 s).
    assert stopped_in < 2, stopped_in


async def test_a_sources_own_time_zone_reads_its_zone_less_dates(store: Store) -> None:
    # A Movim dump's times carry no zone: the source's `timezone` says which they are.
    async with FeedServer() as server, make_client(timeout=2) as client:
        server.set("/dump.txt", SEED.read_bytes())
        for name, zone in (("Ici", None), ("Là-bas", "America/Montreal")):
            await store.configure_source(
                name, server.url("/dump.txt"), kind="movim", interval=60, timezone=zone
            )
        poller = Poller(store, client, tz=ZoneInfo("Europe/Paris"), default_interval=60)
        for name in ("Ici", "Là-bas"):
            assert (await poller.poll(await _state(store, name))).status == "new"
    assert (await _state(store, "la-bas")).timezone == "America/Montreal"
    _, posts = await store.index_changes(0)
    wagner = {p.source: p.published for p in posts if "Wagner" in p.title}
    # « Sunday, 26 February - 14:52 »: 13:52 UTC in Paris, 19:52 UTC in Montreal.
    assert wagner["Ici"] == datetime(2023, 2, 26, 13, 52, tzinfo=UTC)
    assert wagner["Là-bas"] == datetime(2023, 2, 26, 19, 52, tzinfo=UTC)
