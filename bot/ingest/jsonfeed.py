"""JSON Feed (jsonfeed.org, versions 1 and 1.1) bytes to posts; never raises on any input."""

from __future__ import annotations

import json
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from bot.ingest.article import read_article
from bot.ingest.dates import iso_date
from bot.ingest.entries import absolute, as_str, collect, describe, is_image, safe_url
from bot.ingest.html_text import one_line
from bot.models import ParseResult, Skip

_JSON_FEED_PREFIX = "https://jsonfeed.org/version/"


def parse_json_feed(
    data: bytes,
    *,
    source: str | None,
    where: str,
    base_url: str | None,
    tz: ZoneInfo,
    now: datetime,
    clean: bool = True,
) -> ParseResult:
    """Parse JSON Feed bytes into posts; problems come back as Skips, never as exceptions."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return ParseResult(posts=(), skipped=(Skip(where, f"not a feed: {describe(exc)}"),))
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(version, str) or not version.startswith(_JSON_FEED_PREFIX):
        return ParseResult(posts=(), skipped=(Skip(where, "not a feed: JSON but no JSON Feed"),))
    feed_title = one_line(as_str(document.get("title")), "text/plain") or None
    items = document.get("items")
    skipped: list[Skip] = []
    if not isinstance(items, list):
        skipped.append(Skip(where, "ill-formed feed: JSON Feed without an items list"))
        items = []
    base = base_url or safe_url(document.get("feed_url")) or safe_url(document.get("home_page_url"))
    name = source or feed_title or "unknown"
    read = partial(_json_item, tz=tz, clean=clean)
    posts = collect(items, read, base, source=name, where=where, skipped=skipped, now=now)
    return ParseResult(posts=posts, skipped=tuple(skipped), kind="feed", feed_title=feed_title)


def _json_item(item: object, base: str | None, *, tz: ZoneInfo, clean: bool) -> dict[str, Any]:
    """The fields of one JSON Feed item, not yet cleaned."""
    if not isinstance(item, dict):
        raise ValueError(f"item is a {type(item).__name__}, not an object")
    authors = _list(item.get("authors")) or [item.get("author")]
    names = [as_str(a.get("name")) for a in authors if isinstance(a, dict)]
    url = absolute(as_str(item.get("url")) or as_str(item.get("external_url")), base)
    article = read_article(as_str(item.get("content_html")), "text/html", url or base, clean=clean)
    if not article.blocks:
        plain = as_str(item.get("content_text")) or as_str(item.get("summary"))
        article = read_article(plain, "text/plain", url or base, clean=clean)
    images = [article.lead_image, item.get("image"), item.get("banner_image")]
    for attachment in _list(item.get("attachments")):
        if isinstance(attachment, dict) and is_image(
            as_str(attachment.get("url")), as_str(attachment.get("mime_type"))
        ):
            images.append(attachment.get("url"))
    date_text = as_str(item.get("date_published")) or as_str(item.get("date_modified"))
    return {
        "guid": as_str(item.get("id")),
        "url": url,
        "title": one_line(as_str(item.get("title")), "text/plain"),
        "author": next((name for name in names if name), None),
        "published": iso_date(date_text, tz),
        "date_text": date_text,
        "blocks": list(article.blocks),
        "captions": list(article.captions),
        "categories": [as_str(tag) for tag in _list(item.get("tags"))],
        "images": [absolute(as_str(image), base) for image in images],
        "cut": article.cut,
    }


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
