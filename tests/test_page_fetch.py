"""Article pages fetched politely and safely, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from ipaddress import ip_network
from itertools import pairwise

import httpx
import pytest

from bot.ingest.addresses import AddressPolicy
from bot.ingest.fetch import make_client
from bot.ingest.pages import PageFetcher
from tests.fakes.feed_server import FeedServer

HTML = "text/html; charset=utf-8"
PAGE = b"<!DOCTYPE html><html><body><article><p>Un article.</p></article></body></html>"


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as running:
        yield running


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(timeout=0.5) as opened:
        yield opened


def _pages(server: FeedServer, prefix: str = "/a/") -> list[tuple[str, float, float]]:
    return sorted((s for s in server.spans if s[0].startswith(prefix)), key=lambda s: s[1])


async def test_pages_of_one_host_go_one_at_a_time_with_the_gap(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    for n in range(4):
        server.set(f"/a/{n}", PAGE, content_type=HTML, delay=0.1)
    fetcher = PageFetcher(client, gap=0.3)

    results = await asyncio.gather(*(fetcher.fetch(server.url(f"/a/{n}")) for n in range(4)))

    assert [r.failure for r in results] == [None] * 4
    spans = _pages(server)
    assert len(spans) == 4
    # By the server's clock: each page starts after the previous one ended, plus the gap.
    gaps = [later[1] - earlier[2] for earlier, later in pairwise(spans)]
    assert min(gaps) >= 0.3, gaps


async def test_two_hosts_do_not_wait_for_each_other(client: httpx.AsyncClient) -> None:
    async with FeedServer() as one, FeedServer() as two:
        for site in (one, two):
            site.set("/a/slow", PAGE, content_type=HTML, delay=0.3)
        fetcher = PageFetcher(client, gap=5.0)

        await asyncio.gather(fetcher.fetch(one.url("/a/slow")), fetcher.fetch(two.url("/a/slow")))

        [(_, start_one, end_one)] = _pages(one)
        [(_, start_two, end_two)] = _pages(two)
    assert start_two < end_one  # the servers' spans overlap: both were asked at once
    assert start_one < end_two


async def test_robots_txt_is_read_once_and_obeyed(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.set(
        "/robots.txt",
        "User-agent: *\nDisallow: /tout/\n\nUser-agent: Relais\nDisallow: /prive/\n",
        content_type="text/plain",
    )
    for path in ("/a/ok", "/prive/page", "/tout/page", "/a/autre"):
        server.set(path, PAGE, content_type=HTML)
    fetcher = PageFetcher(client, gap=0.0)

    results = [
        await fetcher.fetch(server.url(path)) for path in ("/a/ok", "/prive/page", "/a/autre")
    ]

    assert [r.failure for r in results] == [None, "robots", None]
    assert server.hits["/robots.txt"] == 1
    assert server.hits["/prive/page"] == 0
    # The rules for Relais replace those for every agent (RFC 9309's most specific group).
    assert (await fetcher.fetch(server.url("/tout/page"))).failure is None
    assert {r.headers["User-Agent"].split("/")[0] for r in server.requests} == {"Relais"}


async def test_a_missing_robots_txt_allows_and_a_broken_one_forbids(
    client: httpx.AsyncClient,
) -> None:
    async with FeedServer() as missing, FeedServer() as broken:
        for site in (missing, broken):
            site.set("/a/page", PAGE, content_type=HTML)
        broken.set("/robots.txt", "oops", status=503, content_type="text/plain")
        fetcher = PageFetcher(client, gap=0.0)

        assert (await fetcher.fetch(missing.url("/a/page"))).failure is None
        assert (await fetcher.fetch(broken.url("/a/page"))).failure == "robots"
        assert broken.hits["/a/page"] == 0


@pytest.mark.parametrize(
    ("route", "code"),
    [
        ({"status": 404}, "gone"),
        ({"status": 410}, "gone"),
        ({"status": 500}, "http"),
        ({"content_type": "application/pdf"}, "not_html"),
        ({"content_type": "image/jpeg"}, "not_html"),
        ({"delay": 2.0}, "timeout"),
        ({"repeat": 400}, "too_big"),
    ],
)
async def test_failures_are_codes(
    server: FeedServer, client: httpx.AsyncClient, route: dict[str, object], code: str
) -> None:
    options: dict[str, object] = {"content_type": HTML, **route}
    server.set("/a/page", PAGE * 10, **options)  # type: ignore[arg-type]
    fetcher = PageFetcher(client, gap=0.0, deadline=1.0, max_bytes=20_000)

    result = await fetcher.fetch(server.url("/a/page"))

    assert result.failure == code
    assert result.body == b""


async def test_an_unreachable_host_is_unreachable(client: httpx.AsyncClient) -> None:
    async with FeedServer() as gone:
        url = gone.url("/a/page")
    # No connection was made, so nothing was asked of the host: no gap before the next page
    # (with the gap of 1,000 s kept, the timeout below would fire).
    fetcher = PageFetcher(client, gap=1000.0)
    async with asyncio.timeout(30):
        assert (await fetcher.fetch(url)).failure == "unreachable"
        assert (await fetcher.fetch(url)).failure == "unreachable"
    assert not fetcher.robots.known(url.rsplit("/a/", 1)[0])  # tried again next time


async def test_pages_of_sources_from_telegram_reach_public_addresses_only() -> None:
    policy = AddressPolicy(also_public=(ip_network("127.0.0.2/32"),))
    async with (
        FeedServer() as private,
        FeedServer(host="127.0.0.2") as public,
        make_client(timeout=0.5) as trusted,
        make_client(timeout=0.5, policy=policy) as guarded,
    ):
        private.set("/a/page", PAGE, content_type=HTML)
        public.set("/a/page", PAGE, content_type=HTML)
        public.redirect("/a/moved", private.url("/a/page"))
        fetcher = PageFetcher(trusted, public_only=guarded, gap=0.0)

        assert (await fetcher.fetch(private.url("/a/page"), untrusted=True)).failure == "refused"
        assert (await fetcher.fetch(public.url("/a/page"), untrusted=True)).failure is None
        assert (await fetcher.fetch(public.url("/a/moved"), untrusted=True)).failure == "refused"
        assert private.hits["/a/page"] == 0
        # The operator's own sources (SOURCES_FILE) may use private addresses.
        assert (await fetcher.fetch(private.url("/a/page"))).failure is None
