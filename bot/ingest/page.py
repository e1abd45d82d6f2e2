"""An article page (bytes as fetched) to its article, metadata and paywall mark: pure, no I/O.

The contract other modules rely on:

- `read_page(data, url, *, content_type=None) -> Page` never raises on any input and does
  no I/O; `url` is the page's address (relative addresses are resolved against it).
- `Page.article` is the `bot.ingest.article.Article` that `read_article` makes of
  `Page.body_html`, so boilerplate rules, lead image and captions apply exactly as for feed
  content; `Page.body_html` is the extracted article as HTML with its structure kept
  (headings, bold, lists, blockquotes), or None.
- `page_passages(page, title)` cuts the article into passages (interview turns, pull quotes)
  as feed entries are cut; it returns `(passages, credits)` like `split_passages`.
- `Page.title` (og:title, JSON-LD headline, else <title>), `Page.image` (og:image,
  twitter:image, JSON-LD image, a placeholder skipped, else the article's first picture;
  absolute), `author`, `published` (aware, UTC; a zone-less date is Paris time) and
  `canonical_url` (`<link rel=canonical>`, else og:url) come from the page's head and JSON-LD.
- `Page.paywalled` is True when the page shows a subscriber wall or its JSON-LD says
  `isAccessibleForFree: false`; the wall's own sentences are never in `body_html`/`article`.
- `Page.failure` is None for a page with an article, else a short code: "not_html" (not an
  HTML document), "empty" (no article text found), "unreadable" (the parser gave up). A page
  that failed as "empty" still carries its metadata and paywall mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.ingest.article import Article, read_article
from bot.ingest.html_text import Block
from bot.ingest.page_clean import NEVER, article_root, clean_root
from bot.ingest.page_meta import Meta, read_meta
from bot.ingest.passages import split_passages
from bot.ingest.paywall import cut_wall, find_wall
from bot.models import Passage
from bot.text import normalize

__all__ = ["Page", "page_passages", "read_page"]

_PARIS = ZoneInfo("Europe/Paris")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta)\b", re.I | re.S
)
_CHARSET_HEADER = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_CHARSET_META = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Page:
    """What an article page gives: its article and metadata, or why there is none."""

    article: Article | None = None
    body_html: str | None = None
    title: str | None = None
    image: str | None = None
    author: str | None = None
    published: datetime | None = None
    canonical_url: str | None = None
    paywalled: bool = False
    failure: str | None = None


def read_page(data: bytes, url: str, *, content_type: str | None = None) -> Page:
    """The article and metadata of an HTML page; never raises."""
    try:
        return _read(data, url, content_type)
    except Exception:  # a parser surprise on a hostile page is a failed page, not a crash
        return Page(failure="unreadable")


def page_passages(
    page: Page, title: str | None = None
) -> tuple[tuple[Passage, ...], tuple[str, ...]]:
    """The page's passages and credits, cut as a feed entry's body is (see entries.py)."""
    if page.article is None:
        return (), ()
    title = title or page.title
    blocks: list[Block] = list(page.article.blocks)
    if title:
        folded = normalize(title)
        blocks = [block for block in blocks if normalize(block.text) != folded]
    passages, credits = split_passages(blocks, title=title)
    return passages, tuple([*page.article.captions, *credits])


def _read(data: bytes, url: str, content_type: str | None) -> Page:
    if not _looks_html(data, content_type):
        return Page(failure="not_html")
    doc = LexborHTMLParser(_decode(data, content_type))
    meta = read_meta(doc, url, _PARIS)
    body = doc.body
    if body is None:
        return _page(meta, None, None, meta.free is False, "empty")
    _remove(body.css(NEVER))
    wall = find_wall(body)
    walled = meta.free is False or wall is not None
    root, counts = article_root(body)
    if root is None:
        return _page(meta, None, None, walled, "empty")
    if wall is not None:
        cut_wall(root, wall)
    clean_root(root, counts)
    html = root.html or ""
    article = read_article(html, "text/html", url)
    if not article.blocks:
        return _page(meta, None, None, walled, "empty")
    return _page(meta, article, html, walled, None)


def _page(
    meta: Meta, article: Article | None, html: str | None, walled: bool, failure: str | None
) -> Page:
    image = meta.image or (article.lead_image if article is not None else None)
    return Page(
        article=article,
        body_html=html,
        title=meta.title,
        image=image,
        author=meta.author,
        published=meta.published,
        canonical_url=meta.canonical_url,
        paywalled=walled,
        failure=failure,
    )


def _remove(nodes: list[LexborNode]) -> None:
    """Decompose nodes, never one inside another already gone (its memory is freed)."""
    doomed = {node.mem_id for node in nodes}
    for node in nodes:
        parent = node.parent
        while parent is not None and parent.mem_id not in doomed:
            parent = parent.parent
        if parent is None:
            node.decompose()


def _looks_html(data: bytes, content_type: str | None) -> bool:
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind and kind not in _HTML_TYPES and kind != "text/plain":
        return False
    head = data[:2048].lstrip(b"\xef\xbb\xbf")
    return bool(_HTML_START.match(head)) or (not kind and b"<p" in data[:65536].lower())


def _decode(data: bytes, content_type: str | None) -> str:
    """The page's text: the header's charset, else the page's <meta charset>, else UTF-8."""
    names = []
    if content_type and (match := _CHARSET_HEADER.search(content_type)):
        names.append(match.group(1))
    if data.startswith(b"\xef\xbb\xbf"):
        names.insert(0, "utf-8-sig")
    if found := _CHARSET_META.search(data[:4096]):
        names.append(found.group(1).decode("ascii", "replace"))
    for name in names:
        try:
            return data.decode(_charset(name))
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _charset(name: str) -> str:
    # Browsers read latin-1 labels as windows-1252 (its superset).
    lowered = name.strip().lower()
    return "cp1252" if lowered in ("iso-8859-1", "latin1", "latin-1", "us-ascii") else lowered
