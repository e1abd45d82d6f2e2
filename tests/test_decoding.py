"""Content codings: decoded by us under the cap; bombs, stacks and unknown codings refused."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.ingest.decoding import BodyDecoder, DecodeError, TooLarge, codings
from bot.ingest.fetch import fetch, make_client
from tests.fakes.bombs import gzip_of_zeros, stacked_gzip_bomb
from tests.fakes.feed_server import FeedServer

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
GIGABYTE_IN_MIB = 1024


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as running:
        yield running


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(timeout=2) as opened:
        yield opened


def _decode(raw: bytes, coding: str | None, limit: int = 1_000_000, step: int = 7) -> bytes:
    decoder = BodyDecoder(coding, limit)
    parts = [decoder.feed(raw[at : at + step]) for at in range(0, len(raw), step)]
    return b"".join(parts) + decoder.finish()


def test_codings_are_read_in_order_without_identity() -> None:
    assert codings(None) == []
    assert codings("identity") == []
    assert codings(" GZip ") == ["gzip"]
    assert codings("x-gzip") == ["gzip"]
    assert codings("gzip, identity, gzip") == ["gzip", "gzip"]


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        (None, lambda body: body),
        ("identity", lambda body: body),
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as the RFC says
        ("deflate", lambda body: zlib.compress(body)[2:-4]),  # raw, as some servers send
    ],
)
def test_supported_codings_decode_in_small_chunks(coding, encode) -> None:
    assert _decode(encode(RSS * 50), coding) == RSS * 50


def test_several_gzip_members_are_one_body() -> None:
    assert _decode(gzip.compress(b"<rss>") + gzip.compress(b"</rss>"), "gzip") == b"<rss></rss>"


@pytest.mark.parametrize(
    ("header", "error"),
    [
        ("gzip, gzip", "stacked content encodings refused (gzip, gzip)"),
        ("deflate, gzip", "stacked content encodings refused (deflate, gzip)"),
        ("br", "unsupported content encoding: br"),
        ("compress", "unsupported content encoding: compress"),
    ],
)
def test_stacks_and_unknown_codings_are_refused(header: str, error: str) -> None:
    with pytest.raises(DecodeError) as raised:
        BodyDecoder(header, 1000)
    assert str(raised.value) == error


def test_garbage_is_a_decode_error_not_a_crash() -> None:
    with pytest.raises(DecodeError, match="could not decode the gzip body"):
        _decode(b"this is not gzip at all", "gzip")


def test_a_bomb_stops_one_byte_past_the_cap() -> None:
    decoder = BodyDecoder("gzip", 100_000)
    bomb = gzip_of_zeros(GIGABYTE_IN_MIB)
    decoded = 0

    def feed_it_all() -> None:
        nonlocal decoded
        for at in range(0, len(bomb), 65_536):
            decoded += len(decoder.feed(bomb[at : at + 65_536]))

    with pytest.raises(TooLarge):
        feed_it_all()
    assert decoded <= 100_000


async def _fetch_traced(client: httpx.AsyncClient, url: str):
    tracemalloc.start()
    try:
        result = await fetch(client, url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


async def test_stacked_bomb_is_refused_in_one_line(server: FeedServer, client) -> None:
    # 2.5 kB on the wire, a gigabyte once both layers are inflated.
    server.set(
        "/stacked", stacked_gzip_bomb(GIGABYTE_IN_MIB), headers={"Content-Encoding": "gzip, gzip"}
    )

    result, peak = await _fetch_traced(client, server.url("/stacked"))

    assert (result.status, result.error) == (
        "error",
        "stacked content encodings refused (gzip, gzip)",
    )
    assert peak < 20_000_000


async def test_one_layer_bomb_stops_at_the_cap(server: FeedServer, client) -> None:
    server.set("/bomb", gzip_of_zeros(GIGABYTE_IN_MIB), headers={"Content-Encoding": "gzip"})

    result, peak = await _fetch_traced(client, server.url("/bomb"))

    assert (result.status, result.error) == ("error", "response larger than 5 MB cap")
    assert result.body == b""
    # The 5 MB cap plus one decompression step, not a 64 MB raw chunk inflated at once.
    assert peak < 20_000_000


async def test_unknown_encoding_is_an_error_not_garbage(server: FeedServer, client) -> None:
    server.set("/br", b"\x1b\x03\x00\xf8\xa5\xb6", headers={"Content-Encoding": "br"})

    result = await fetch(client, server.url("/br"))

    assert (result.status, result.error) == ("error", "unsupported content encoding: br")


async def test_gzip_feed_is_decoded_and_codings_are_advertised(server: FeedServer, client) -> None:
    server.set("/feed.xml", gzip.compress(RSS), headers={"Content-Encoding": "gzip"})

    result = await fetch(client, server.url("/feed.xml"))

    assert (result.status, result.body) == ("ok", RSS)
    assert server.seen("/feed.xml")[0].headers["Accept-Encoding"] == "gzip, deflate"
