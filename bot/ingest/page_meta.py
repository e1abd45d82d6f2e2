"""An article page's metadata: title, lead image, author, date, canonical URL and JSON-LD."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser

from bot.ingest.dates import iso_date
from bot.ingest.html_text import strip_html
from bot.ingest.urls import absolute

# JSON-LD types that describe the article itself (not the site, a breadcrumb or a person).
_ARTICLE_TYPES = frozenset(
    {"article", "newsarticle", "reportage", "reportagenewsarticle", "analysisnewsarticle"}
    | {"opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "blogposting"}
    | {"socialmediaposting", "webpage", "interviewnewsarticle", "techarticle", "liveblogposting"}
)
_JSON_LD_MAX_CHARS = 500_000
# A site's stand-in when an article has no picture of its own.
_FREE_FIELD = re.compile(r'"isAccessibleForFree"\s*:\s*"?(true|false)"?', re.IGNORECASE)
_PLACEHOLDER = re.compile(r"placeholder|/default[-_.]|[-_/]logo[-_.]|/logos?/", re.IGNORECASE)
_NAME_MAX_CHARS = 120


@dataclass(frozen=True, slots=True)
class Meta:
    """What a page's head (and its JSON-LD) says of the article."""

    title: str | None = None
    image: str | None = None
    author: str | None = None
    published: datetime | None = None
    canonical_url: str | None = None
    free: bool | None = None


def read_meta(doc: LexborHTMLParser, url: str, tz: ZoneInfo) -> Meta:
    """The metadata of a parsed page; relative addresses are resolved against `url`."""
    props = _meta_tags(doc)
    ld = _article_ld(doc)
    title = _first_text(props.get("og:title"), _ld_str(ld.get("headline")), _title_tag(doc))
    image = _first_url(
        url,
        props.get("og:image"),
        props.get("og:image:url"),
        props.get("og:image:secure_url"),
        props.get("twitter:image"),
        props.get("twitter:image:src"),
        *_ld_images(ld.get("image")),
    )
    author = _first_text(
        *_ld_names(ld.get("author")), props.get("author"), props.get("article:author")
    )
    if author and (author.startswith(("http://", "https://")) or len(author) > _NAME_MAX_CHARS):
        author = None
    published = None
    for raw in (
        _ld_str(ld.get("datePublished")),
        props.get("article:published_time"),
        props.get("og:article:published_time"),
        props.get("date"),
        props.get("dc.date"),
        _time_tag(doc),
    ):
        published = iso_date(raw, tz) if raw else None
        if published is not None:
            break
    canonical = _first_url(url, _canonical_link(doc), props.get("og:url"))
    # The article's own statement wins; without one, any part for subscribers only counts
    # (Sciences et Avenir marks a free article True and a part of it False).
    free = _accessible(ld)
    if free is None and any(_accessible(item) is False for item in _parts(doc)):
        free = False
    return Meta(title, image, author, published, canonical, free)


def _meta_tags(doc: LexborHTMLParser) -> dict[str, str]:
    """`<meta property|name=… content=…>` of the page, the first of each name kept."""
    found: dict[str, str] = {}
    for node in doc.css("meta"):
        attributes = node.attributes
        name = attributes.get("property") or attributes.get("name") or attributes.get("itemprop")
        # Radio-Canada writes `value=` where the standard says `content=`.
        content = attributes.get("content") or attributes.get("value")
        if name and content and content.strip():
            found.setdefault(name.strip().lower(), content.strip())
    return found


def _title_tag(doc: LexborHTMLParser) -> str | None:
    node = doc.css_first("title")
    return node.text() if node is not None else None


def _canonical_link(doc: LexborHTMLParser) -> str | None:
    for node in doc.css("link[rel]"):
        if "canonical" in (node.attributes.get("rel") or "").lower().split():
            return node.attributes.get("href")
    return None


def _time_tag(doc: LexborHTMLParser) -> str | None:
    node = doc.css_first("article time[datetime]") or doc.css_first("time[datetime]")
    return node.attributes.get("datetime") if node is not None else None


def _first_text(*values: str | None) -> str | None:
    for value in values:
        text = strip_html(value) if value else ""
        if text:
            return text
    return None


def _first_url(base: str, *values: str | None) -> str | None:
    for value in values:
        address = absolute(value, base)
        if address and not _PLACEHOLDER.search(address):
            return address
    return None


def json_ld(doc: LexborHTMLParser) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object of a page, `@graph` members included; broken scripts skipped."""
    for node in doc.css('script[type="application/ld+json"]'):
        text = node.text() or ""
        if len(text) > _JSON_LD_MAX_CHARS:
            continue
        try:
            data = json.loads(text, strict=False)
        except ValueError:
            # Broken JSON (AOC's quotes) still states its paywall plainly.
            if found := _FREE_FIELD.search(text):
                yield {"isAccessibleForFree": found.group(1)}
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)


def _article_ld(doc: LexborHTMLParser) -> dict[str, Any]:
    """The page's JSON-LD article object (the first with a headline wins), or {}."""
    best: dict[str, Any] = {}
    for item in json_ld(doc):
        types = item.get("@type")
        names = types if isinstance(types, list) else [types]
        if any(isinstance(name, str) and name.lower() in _ARTICLE_TYPES for name in names):
            if "headline" in item or "articleBody" in item:
                return item
            best = best or item
    return best


def _parts(doc: LexborHTMLParser) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object with the parts it declares (`hasPart`, where paywalls are marked)."""
    for item in json_ld(doc):
        yield item
        parts = item.get("hasPart")
        for part in parts if isinstance(parts, list) else [parts]:
            if isinstance(part, dict):
                yield part


def _ld_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _ld_images(value: object) -> list[str | None]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [_ld_str(value.get("url")) or _ld_str(value.get("contentUrl"))]
    if isinstance(value, list):
        return [image for item in value for image in _ld_images(item)]
    return []


def _ld_names(value: object) -> list[str | None]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [_ld_str(value.get("name"))]
    if isinstance(value, list):
        names = [name for item in value for name in _ld_names(item) if name]
        return [", ".join(names)] if names else []
    return []


def _accessible(ld: dict[str, Any]) -> bool | None:
    """JSON-LD `isAccessibleForFree` (a boolean or the strings "False"/"True"), else None."""
    value = ld.get("isAccessibleForFree")
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        # "False", "false", and schema.org's "http://schema.org/True".
        word = value.strip().lower().rsplit("/", 1)[-1]
        if word in ("false", "true"):
            return word == "true"
    return None
