"""Raw feed entry fields to Post models, with the value helpers both feed parsers share."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urljoin, urlsplit

from bot.ingest.html_text import first_words, one_line
from bot.ingest.passages import split_passages
from bot.models import Post, Skip

_SPACES = re.compile(r"\s+")
# A hashtag starts a word: not inside URLs (`page#part`), entities or colours.
_HASHTAG = re.compile(r"(?<![^\s(\[«“\"'])#(\w*[^\W\d_]\w*)")
_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg")
_REASON_CHARS = 200


def collect(
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
            skipped.append(Skip(f"{where} entry {index}", f"unreadable entry: {describe(exc)}"))
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
        guid=(as_str(entry["guid"]) or "").strip() or None,
        url=url,
        author=one_line(as_str(entry["author"]), "text/plain") or None,
        published=entry["published"],
        hashtags=_unique(_HASHTAG.findall(text)),
        images=_unique(image for image in entry["images"] if image),
        credits=tuple(credits),
        categories=_unique(one_line(as_str(term), "text/plain") for term in entry["categories"]),
    )


def absolute(url: str | None, base: str | None) -> str | None:
    """An absolute http(s) URL, resolving relative ones; anything else (javascript:...) is None."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    if base:
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    return safe_url(url)


def safe_url(url: object) -> str | None:
    """The URL stripped if it is an absolute http(s) one without spaces, else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc and " " not in url else None


def is_image(url: str | None, mime_type: str | None) -> bool:
    """Whether a link is an image, by its MIME type if given, else by its file extension."""
    if mime_type:
        return mime_type.lower().startswith("image/")
    try:
        return bool(url) and urlsplit(url).path.lower().endswith(_IMAGE_EXTENSIONS)
    except ValueError:
        return False


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
