"""The feeds at an address a reader gives: the feed itself, the ones its page announces, or
one at a usual path (the fetching half of discovery; the reading half is pure)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import httpx

from bot.ingest.discovery import FeedLink, feed_links, usual_feed_urls
from bot.ingest.feeds import looks_like_feed, parse_feed
from bot.ingest.fetch import fetch

# A home page or a feed read to find feeds: smaller than a feed poll's cap.
MAX_PAGE_BYTES = 2 * 1024 * 1024


async def find_feeds(client: httpx.AsyncClient, url: str, *, tz: ZoneInfo) -> list[FeedLink]:
    """Feeds for `url`: itself when it is one (with its title), else those its HTML page
    links to, else the first usual path (/feed, /rss, …) that answers a feed; [] if none."""
    page = await fetch(client, url, max_bytes=MAX_PAGE_BYTES)
    if not page.ok:
        return []
    if looks_like_feed(page.body):
        return [FeedLink(page.url, _title(page.body, page.url, tz))]
    announced = feed_links(page.body, page.url)
    if announced:
        return announced
    for candidate in usual_feed_urls(page.url):
        tried = await fetch(client, candidate, max_bytes=MAX_PAGE_BYTES)
        if tried.ok and looks_like_feed(tried.body):
            return [FeedLink(tried.url, _title(tried.body, tried.url, tz))]
    return []


def _title(data: bytes, url: str, tz: ZoneInfo) -> str | None:
    return parse_feed(data, base_url=url, tz=tz).feed_title
