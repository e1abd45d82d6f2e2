"""Tell an input's kind from its content (a feed, a Movim dump, or neither) and parse it: pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo

from bot.ingest.feeds import looks_like_feed, parse_feed
from bot.ingest.movim import looks_like_movim, parse_movim
from bot.models import ParseResult
from bot.sourcelist.opml import looks_like_opml

NotPostsKind = Literal["empty", "opml", "unknown"]

_REASONS: dict[NotPostsKind, str] = {
    "empty": "empty input",
    "opml": "an OPML list of feeds, not posts: use `python -m bot sources import FILE`",
    "unknown": "neither a Movim dump nor an RSS/Atom/JSON feed",
}


@dataclass(frozen=True, slots=True)
class NotPosts:
    """Why an input holds no posts to load: it is empty, an OPML list, or neither kind."""

    kind: NotPostsKind

    @property
    def reason(self) -> str:
        """The reason as one line for a report or a failed poll."""
        return _REASONS[self.kind]


def parse_input(
    data: bytes,
    *,
    tz: ZoneInfo,
    today: date,
    content_type: str | None = None,
    base_url: str | None = None,
    source: str | None = None,
) -> ParseResult | NotPosts:
    """The posts of a Movim dump or a feed, told apart by content; NotPosts says why neither."""
    if not data.strip():
        return NotPosts("empty")
    # A feed shows itself in its first bytes; a dump needs its text read (once).
    if looks_like_feed(data):
        return parse_feed(data, source=source, content_type=content_type, base_url=base_url, tz=tz)
    if looks_like_opml(data):
        return NotPosts("opml")
    text = data.decode("utf-8", errors="replace")
    if looks_like_movim(text):
        return parse_movim(text, tz=tz, today=today)
    return NotPosts("unknown")
