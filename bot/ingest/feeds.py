"""RSS, Atom, RDF and JSON Feed bytes to posts; pure, and never raises on any input."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import replace
from datetime import UTC, datetime
from email.message import Message
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import feedparser

from bot.ingest.article import read_article
from bot.ingest.charset import mend_utf8
from bot.ingest.dates import entry_date
from bot.ingest.entries import absolute, collect, describe, is_image, safe_url
from bot.ingest.html_text import one_line
from bot.ingest.jsonfeed import parse_json_feed
from bot.ingest.repeated import drop_repeated
from bot.models import ParseResult, Post, Skip

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
    tz: ZoneInfo | None = None,
    now: datetime | None = None,
    clean: bool = True,
) -> ParseResult:
    """Parse feed bytes into posts; problems come back as Skips, never as exceptions.

    A date written without a zone is read in `tz` (UTC when not given); a date before 1990
    or more than a day after `now` is dropped and reported. `clean=False` keeps boilerplate
    (the benchmark's baseline).
    """
    if isinstance(data, str):
        data = data.encode()
    where = source or base_url or "feed"
    options = _Options(tz or ZoneInfo("UTC"), now or datetime.now(UTC), clean)
    if not data or not data.strip():
        return ParseResult(posts=(), skipped=(Skip(where, "not a feed: empty document"),))
    if _decode_head(data[:_SNIFF_BYTES]).lstrip().startswith("{"):
        result = parse_json_feed(
            data, source=source, where=where, base_url=base_url, tz=options.tz,
            now=options.now, clean=clean,
        )  # fmt: skip
    else:
        result = _parse_xml_feed(
            data, source=source, where=where, content_type=content_type, base=base_url,
            options=options,
        )  # fmt: skip
    posts = keep_apart(result.posts)
    return replace(result, posts=drop_repeated(posts) if clean else posts)


def keep_apart(posts: tuple[Post, ...]) -> tuple[Post, ...]:
    """Posts with no guid that share a link but say different things (a comments feed giving
    every comment its article's link) each get an id of their own, instead of collapsing.

    The added part is a hash of what the entry says, so the same entry keeps its id from
    one poll to the next.
    """
    groups: dict[str, set[tuple[str, ...]]] = {}
    for post in posts:
        # A guid reused for another entry is the feed's own collision, reported as such.
        if not post.guid and post.url:
            groups.setdefault(post.identity, set()).add(_said(post))
    shared = {identity for identity, hashes in groups.items() if len(hashes) > 1}
    if not shared:
        return posts
    out = []
    for post in posts:
        if not post.guid and post.url and post.identity in shared:
            base = post.url
            digest = hashlib.sha256("\x00".join(_said(post)).encode()).hexdigest()[:12]
            post = replace(post, guid=f"{base}#{digest}")
        out.append(post)
    return tuple(out)


def _said(post: Post) -> tuple[str, ...]:
    """What an entry says (not its date, images or tags: a copy of one article differs there)."""
    return (post.title, post.author or "", *(passage.text for passage in post.passages))


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


class _Options:
    """How entries are read: the source's zone, the current time, whether to clean."""

    __slots__ = ("clean", "now", "tz")

    def __init__(self, tz: ZoneInfo, now: datetime, clean: bool) -> None:
        self.tz, self.now, self.clean = tz, now, clean


def _parse_xml_feed(
    data: bytes,
    *,
    source: str | None,
    where: str,
    content_type: str | None,
    base: str | None,
    options: _Options,
) -> ParseResult:
    headers = _response_headers(content_type, base)
    data = mend_utf8(data, content_type)
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
    read = partial(_xml_entry, options=options)
    posts = collect(
        entries, read, fallback_base, source=name, where=where, skipped=skipped, now=options.now
    )
    return ParseResult(posts=posts, skipped=tuple(skipped), kind="feed", feed_title=feed_title)


def _xml_entry(entry: dict[str, Any], base: str | None, *, options: _Options) -> dict[str, Any]:
    """The fields of one feedparser entry, not yet cleaned."""
    url = absolute(entry.get("link"), base)
    # Relative images in the article resolve against the post's own address.
    post_base = url or base
    content = (entry.get("content") or [{}])[0]
    # An ill-formed feed read by feedparser's loose parser keeps `title` and `summary`
    # but not their `_detail`: the plain fields are the fallback, never the link.
    summary = entry.get("summary_detail") or {"value": entry.get("summary")}
    title = entry.get("title_detail") or {"value": entry.get("title")}
    article, excerpt = (
        read_article(field.get("value"), field.get("type"), post_base, clean=options.clean)
        for field in (content, summary)
    )
    # feedparser files `media:description` (a photo caption) as the content: then the
    # summary is the text, and the caption the image's credit.
    caption = content.get("type") == "text/plain" and bool(entry.get("media_content"))
    body, other = (
        (article, excerpt) if article.blocks and not (caption and excerpt.blocks)
        else (excerpt, article)
    )  # fmt: skip
    captions = list(body.captions)
    if caption and body is excerpt:
        captions.extend(block.text for block in article.blocks)
    author = (entry.get("author_detail") or {}).get("name") or entry.get("author")
    images: list[str | None] = [body.lead_image or other.lead_image]
    for enclosure in entry.get("enclosures") or []:
        if is_image(enclosure.get("href"), enclosure.get("type")):
            images.append(absolute(enclosure.get("href"), base))
    for media in entry.get("media_content") or []:
        if media.get("medium") == "image" or is_image(media.get("url"), media.get("type")):
            images.append(absolute(media.get("url"), base))
    images.extend(absolute(thumb.get("url"), base) for thumb in entry.get("media_thumbnail") or [])
    # The plain dict lookups: feedparser's own fall back to `published` with a warning.
    date_text = dict.get(entry, "published") or dict.get(entry, "updated")
    parsed = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    return {
        "guid": entry.get("id"),
        "url": url,
        "title": one_line(title.get("value"), title.get("type")),
        "author": author,
        "published": entry_date(date_text, parsed, options.tz),
        "date_text": date_text,
        "blocks": list(body.blocks),
        "captions": captions,
        "categories": [tag.get("term") for tag in entry.get("tags") or []],
        "images": images,
        "cut": body.cut,
    }
