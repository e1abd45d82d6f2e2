"""A site's feeds found in its home page: `<link rel="alternate">` read from HTML (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/json"}
)
# Where sites without a <link rel="alternate"> usually keep their feed, tried in this order.
USUAL_PATHS = ("/feed", "/rss", "/atom.xml", "/feed.xml", "/rss.xml", "/index.xml")
MAX_FEEDS = 8  # offered as buttons, one row each


@dataclass(frozen=True, slots=True)
class FeedLink:
    """A feed a page announces: its absolute URL, and the title the page gives it."""

    url: str
    title: str | None = None


def feed_links(html: str | bytes, base_url: str) -> list[FeedLink]:
    """The feeds `html` announces, absolute against `base_url` (or its <base href>), in page
    order, each URL once, at most MAX_FEEDS."""
    tree = LexborHTMLParser(html if isinstance(html, str) else html.decode("utf-8", "replace"))
    base = tree.css_first("base[href]")
    if base is not None:
        base_url = urljoin(base_url, base.attributes.get("href") or "")
    found: dict[str, FeedLink] = {}
    for link in tree.css("link[href]"):
        rel = (link.attributes.get("rel") or "").lower().split()
        kind = (link.attributes.get("type") or "").lower().split(";")[0].strip()
        if "alternate" not in rel or kind not in FEED_TYPES:
            continue
        url = urljoin(base_url, (link.attributes.get("href") or "").strip())
        if urlsplit(url).scheme not in ("http", "https") or url in found:
            continue
        title = " ".join((link.attributes.get("title") or "").split()) or None
        found[url] = FeedLink(url, title)
    return list(found.values())[:MAX_FEEDS]


def usual_feed_urls(site_url: str) -> list[str]:
    """The usual feed addresses of the site of `site_url` (USUAL_PATHS at its root)."""
    return [urljoin(site_url, path) for path in USUAL_PATHS]
