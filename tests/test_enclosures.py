"""Images among enclosures (issue 17): an image by its extension whatever its declared type."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.ingest.feeds import parse_feed

PARIS = ZoneInfo("Europe/Paris")


def test_an_image_enclosure_typed_text_html_is_the_posts_photo() -> None:
    # Le Monde's feed as issue 17 saw it: a `.jpg` enclosure declared `text/html`.
    feed = (
        b"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Le Monde</title>"
        b"<item><title>Un article</title><link>https://www.lemonde.fr/a.html</link>"
        b"<enclosure url='https://img.lemde.fr/2018/06/27/0/0/3000/2000/664/0/60/0/photo.jpg'"
        b" type='text/html' length='0'/>"
        b"<enclosure url='https://www.lemonde.fr/podcast.mp3' type='audio/mpeg' length='0'/>"
        b"</item></channel></rss>"
    )

    post = parse_feed(feed, tz=PARIS).posts[0]

    assert post.images == ("https://img.lemde.fr/2018/06/27/0/0/3000/2000/664/0/60/0/photo.jpg",)
