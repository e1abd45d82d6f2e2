"""Posts completed from their page, on both engines: passages, metadata, counts, the push wait."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.ingest.fetch import make_client
from bot.ingest.pages import PageFetcher
from bot.models import Passage, Post
from bot.polling.fulltext import PageWorker
from bot.polling.poller import Poller, store_and_plan
from bot.store import Store
from tests.conftest import ROOT
from tests.fakes.feed_server import FeedServer
from tests.fakes.rss import make_rss

BACKENDS = ("sqlite", "postgres")
PAGES = ROOT / "tests" / "data" / "fulltext"
HTML = "text/html; charset=utf-8"


def _teaser(url: str, text: str, *, guid: str, image: str | None = None) -> Post:
    return Post(
        source="Local",
        title="Les abeilles de Montreuil",
        passages=(Passage("paragraph", text),),
        guid=guid,
        url=url,
        images=(image,) if image else (),
    )


async def _stored(store: Store, posts: list[Post], *, chat: int | None = None) -> int:
    source = await store.configure_source("Local", "http://127.0.0.1:9/feed.xml")
    if chat is not None:
        await store.upsert_chat(chat, type="private")
        await store.subscribe(chat, source, "")
    await store_and_plan(store, source, posts, wants_page=lambda post: True)
    return source


async def _text(store: Store, title: str = "Les abeilles de Montreuil") -> list[str]:
    _, posts = await store.index_changes(0)
    [post] = [p for p in posts if p.title == title]
    return [passage.text for passage in post.passages]


async def _worker(store: Store, client: httpx.AsyncClient) -> PageWorker:
    return PageWorker(store, PageFetcher(client, gap=0.0))


async def test_the_page_replaces_the_teaser_and_the_index_follows(store: Store) -> None:
    async with FeedServer() as server, make_client(timeout=2) as client:
        server.set("/a/abeilles", (PAGES / "article.html").read_bytes(), content_type=HTML)
        # A teaser that says something else than the article's start stays as its lead.
        await _stored(store, [_teaser(server.url("/a/abeilles"), "Le miel a un goût.", guid="a")])
        seq_before, _ = await store.index_changes(0)

        [outcome] = await (await _worker(store, client)).drain()

    assert outcome.result == "page"
    seq_after, changed = await store.index_changes(seq_before)
    assert seq_after > seq_before
    assert [p.title for p in changed] == ["Les abeilles de Montreuil"]
    text = await _text(store)
    assert text[0] == "Le miel a un goût."
    assert any("tilleuls des squares" in t for t in text)
    assert not any("À lire aussi" in t or "Newsletter" in t for t in text)
    [delivery_post] = await store.recent_posts(5)
    assert delivery_post["url"] == server.url("/a/abeilles")
    counts = await store.fulltext_counts()
    assert counts["Local"] == {
        "full": 1, "teasers": 0, "subscribers": 0, "waiting": 0, "failed": {}
    }  # fmt: skip


async def test_a_teaser_the_page_starts_with_is_not_repeated(store: Store) -> None:
    async with FeedServer() as server, make_client(timeout=2) as client:
        server.set("/a/abeilles", (PAGES / "article.html").read_bytes(), content_type=HTML)
        teaser = "Sur les toits de Montreuil, une coopérative installe des ruches […]"
        await _stored(store, [_teaser(server.url("/a/abeilles"), teaser, guid="a")])
        await (await _worker(store, client)).drain()
    text = await _text(store)
    assert text[0].startswith("Sur les toits de Montreuil, une coopérative installe des ruches")
    assert "[…]" not in " ".join(text)


async def test_the_pages_image_only_when_the_feed_has_none(store: Store) -> None:
    async with FeedServer() as server, make_client(timeout=2) as client:
        body = (PAGES / "article.html").read_bytes()
        server.set("/a/1", body, content_type=HTML)
        server.set("/a/2", body, content_type=HTML)
        await _stored(
            store,
            [
                _teaser(server.url("/a/1"), "Un.", guid="1"),
                _teaser(server.url("/a/2"), "Deux.", guid="2", image="https://cdn.test/feed.jpg"),
            ],
            chat=7,
        )
        await (await _worker(store, client)).drain()
    images = {d.url: d.image for d in await store.pending(limit=10)}
    assert images == {
        server.url("/a/1"): server.url("/images/abeilles.jpg"),
        server.url("/a/2"): "https://cdn.test/feed.jpg",
    }


async def test_a_wall_keeps_the_teaser_and_marks_the_post(store: Store) -> None:
    async with FeedServer() as server, make_client(timeout=2) as client:
        server.set("/a/enquete", (PAGES / "paywall.html").read_bytes(), content_type=HTML)
        await _stored(store, [_teaser(server.url("/a/enquete"), "Une accroche.", guid="e")], chat=7)
        [outcome] = await (await _worker(store, client)).drain()
    assert outcome.result == "paywalled"
    assert await _text(store) == ["Une accroche."]
    [delivery] = await store.pending(limit=10)
    assert delivery.paywalled
    assert await store.paywalled_posts([delivery.post_id, delivery.post_id + 1]) == {
        delivery.post_id
    }
    assert (await store.fulltext_counts())["Local"]["subscribers"] == 1


async def test_a_failed_page_keeps_the_teaser_and_counts_its_reason(store: Store) -> None:
    async with FeedServer() as server, make_client(timeout=2) as client:
        server.set("/a/pdf", b"%PDF-1.4", content_type="application/pdf")
        posts = [
            _teaser(server.url("/a/missing"), "Manque.", guid="m"),
            _teaser(server.url("/a/pdf"), "Un PDF.", guid="p"),
        ]
        await _stored(store, posts)
        outcomes = await (await _worker(store, client)).drain()
        again = await (await _worker(store, client)).drain()  # failed pages are not retried
    assert sorted(o.result for o in outcomes) == ["gone", "not_html"]
    assert again == []
    assert (await store.fulltext_counts())["Local"]["failed"] == {"gone": 1, "not_html": 1}
    _, posts_now = await store.index_changes(0)
    assert sorted(p.passages[0].text for p in posts_now) == ["Manque.", "Un PDF."]


async def test_a_push_waits_for_its_page_at_most_page_wait(store: Store) -> None:
    await _stored(store, [_teaser("http://127.0.0.1:9/a", "Accroche.", guid="w")], chat=7)
    now = datetime.now(UTC)
    assert await store.pending(now=now, page_wait=10) == []  # held for its page
    later = await store.pending(now=now + timedelta(seconds=11), page_wait=10)
    assert [d.snippet for d in later] == ["Accroche."]  # then it goes with the teaser
    assert len(await store.pending(now=now, page_wait=0)) == 1


@pytest.mark.backends("sqlite")
async def test_backfill_marks_only_posts_never_tried(store: Store) -> None:
    source = await store.configure_source("Local", "http://127.0.0.1:9/feed.xml")
    never = await store.configure_source("Jamais", "http://127.0.0.1:9/j.xml", full_text="never")
    old = datetime(2020, 1, 1, tzinfo=UTC)
    posts = [
        Post("Local", f"P{n}", (Passage("paragraph", "x"),), guid=f"p{n}",
             url=f"http://127.0.0.1:9/{n}", published=old + timedelta(days=n))
        for n in range(4)
    ]  # fmt: skip
    await store_and_plan(store, source, posts, plan=False)
    await store_and_plan(store, never, [Post("Jamais", "J", url="http://127.0.0.1:9/j")])
    assert await store.want_backfill(since=old + timedelta(days=2), limit=None) == 2
    assert await store.want_backfill(limit=1) == 3  # one more, the newest untried
    assert await store.want_backfill(limit=None) == 4  # the "never" source is left out


async def test_an_updated_entry_asks_for_its_page_again(store: Store) -> None:
    async with FeedServer() as server, make_client(timeout=2) as client:
        server.set("/a/abeilles", (PAGES / "article.html").read_bytes(), content_type=HTML)
        url = server.url("/a/abeilles")
        source = await _stored(store, [_teaser(url, "Première accroche.", guid="a")])
        await (await _worker(store, client)).drain()
        assert any("tilleuls" in t for t in await _text(store))
        # The feed edits its entry: its new teaser replaces the page's text until the page
        # is read again.
        await store_and_plan(
            store, source, [_teaser(url, "Accroche corrigée.", guid="a")], wants_page=bool
        )
        assert (await store.fulltext_counts())["Local"]["waiting"] == 1
        [outcome] = await (await _worker(store, client)).drain()
    assert outcome.result == "page"
    text = await _text(store)
    assert text[0] == "Accroche corrigée."
    assert any("tilleuls" in t for t in text)
    assert server.hits["/a/abeilles"] == 2


async def test_a_slow_page_never_holds_up_the_feeds(store: Store) -> None:
    async with FeedServer() as server, make_client(timeout=30) as client:
        items = [{"title": "Lent", "link": server.url("/a/slow"), "description": "Court […]"}]
        server.set("/feed.xml", make_rss("Local", items))
        server.set("/a/slow", b"<html></html>", content_type=HTML, delay=25)
        await store.configure_source("Local", server.url("/feed.xml"), interval=1)
        pages = PageWorker(store, PageFetcher(client, gap=0.0))
        poller = Poller(store, client, tz=ZoneInfo("UTC"), default_interval=1, pages=pages)
        running = asyncio.create_task(poller.run())
        try:
            deadline = asyncio.get_running_loop().time() + 20
            while server.hits["/feed.xml"] < 3:
                assert asyncio.get_running_loop().time() < deadline, server.hits
                await asyncio.sleep(0.05)
            # The feed was polled three times while its entry's page was still being served.
            assert server.hits["/a/slow"] == 1
            assert not [span for span in server.spans if span[0] == "/a/slow"]
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
