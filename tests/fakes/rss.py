"""Build small RSS 2.0 documents for tests and the demo."""

from __future__ import annotations

from html import escape


def make_rss(title: str, items: list[dict[str, str]]) -> bytes:
    """An RSS 2.0 document; each item takes title, link, description, guid, pubDate, and
    `image`: the URL of a JPEG enclosure."""
    parts = [
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{title}"
        "</title><link>https://example.org/</link><description>test</description>"
    ]
    for item in items:
        fields = "".join(
            f'<enclosure url="{escape(value)}" type="image/jpeg" length="0"/>'
            if key == "image"
            else f"<{key}>{escape(value)}</{key}>"
            for key, value in item.items()
        )
        parts.append(f"<item>{fields}</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode()
