"""The lead image of an article: its first meaningful <img>, lazy-loading resolved, else
the still of its first video."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from bot.ingest.urls import absolute

# Lazy loaders keep the real address in these; `src` then holds a placeholder.
_LAZY_SOURCES = ("data-src", "data-lazy-src", "data-original", "data-lazy", "data-url")
_LAZY_SETS = ("data-srcset", "data-lazy-srcset", "srcset")
# Images this small are tracking pixels, emoji, avatars or icons, not a picture to show.
_MIN_SIDE = 65
# What class, id or alt text says of a non-picture (a product named "Pixel" is a picture).
_NOT_PICTURE_NAMES = re.compile(
    r"\b(?:emoji|wp-smiley|smiley|avatar|gravatar|icon|badge|share|sharing|tracking)\b"
    r"|flattr",
    re.IGNORECASE,
)
# Addresses of trackers, counters, emoji and icon sets.
_NOT_PICTURE_URLS = re.compile(
    r"feedsportal|feedburner|doubleclick|stats\.wordpress|gravatar|/emoji/|/smilies/|flattr"
    r"|/~ff/|/~r/|/mf\.gif|\brc\.img|\ba2t?\.img|(?:^|[/_.-])(?:pixel|spacer|blank|1x1"
    r"|transparent|tracking)\.(?:gif|png)|/(?:icons?|picto|badges?|buttons?)/|picto_"
    r"|share[-_]?(?:button|icon)",
    re.IGNORECASE,
)
_CANDIDATE = re.compile(r"\s*(\S+)(?:\s+(\d+(?:\.\d+)?)([wx]))?\s*")
# Players whose still image has an address known from the video's id: an article that is
# a video (Korben's RetroN 5) then still goes out with its picture.
_VIDEO_STILLS = (
    (
        re.compile(r"^(?:https?:)?//(?:www\.)?youtube(?:-nocookie)?\.com/(?:embed|v)/([\w-]{11})"),
        "https://img.youtube.com/vi/{}/hqdefault.jpg",
    ),
    (
        re.compile(r"^(?:https?:)?//(?:www\.)?dailymotion\.com/embed/video/([a-zA-Z0-9]+)"),
        "https://www.dailymotion.com/thumbnail/video/{}",
    ),
)


def lead_image(body: LexborNode, base: str | None) -> str | None:
    """The address of the first <img> worth showing, else of the first video's still,
    absolute, or None."""
    for img in body.css("img"):
        attributes = img.attributes
        if _too_small(attributes.get("width")) or _too_small(attributes.get("height")):
            continue
        described = " ".join(attributes.get(name) or "" for name in ("class", "id", "alt"))
        if _NOT_PICTURE_NAMES.search(described):
            continue
        address = absolute(_source(attributes), base)
        if address is None or _NOT_PICTURE_URLS.search(address):
            continue
        return address
    return _video_still(body, base)


def _video_still(body: LexborNode, base: str | None) -> str | None:
    """A <video>'s poster, or the still of a YouTube or Dailymotion player."""
    for node in body.css("video, iframe, embed"):
        attributes = node.attributes
        if node.tag == "video":
            poster = absolute(attributes.get("poster"), base)
            if poster is not None:
                return poster
            continue
        src = attributes.get("src") or attributes.get("data-src") or ""
        for player, still in _VIDEO_STILLS:
            match = player.match(src)
            if match:
                return still.format(match[1])
    return None


def _source(attributes: dict[str, str | None]) -> str | None:
    """The real address: a lazy-loading attribute, the widest srcset candidate, else src."""
    for name in _LAZY_SOURCES:
        value = attributes.get(name)
        if value and not value.startswith("data:"):
            return value
    for name in _LAZY_SETS:
        best = _widest(attributes.get(name))
        if best:
            return best
    src = attributes.get("src")
    return src if src and not src.startswith("data:") else None


def _widest(srcset: str | None) -> str | None:
    """The candidate of a srcset with the largest width (or density)."""
    if not srcset:
        return None
    best, best_size = None, -1.0
    for candidate in srcset.split(","):
        match = _CANDIDATE.fullmatch(candidate)
        if match is None or match[1].startswith("data:"):
            continue
        size = float(match[2]) if match[2] else 1.0
        if size > best_size:
            best, best_size = match[1], size
    return best


def _too_small(value: str | None) -> bool:
    """A declared side under the minimum (`1`, `16px`); an absent or odd value is not."""
    if not value:
        return False
    match = re.match(r"\s*(\d+)", value)
    return match is not None and int(match[1]) < _MIN_SIDE
