"""Raw feed entry fields to Post models, with the value helpers both feed parsers share.

A reader (one per feed format) turns an entry into a dict of raw fields: `guid`, `url`,
`title`, `author`, `published` (aware UTC or None) and `date_text` (as written), `blocks`
(the article's text blocks), `images` (lead image first), `captions` and `categories`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from bot.ingest.dates import plausible
from bot.ingest.html_text import Block, first_sentence, one_line
from bot.ingest.passages import split_passages
from bot.ingest.urls import absolute, is_image, looks_like_url, safe_url, slug_words
from bot.models import Post, Skip
from bot.text import normalize

__all__ = ["absolute", "as_str", "collect", "describe", "is_image", "safe_url"]

_SPACES = re.compile(r"\s+")
# A hashtag starts a word: not inside URLs (`page#part`), entities or colours.
_HASHTAG = re.compile(r"(?<![^\s(\[«“\"'])#(\w*[^\W\d_]\w*)")
_REASON_CHARS = 200


def collect(
    items: Sequence[Any],
    read: Callable[[Any, str | None], dict[str, Any]],
    base: str | None,
    *,
    source: str,
    where: str,
    skipped: list[Skip],
    now: datetime,
) -> tuple[Post, ...]:
    """Build a post per entry; an entry that fails or has nothing readable becomes a Skip.

    What was repaired in a kept post (no title, an impossible date) is reported as a Skip
    too, with a reason that says the post was kept.
    """
    if not items:
        skipped.append(Skip(where, "feed has no entries"))
    posts = []
    for index, item in enumerate(items, start=1):
        notes: list[str] = []
        try:
            post = _make_post(read(item, base), source, now, notes)
        except Exception as exc:  # one odd entry must not lose the others
            skipped.append(Skip(f"{where} entry {index}", f"unreadable entry: {describe(exc)}"))
            continue
        skipped.extend(Skip(f"{where} entry {index}", note) for note in notes)
        if post is None:
            skipped.append(Skip(f"{where} entry {index}", "entry has no title, link or text"))
        else:
            posts.append(post)
    return tuple(posts)


def _make_post(entry: dict[str, Any], source: str, now: datetime, notes: list[str]) -> Post | None:
    """A Post from raw fields, or None when there is nothing a reader could use."""
    blocks: list[Block] = entry["blocks"]
    title: str = entry["title"]
    url: str | None = entry["url"]
    if title and looks_like_url(title):
        title = ""
    if not (title or url or blocks):
        return None
    if title:
        # A body that repeats the title (first or last) would double every title match.
        folded = normalize(title)
        blocks = [block for block in blocks if not _same_text(block.text, title, folded)]
    passages, credits = split_passages(blocks, title=title or None)
    if not title:
        text = passages[0].text if passages else ""
        title = first_sentence(text) if text else slug_words(url) or urlsplit(url or "").netloc
        origin = "its text" if text else "its link"
        notes.append(f"entry has no title: titled '{title}' from {origin}")
        if passages and passages[0].text == title:
            passages = passages[1:]
    published = entry["published"]
    if published is not None and not plausible(published, now):
        notes.append(f"date '{entry['date_text']}' is impossible: kept undated")
        published = None
    text = " ".join([title, *(passage.text for passage in passages)])
    return Post(
        source=source,
        title=title,
        passages=passages,
        guid=(as_str(entry["guid"]) or "").strip() or None,
        url=url,
        author=one_line(as_str(entry["author"]), "text/plain") or None,
        published=published,
        hashtags=_unique(_HASHTAG.findall(text)),
        images=_unique(image for image in entry["images"] if image),
        credits=tuple([*entry["captions"], *credits]),
        categories=_unique(one_line(as_str(term), "text/plain") for term in entry["categories"]),
        cut=bool(entry.get("cut")),
    )


def _same_text(text: str, title: str, folded: str) -> bool:
    # The length test spares normalizing every paragraph.
    return abs(len(text) - len(title)) <= len(title) // 2 + 8 and normalize(text) == folded


def as_str(value: object) -> str | None:
    """A string field; JSON numbers (ids) become strings, anything else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


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


def describe(exc: object) -> str:
    """`ExceptionClass: message`, one line, bounded."""
    message = _SPACES.sub(" ", str(exc)).strip()
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return text[:_REASON_CHARS]
