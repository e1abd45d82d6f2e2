"""Tests for bot.ingest.fetch against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import time
import tracemalloc
import urllib.request
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.ingest.fetch import FetchResult, fetch, make_client
from tests.fakes.feed_server import FeedServer

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
ETAG = '"v1"'
LAST_MODIFIED = "Tue, 02 Apr 2024 07:37:00 GMT"


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as running:
        yield running


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(timeout=0.5) as opened:
        yield opened


async def test_ok_then_not_modified(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.set("/feed.xml", RSS, etag=ETAG, last_modified=LAST_MODIFIED)

    before = time.monotonic()
    first = await fetch(client, server.url("/feed.xml"))
    took = time.monotonic() - before

    assert first.status == "ok"
    assert first.ok
    assert first.body == RSS
    assert first.http_status == 200
    assert first.etag == ETAG
    assert first.last_modified == LAST_MODIFIED
    assert first.content_type == "application/rss+xml; charset=utf-8"
    assert first.url == server.url("/feed.xml")
    assert first.error is None
    assert 0 < first.elapsed <= took  # the request's own time, measured inside this call

    second = await fetch(client, first.url, etag=first.etag, last_modified=first.last_modified)

    assert second.status == "not_modified"
    assert second.http_status == 304
    assert second.body == b""
    assert (second.etag, second.last_modified) == (ETAG, LAST_MODIFIED)
    sent = server.seen("/feed.xml")[1].headers
    assert sent["If-None-Match"] == ETAG
    assert sent["If-Modified-Since"] == LAST_MODIFIED
    assert server.hits["/feed.xml"] == 2
    assert server.seen("/feed.xml")[0].headers["User-Agent"].startswith("Relais/")


async def test_changed_feed_is_fetched_again(server: FeedServer, client: httpx.AsyncClient):
    server.set("/feed.xml", RSS, etag=ETAG)
    server.set("/feed.xml", RSS + b"<!-- v2 -->", etag='"v2"')

    result = await fetch(client, server.url("/feed.xml"), etag=ETAG)

    assert result.status == "ok"
    assert result.etag == '"v2"'


async def test_last_modified_alone_gives_304(server: FeedServer, client: httpx.AsyncClient):
    server.set("/feed.xml", RSS, last_modified=LAST_MODIFIED)

    result = await fetch(client, server.url("/feed.xml"), last_modified=LAST_MODIFIED)

    assert result.status == "not_modified"
    assert result.last_modified == LAST_MODIFIED


async def test_server_error(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.set("/broken", b"oops", status=500)

    result = await fetch(client, server.url("/broken"))

    assert result == FetchResult(
        "error", server.url("/broken"), b"", result.content_type, None, None, 500, "HTTP 500",
        result.elapsed,
    )  # fmt: skip


async def test_not_found(server: FeedServer, client: httpx.AsyncClient) -> None:
    result = await fetch(client, server.url("/nowhere"))

    assert (result.status, result.error, result.http_status) == ("error", "HTTP 404", 404)


async def test_body_over_cap_with_content_length(server: FeedServer, client: httpx.AsyncClient):
    server.set("/big", b"x" * 50_000)

    result = await fetch(client, server.url("/big"), max_bytes=10_000)

    assert result.status == "error"
    assert result.error == "response larger than 10 kB cap"
    assert result.body == b""


async def handler_done(server: FeedServer, path: str) -> None:
    """Once the server has finished with its request to `path` (its writes failed or ended)."""
    for _ in range(600):
        if server.answered(path):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the server is still busy with {path}")


async def test_chunked_body_over_cap_stops_early(server: FeedServer, client: httpx.AsyncClient):
    # 64 kB × 10,000 = 655 MB if read to the end: only stopping early keeps this fast and small.
    server.set("/endless", b"x" * 65_536, chunked=True, repeat=10_000)
    tracemalloc.start()

    result = await fetch(client, server.url("/endless"), max_bytes=10_000)

    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.status == "error"
    assert result.error == "response larger than 10 kB cap"
    assert result.body == b""
    assert peak < 20_000_000
    await handler_done(server, "/endless")
    # The client hung up: the server's writes failed after a few socket buffers' worth.
    assert server.written["/endless"] < 65_536 * 1_000


async def test_chunked_body_under_cap_is_read(server: FeedServer, client: httpx.AsyncClient):
    server.set("/chunks", b"<rss>" + b" " * 1000, chunked=True, repeat=3)

    result = await fetch(client, server.url("/chunks"), max_bytes=10_000)

    assert result.status == "ok"
    assert len(result.body) == 3 * 1005


async def test_slow_server_times_out(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.set("/slow", RSS, delay=30.0)

    result = await fetch(client, server.url("/slow"))

    assert result.status == "error"
    assert result.error == "timed out after 0.5 s"
    assert not server.answered("/slow")  # given up on while the server still slept


async def test_total_timeout_bounds_a_trickling_body(server: FeedServer, client: httpx.AsyncClient):
    # Each chunk comes well within the read timeout, the whole body does not.
    server.set("/trickle", b"x" * 10, repeat=20, interval=0.2)

    result = await fetch(client, server.url("/trickle"), total_timeout=0.7)

    assert (result.status, result.error) == ("error", "timed out after 0.7 s")
    assert result.body == b""
    await handler_done(server, "/trickle")
    assert server.written["/trickle"] < 10 * 20  # hung up before the end of the body


async def test_redirect_is_followed(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.set("/new.xml", RSS)
    server.redirect("/old.xml", "/new.xml", status=301)

    result = await fetch(client, server.url("/old.xml"))

    assert result.status == "ok"
    assert result.url == server.url("/new.xml")


async def test_redirect_loop(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.redirect("/a", "/b")
    server.redirect("/b", "/a")

    result = await fetch(client, server.url("/a"))

    assert result.status == "error"
    assert result.error == "too many redirects (max 5)"
    assert server.hits["/a"] + server.hits["/b"] == 6


async def test_connection_refused(client: httpx.AsyncClient) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    result = await fetch(client, f"http://127.0.0.1:{closed_port}/feed.xml")

    assert (result.status, result.error) == ("error", "connection refused")


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/feed", "javascript:alert(1)", "", "feed.xml"]
)
async def test_only_http_urls(client: httpx.AsyncClient, url: str) -> None:
    result = await fetch(client, url)

    assert (result.status, result.error) == ("error", "not an http(s) URL")


async def test_invalid_url_is_an_error(client: httpx.AsyncClient) -> None:
    result = await fetch(client, "http://[::1/feed")

    assert result.status == "error"
    assert result.error


def test_make_client_settings() -> None:
    client = make_client(timeout=3.0, max_redirects=2, user_agent="Test/1")

    assert client.follow_redirects is True
    assert client.max_redirects == 2
    assert client.timeout.read == 3.0
    assert client.timeout.connect == 3.0
    assert client.headers["User-Agent"] == "Test/1"


def test_server_runs_in_a_thread_for_blocking_callers() -> None:
    with FeedServer() as server:
        server.set("/feed.xml", RSS, etag=ETAG)
        with urllib.request.urlopen(server.url("/feed.xml"), timeout=5) as response:
            assert response.read() == RSS
        request = urllib.request.Request(server.url("/feed.xml"), headers={"If-None-Match": ETAG})
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(request, timeout=5)
        raised.value.close()  # the error holds the response, and with it the socket
        assert raised.value.code == 304
        assert server.hits["/feed.xml"] == 2
