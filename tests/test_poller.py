"""The poller against a local feed server: priming, 304, backoff, alerts, isolation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.ingest.fetch import make_client
from bot.models import SourceState
from bot.poller import FAILURES_BEFORE_ALERT, MAX_BACKOFF, Poller, backoff
from bot.store import Store
from tests.fakes.feed_server import FeedServer
from tests.fakes.rss import make_rss


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
        third = await poller.poll(await _state(store, "A"))
        assert (third.status, third.new, third.planned) == ("new", 1, 1)
        assert woken == [1]
        assert [d.title for d in await store.pending()] == ["deux"]
        state = await _state(store, "A")
        assert state.primed and state.error_count == 0
        assert state.next_poll > datetime.now(UTC) + timedelta(seconds=50)


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
            assert outcome.status == "error" and outcome.error == "HTTP 500"
        state = await _state(store, "B")
        assert state.failing and state.error_count == FAILURES_BEFORE_ALERT + 2
        assert state.next_poll > datetime.now(UTC) + timedelta(seconds=backoff(10, 5) - 5)
        assert alerts.failing == ["B: HTTP 500"]  # told once, not at every failure
        server.set("/b.xml", make_rss("B", _items("enfin")))
        assert (await poller.poll(await _state(store, "B"))).status == "new"
        assert alerts.recovered == ["B"]
        assert not (await _state(store, "B")).failing


async def test_one_bad_source_never_stops_the_others(store: Store) -> None:
    async with FeedServer() as server, make_client(timeout=2) as client:
        server.set("/good.xml", make_rss("Good", _items("bonjour")))
        server.set("/junk.xml", b"<html>pas un flux</html>", content_type="text/html")
        await store.configure_source("Good", server.url("/good.xml"), interval=60)
        await store.configure_source("Junk", server.url("/junk.xml"), interval=60)
        await store.configure_source("Gone", "http://127.0.0.1:9/never.xml", interval=60)
        poller = Poller(store, client, tz=ZoneInfo("UTC"), default_interval=60)
        outcomes = {o.source: o for o in await poller.tick()}
        assert outcomes["Good"].status == "new"
        assert outcomes["Junk"].status == "error" and "neither" in outcomes["Junk"].error
        assert outcomes["Gone"].status == "error"
        assert await poller.tick() == []  # nothing is due again before its interval
