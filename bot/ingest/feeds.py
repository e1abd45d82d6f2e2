"""RSS, Atom, RDF and JSON Feed bytes to posts; pure, and never raises on any input."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from email.message import Message
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from bot.ingest.html_text import (
    body_paragraphs,
    first_words,
    html_to_paragraphs,
    one_line,
)
from bot.ingest.passages import split_passages
from bot.models import ParseResult, Post, Skip

_JSON_FEED_PREFIX = "https://jsonfeed.org/version/"
_FEED_ROOTS = frozenset({"rss", "feed", "rdf", "channel"})
_SNIFF_BYTES = 4096
# Prolog items that may precede the root element: declaration, PIs, comments, doctype.
_PROLOG = re.compile(
    r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]*\[.*?\])?[^>]*>)", re.DOTALL | re.IGNORECASE
)
_ROOT = re.compile(r"\s*<(?:[\w.-]+:)?([\w.-]+)")
_SPACES = re.compile(r"\s+")
# A hashtag starts a word: not inside URLs (`page#part`), entities or colours.
_HASHTAG = re.compile(r"(?<![^\s(\[«“\"'])#(\w*[^\W\d_]\w*)")
_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg")
_REASON_CHARS = 200


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
        return _parse_json_feed(data, source=source, where=where, base_url=base_url)
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
    if base and _safe_url(base):
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
        return ParseResult(posts=(), skipped=(Skip(where, f"not a feed: {_describe(exc)}"),))
    feed = parsed.get("feed", {})
    title = feed.get("title_detail") or {}
    feed_title = one_line(title.get("value"), title.get("type")) or None
    entries = parsed.get("entries") or []
    skipped: list[Skip] = []
    if not parsed.get("version") and not entries:
        reason = _describe(parsed["bozo_exception"]) if parsed.get("bozo") else "no RSS/Atom root"
        return ParseResult(posts=(), skipped=(Skip(where, f"not a feed: {reason}"),))
    if parsed.get("bozo"):
        skipped.append(Skip(where, f"ill-formed feed: {_describe(parsed.get('bozo_exception'))}"))
    name = source or feed_title or "unknown"
    fallback_base = base or _safe_url(feed.get("link"))
    posts = _collect(entries, _xml_entry, fallback_base, source=name, where=where, skipped=skipped)
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
        if _is_image(enclosure.get("href"), enclosure.get("type")):
            images.append(enclosure.get("href"))
    for media in entry.get("media_content") or []:
        if media.get("medium") == "image" or _is_image(media.get("url"), media.get("type")):
            images.append(media.get("url"))
    images.extend(thumb.get("url") for thumb in entry.get("media_thumbnail") or [])
    return {
        "guid": entry.get("id"),
        "url": _absolute(entry.get("link"), base),
        "title": one_line(title.get("value"), title.get("type")),
        "author": author,
        "published": _from_struct(entry.get("published_parsed") or _updated(entry)),
        "paragraphs": paragraphs,
        "categories": [tag.get("term") for tag in entry.get("tags") or []],
        "images": [_absolute(image, base) for image in images],
    }


def _parse_json_feed(
    data: bytes, *, source: str | None, where: str, base_url: str | None
) -> ParseResult:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return ParseResult(posts=(), skipped=(Skip(where, f"not a feed: {_describe(exc)}"),))
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(version, str) or not version.startswith(_JSON_FEED_PREFIX):
        return ParseResult(posts=(), skipped=(Skip(where, "not a feed: JSON but no JSON Feed"),))
    feed_title = one_line(_str(document.get("title")), "text/plain") or None
    items = document.get("items")
    skipped: list[Skip] = []
    if not isinstance(items, list):
        skipped.append(Skip(where, "ill-formed feed: JSON Feed without an items list"))
        items = []
    base = (
        base_url or _safe_url(document.get("feed_url")) or _safe_url(document.get("home_page_url"))
    )
    name = source or feed_title or "unknown"
    posts = _collect(items, _json_item, base, source=name, where=where, skipped=skipped)
    return ParseResult(posts=posts, skipped=tuple(skipped), kind="feed", feed_title=feed_title)


def _json_item(item: object, base: str | None) -> dict[str, Any]:
    """The fields of one JSON Feed item, not yet cleaned."""
    if not isinstance(item, dict):
        raise ValueError(f"item is a {type(item).__name__}, not an object")
    authors = _list(item.get("authors")) or [item.get("author")]
    names = [_str(a.get("name")) for a in authors if isinstance(a, dict)]
    paragraphs = html_to_paragraphs(_str(item.get("content_html")) or "")
    if not paragraphs:
        plain = _str(item.get("content_text")) or _str(item.get("summary"))
        paragraphs = body_paragraphs(plain, "text/plain")
    images = [item.get("image"), item.get("banner_image")]
    for attachment in _list(item.get("attachments")):
        if isinstance(attachment, dict) and _is_image(
            _str(attachment.get("url")), _str(attachment.get("mime_type"))
        ):
            images.append(attachment.get("url"))
    return {
        "guid": _str(item.get("id")),
        "url": _absolute(_str(item.get("url")) or _str(item.get("external_url")), base),
        "title": one_line(_str(item.get("title")), "text/plain"),
        "author": next((name for name in names if name), None),
        "published": _from_iso(_str(item.get("date_published")) or _str(item.get("date_modified"))),
        "paragraphs": paragraphs,
        "categories": [_str(tag) for tag in _list(item.get("tags"))],
        "images": [_absolute(_str(image), base) for image in images],
    }


def _collect(
    items: Sequence[Any],
    read: Callable[[Any, str | None], dict[str, Any]],
    base: str | None,
    *,
    source: str,
    where: str,
    skipped: list[Skip],
) -> tuple[Post, ...]:
    """Build a post per entry; an entry that fails or has nothing readable becomes a Skip."""
    if not items:
        skipped.append(Skip(where, "feed has no entries"))
    posts = []
    for index, item in enumerate(items, start=1):
        try:
            post = _make_post(read(item, base), source)
        except Exception as exc:  # one odd entry must not lose the others
            skipped.append(Skip(f"{where} entry {index}", f"unreadable entry: {_describe(exc)}"))
            continue
        if post is None:
            skipped.append(Skip(f"{where} entry {index}", "entry has no title, link or text"))
        else:
            posts.append(post)
    return tuple(posts)


def _make_post(entry: dict[str, Any], source: str) -> Post | None:
    """A Post from cleaned-up fields, or None when there is nothing a reader could use."""
    paragraphs: list[str] = entry["paragraphs"]
    title = entry["title"]
    url = entry["url"]
    if not (title or url or paragraphs):
        return None
    passages, credits = split_passages(paragraphs)
    if not title:
        title = first_words(paragraphs[0]) if paragraphs else url or ""
    text = " ".join([title, *(passage.text for passage in passages)])
    return Post(
        source=source,
        title=title,
        passages=passages,
        guid=(_str(entry["guid"]) or "").strip() or None,
        url=url,
        author=one_line(_str(entry["author"]), "text/plain") or None,
        published=entry["published"],
        hashtags=_unique(_HASHTAG.findall(text)),
        images=_unique(image for image in entry["images"] if image),
        credits=tuple(credits),
        categories=_unique(one_line(_str(term), "text/plain") for term in entry["categories"]),
    )


def _updated(entry: dict[str, Any]) -> time.struct_time | None:
    # The plain dict lookup: feedparser's own falls back to published_parsed with a warning.
    return dict.get(entry, "updated_parsed")


def _from_struct(value: time.struct_time | None) -> datetime | None:
    """feedparser's struct_time (already UTC) as an aware datetime."""
    try:
        return datetime(*value[:6], tzinfo=UTC) if value else None
    except (TypeError, ValueError, OverflowError):
        return None


def _from_iso(value: str | None) -> datetime | None:
    """An RFC 3339 date as an aware UTC datetime; a missing offset is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip()) if value else None
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _absolute(url: str | None, base: str | None) -> str | None:
    """An absolute http(s) URL, resolving relative ones; anything else (javascript:...) is None."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    if base:
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    return _safe_url(url)


def _safe_url(url: object) -> str | None:
    if not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc and " " not in url else None


def _is_image(url: str | None, mime_type: str | None) -> bool:
    if mime_type:
        return mime_type.lower().startswith("image/")
    try:
        return bool(url) and urlsplit(url).path.lower().endswith(_IMAGE_EXTENSIONS)
    except ValueError:
        return False


def _str(value: object) -> str | None:
    """A string field; JSON numbers (ids) become strings, anything else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    """Non-empty values in order, without case-insensitive duplicates."""
    seen: set[str] = set()
    out = []
    for value in values:
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            out.append(value)
    return tuple(out)


def _describe(exc: object) -> str:
    """`ExceptionClass: message`, one line, bounded."""
    message = _SPACES.sub(" ", str(exc)).strip()
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return text[:_REASON_CHARS]
