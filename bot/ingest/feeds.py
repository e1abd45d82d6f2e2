"""RSS, Atom, RDF and JSON Feed bytes to posts; pure, and never raises on any input."""

from __future__ import annotations

import io
import re
import time
from datetime import UTC, datetime
from email.message import Message
from typing import Any

import feedparser

from bot.ingest.entries import absolute, collect, describe, is_image, safe_url
from bot.ingest.html_text import body_paragraphs, one_line
from bot.ingest.jsonfeed import parse_json_feed
from bot.models import ParseResult, Skip

_FEED_ROOTS = frozenset({"rss", "feed", "rdf", "channel"})
_SNIFF_BYTES = 4096
# Prolog items that may precede the root element: declaration, PIs, comments, doctype.
_PROLOG = re.compile(
    r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]*\[.*?\])?[^>]*>)", re.DOTALL | re.IGNORECASE
)
_ROOT = re.compile(r"\s*<(?:[\w.-]+:)?([\w.-]+)")


def looks_like_feed(data: bytes) -> bool:
    """Sniff: XML whose root is rss/feed/RDF (or CDF channel), or a JSON Feed object."""
    head = _decode_head(data[:_SNIFF_BYTES])
    stripped = head.lstrip()
    if stripped.startswith("{"):
        return re.search(r'"version"\s*:\s*"https?://jsonfeed\.org/version/', head) is not None
    position = 0
    while match := _PROLOG.match(head, position):
        position = match.end()
    root = _ROOT.match(head, position)
    return root is not None and root.group(1).lower() in _FEED_ROOTS


def parse_feed(
    data: bytes,
    *,
    source: str | None = None,
    content_type: str | None = None,
    base_url: str | None = None,
) -> ParseResult:
    """Parse feed bytes into posts; problems come back as Skips, never as exceptions."""
    if isinstance(data, str):
        data = data.encode()
    where = source or base_url or "feed"
    if not data or not data.strip():
        return ParseResult(posts=(), skipped=(Skip(where, "not a feed: empty document"),))
    if _decode_head(data[:_SNIFF_BYTES]).lstrip().startswith("{"):
        return parse_json_feed(data, source=source, where=where, base_url=base_url)
    return _parse_xml_feed(
        data, source=source, where=where, content_type=content_type, base=base_url
    )


def _decode_head(head: bytes) -> str:
    """Text of the first bytes, honouring a UTF-16/32 byte order mark."""
    for bom, codec in ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32")):
        if head.startswith(bom):
            return head.decode(codec, errors="ignore")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


def _response_headers(content_type: str | None, base: str | None) -> dict[str, str]:
    """Headers for feedparser: the charset of a Content-Type and the base URL.

    The media type itself only makes feedparser complain (feeds get served as text/html)
    or assume US-ASCII (RFC 3023's text/xml default), so it is always sent as XML.
    """
    headers = {"content-type": "application/xml"}
    if content_type:
        message = Message()
        message["content-type"] = content_type
        charset = message.get_param("charset")
        if isinstance(charset, str) and charset.strip():
            headers["content-type"] = f"application/xml; charset={charset.strip()}"
    if base and safe_url(base):
        headers["content-location"] = base
    return headers


def _parse_xml_feed(
    data: bytes, *, source: str | None, where: str, content_type: str | None, base: str | None
) -> ParseResult:
    headers = _response_headers(content_type, base)
    try:
        # A BytesIO, never the bytes: feedparser treats a bare string as a path or URL to open.
        # Its sanitizer is off because we keep text only, and it would keep iframe contents.
        parsed = feedparser.parse(
            io.BytesIO(data), response_headers=headers, sanitize_html=False,
            resolve_relative_uris=False,
        )  # fmt: skip
    except Exception as exc:  # a third-party parser must not take the poller down
        return ParseResult(posts=(), skipped=(Skip(where, f"not a feed: {describe(exc)}"),))
    feed = parsed.get("feed", {})
    title = feed.get("title_detail") or {}
    feed_title = one_line(title.get("value"), title.get("type")) or None
    entries = parsed.get("entries") or []
    skipped: list[Skip] = []
    if not parsed.get("version") and not entries:
        reason = describe(parsed["bozo_exception"]) if parsed.get("bozo") else "no RSS/Atom root"
        return ParseResult(posts=(), skipped=(Skip(where, f"not a feed: {reason}"),))
    if parsed.get("bozo"):
        skipped.append(Skip(where, f"ill-formed feed: {describe(parsed.get('bozo_exception'))}"))
    name = source or feed_title or "unknown"
    fallback_base = base or safe_url(feed.get("link"))
    posts = collect(entries, _xml_entry, fallback_base, source=name, where=where, skipped=skipped)
    return ParseResult(posts=posts, skipped=tuple(skipped), kind="feed", feed_title=feed_title)


def _xml_entry(entry: dict[str, Any], base: str | None) -> dict[str, Any]:
    """The fields of one feedparser entry, not yet cleaned."""
    content = (entry.get("content") or [{}])[0]
    summary = entry.get("summary_detail") or {}
    # Content that is only markup (an image, an embed) leaves the summary as the text.
    paragraphs = body_paragraphs(content.get("value"), content.get("type")) or body_paragraphs(
        summary.get("value"), summary.get("type")
    )
    title = entry.get("title_detail") or {}
    author = (entry.get("author_detail") or {}).get("name") or entry.get("author")
    images: list[str | None] = []
    for enclosure in entry.get("enclosures") or []:
        if is_image(enclosure.get("href"), enclosure.get("type")):
            images.append(enclosure.get("href"))
    for media in entry.get("media_content") or []:
        if media.get("medium") == "image" or is_image(media.get("url"), media.get("type")):
            images.append(media.get("url"))
    images.extend(thumb.get("url") for thumb in entry.get("media_thumbnail") or [])
    return {
        "guid": entry.get("id"),
        "url": absolute(entry.get("link"), base),
        "title": one_line(title.get("value"), title.get("type")),
        "author": author,
        "published": _from_struct(entry.get("published_parsed") or _updated(entry)),
        "paragraphs": paragraphs,
        "categories": [tag.get("term") for tag in entry.get("tags") or []],
        "images": [absolute(image, base) for image in images],
    }


def _updated(entry: dict[str, Any]) -> time.struct_time | None:
    # The plain dict lookup: feedparser's own falls back to published_parsed with a warning.
    return dict.get(entry, "updated_parsed")


def _from_struct(value: time.struct_time | None) -> datetime | None:
    """feedparser's struct_time (already UTC) as an aware datetime."""
    try:
        return datetime(*value[:6], tzinfo=UTC) if value else None
    except (TypeError, ValueError, OverflowError):
        return None
