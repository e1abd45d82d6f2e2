"""An input's bytes to posts: a Movim dump or a feed, told apart by content; pure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from zoneinfo import ZoneInfo

from bot.ingest.feeds import looks_like_feed, parse_feed
from bot.ingest.movim import iter_movim, looks_like_movim, parse_movim
from bot.models import ParseResult
from bot.opml import looks_like_opml


def parse_bytes(
    data: bytes,
    *,
    tz: ZoneInfo,
    today: date,
    content_type: str | None = None,
    base_url: str | None = None,
    source: str | None = None,
) -> ParseResult | str:
    """Parse a Movim dump or a feed, told apart by content; a string says why neither."""
    if not data.strip():
        return "empty input"
    # A feed shows itself in its first bytes; a dump needs its text read (once).
    if looks_like_feed(data):
        return parse_feed(data, source=source, content_type=content_type, base_url=base_url, tz=tz)
    if looks_like_opml(data):
        return "an OPML list of feeds, not posts: use `python -m bot sources import FILE`"
    text = data.decode("utf-8", errors="replace")
    if looks_like_movim(text):
        return parse_movim(text, tz=tz, today=today)
    return "neither a Movim dump nor an RSS/Atom/JSON feed"


def parse_parts(
    data: bytes,
    *,
    tz: ZoneInfo,
    today: date,
    content_type: str | None = None,
    base_url: str | None = None,
) -> Iterator[ParseResult | str]:
    """`parse_bytes` in parts: a Movim dump a batch of posts at a time (so that a loader
    can store one while the next is parsed), anything else whole."""
    if data.strip() and not looks_like_feed(data) and not looks_like_opml(data):
        text = data.decode("utf-8", errors="replace")
        if looks_like_movim(text):
            yield from iter_movim(text, tz=tz, today=today)
            return
    yield parse_bytes(data, tz=tz, today=today, content_type=content_type, base_url=base_url)
