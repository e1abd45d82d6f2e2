"""Plain data: posts and passages, sources and their polling, chats, subscriptions, deliveries;
no I/O."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

PassageKind = Literal["paragraph", "question", "answer", "pullquote"]
PASSAGE_KINDS: tuple[PassageKind, ...] = ("paragraph", "question", "answer", "pullquote")
SourceKind = Literal["feed", "movim"]
# Where a polled source came from: SOURCES_FILE, the command line, or Telegram (untrusted).
SourceOrigin = Literal["file", "cli", "telegram"]
# When a post's page is fetched for its full text: for teasers only, always, or never.
FullText = Literal["auto", "always", "never"]
FULL_TEXT_MODES: tuple[FullText, ...] = ("auto", "always", "never")


@dataclass(frozen=True, slots=True)
class Passage:
    """One searchable piece of a post's body: a paragraph, an interview turn or a pull quote."""

    kind: PassageKind
    text: str
    speaker: str | None = None


@dataclass(frozen=True, slots=True)
class Post:
    """A post as parsed from a Movim dump or a feed, before it is stored.

    `published` is timezone-aware (UTC) or None when the input gave no date.
    """

    source: str
    title: str
    passages: tuple[Passage, ...] = ()
    guid: str | None = None
    url: str | None = None
    author: str | None = None
    published: datetime | None = None
    reading_minutes: int | None = None
    hashtags: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    credits: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    # The feed's text ended in a « Lire la suite »-like trailer (removed from the passages):
    # the entry is a teaser of its page. Not part of content_hash: it is no reader's text.
    cut: bool = False

    @property
    def identity(self) -> str:
        """Stable key within the source: the guid, else the URL, else a hash of the content."""
        if self.guid:
            return "guid:" + self.guid.strip()
        if self.url:
            return "url:" + canonical_url(self.url)
        digest = hashlib.sha256()
        digest.update(self.title.encode())
        for passage in self.passages:
            digest.update(b"\x00" + passage.text.encode())
        return "sha256:" + digest.hexdigest()[:32]

    @property
    def content_hash(self) -> str:
        """Hash of everything shown to readers, to tell an updated entry from an unchanged one."""
        parts = [self.title, self.url or "", self.author or "", str(self.published or "")]
        parts += [f"{p.kind}\x00{p.speaker or ''}\x00{p.text}" for p in self.passages]
        parts += [*self.hashtags, "\x02", *self.images, "\x02", *self.categories]
        return hashlib.sha256("\x01".join(parts).encode()).hexdigest()[:32]


def canonical_url(url: str) -> str:
    """Drop the fragment and a trailing slash so one page has one URL."""
    url = url.strip().split("#", 1)[0]
    return url[:-1] if url.endswith("/") and url.count("/") > 3 else url


# Query parameters that only say where a reader came from (campaigns, click ids).
_TRACKING = ("utm_", "fbclid", "gclid", "xtor", "mc_cid", "mc_eid", "at_medium", "at_campaign")


def article_key(url: str | None) -> str | None:
    """The URL as two sources would both link one article: host without www., no scheme,
    no fragment, no tracking parameters, no trailing slash. None for a site's home page
    or anything not http(s), which many different posts may share.
    """
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    path = parts.path.rstrip("/")
    if not path:
        return None
    query = "&".join(
        pair for pair in parts.query.split("&") if pair and not pair.lower().startswith(_TRACKING)
    )
    host = parts.hostname.removeprefix("www.")
    return f"{host}{path}?{query}" if query else f"{host}{path}"


