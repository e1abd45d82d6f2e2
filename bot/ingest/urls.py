"""Addresses found in feeds: absolute http(s) URLs only, images told by type or extension."""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit

_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg")
_URL_LIKE = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
# The words of an address's last path segment, without ids and extensions.
_SLUG_WORD = re.compile(r"[^\W\d_]{2,}")


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
    """Whether a link is an image: an image MIME type, or an image file extension whatever
    the declared type (Le Monde types its `.jpg` enclosures `text/html`)."""
    if mime_type and mime_type.lower().startswith("image/"):
        return True
    if not url:
        return False
    try:
        return urlsplit(url).path.lower().endswith(_IMAGE_EXTENSIONS)
    except ValueError:
        return False


def looks_like_url(text: str) -> bool:
    """Whether a text is an address rather than words (a title must never be one)."""
    return _URL_LIKE.match(text.strip()) is not None


def slug_words(url: str | None) -> str:
    """The words of an address's last path segment (`…/un-italien-libere_452.html`)."""
    if not url:
        return ""
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return ""
    segments = [segment for segment in path.split("/") if segment]
    if not segments:
        return ""
    words = _SLUG_WORD.findall(segments[-1].rsplit(".", 1)[0])
    return " ".join(words).capitalize() if len(words) >= 2 else ""