@dataclass(frozen=True, slots=True)
class Skip:
    """Something a parser or loader could not use, reported instead of raised."""

    where: str
    reason: str


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What a parser got out of one input: the posts, and what it skipped."""

    posts: tuple[Post, ...]
    skipped: tuple[Skip, ...] = ()
    kind: SourceKind = "feed"
    feed_title: str | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """A configured source of posts (a feed URL or a Movim dump location)."""

    name: str
    url: str | None = None
    kind: SourceKind = "feed"
    interval: int | None = None
    timezone: str | None = None  # IANA name, for dates the source gives without a zone
    full_text: FullText = "auto"


@dataclass(slots=True)
class LoadSummary:
    """Counts of what one load did to one source."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    planned: int = 0
    collisions: int = 0  # entries dropped because another one had the same id
    new_post_ids: list[int] = field(default_factory=list)
    # Why entries were skipped, with how many for each reason (they add up to `skipped`).
    skip_reasons: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        """Count one skipped entry and why."""
        self.skipped += 1
        self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + 1


@dataclass(frozen=True, slots=True)
class IndexedPassage:
    """A stored passage as the search index sees it: original and normalized text."""

    passage_id: int
    kind: PassageKind
    speaker: str | None
    text: str
    norm: str


@dataclass(frozen=True, slots=True)
class IndexedPost:
    """A stored post as the search index sees it. No passages and no title mean deleted."""

    post_id: int
    source: str
    title: str
    title_norm: str
    author: str | None
    published: datetime | None
    url: str | None
    passages: tuple[IndexedPassage, ...] = ()
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class Chat:
    """A chat Relais talks to: a private chat, a group or a channel."""

    id: int
    type: str
    title: str | None = None
    language: str = "fr"
    timezone: str | None = None
    active: bool = True
    link_previews: bool = False
    quiet_start: str | None = None
    quiet_end: str | None = None
    digest: str | None = None
    last_digest_at: datetime | None = None
    manages: int | None = None
    language_chosen: bool = False  # /langue: kept over the Telegram app's language
    # A forum topic of the chat (0: the chat itself, or the General topic): its digest,
    # quiet hours and previews above are the topic's own; its title and pause.
    thread_id: int = 0
    topic_title: str | None = None
    paused_at: datetime | None = None

    def zone(self, default: ZoneInfo) -> ZoneInfo:
        """The chat's own time zone (/timezone), else the configured one."""
        return ZoneInfo(self.timezone) if self.timezone else default


@dataclass(frozen=True, slots=True)
class Subscription:
    """A chat following one source (or all, when source_id is None) through a filter."""

    id: int
    chat_id: int
    source_id: int | None
    source: str | None
    filters: str
    digest: bool = False
    shown: str | None = None  # the filters as the user wrote them (None: as `filters`)
    thread_id: int = 0  # the forum topic it pushes to (0: the chat itself)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One outbox row to send: a post owed to a chat, with what the message shows."""

    id: int
    chat_id: int
    post_id: int
    kind: str
    title: str
    url: str | None
    source: str
    published: datetime | None
    hashtags: tuple[str, ...]
    snippet: str
    created_at: datetime
    attempts: int = 0
    image: str | None = None  # the post's lead image URL, if it has one
    paywalled: bool = False  # its page is for subscribers (🔒)
    thread_id: int = 0  # the forum topic it goes to (0: the chat itself)


@dataclass(frozen=True, slots=True)
class SourceState:
    """A polled source and where its polling stands."""

    id: int
    name: str
    url: str | None
    kind: SourceKind
    interval: int | None
    etag: str | None
    last_modified: str | None
    last_success: datetime | None
    last_error: str | None
    error_count: int
    next_poll: datetime | None
    failing: bool
    primed: bool
    origin: SourceOrigin = "cli"
    timezone: str | None = None
    collisions: int = 0  # entries of its latest input dropped for sharing an id
    full_text: FullText = "auto"

    def zone(self, default: ZoneInfo) -> ZoneInfo:
        """The source's own time zone (`timezone` in SOURCES_FILE), else the configured one."""
        try:
            return ZoneInfo(self.timezone) if self.timezone else default
        except (KeyError, ValueError, OSError):  # a zone this system does not know
            return default


@dataclass(frozen=True, slots=True)
class Lease:
    """A role held by one process until `expires_at` unless renewed (the replicas' leader)."""

    name: str
    owner: str
    acquired_at: datetime
    expires_at: datetime
