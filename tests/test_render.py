"""Telegram HTML from render: escaping and bold spans."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot import render
from bot.delivery import compose
from bot.models import Chat
from tests.conftest import digest_row
from tests.fakes import check_html, plain_text

PARIS = ZoneInfo("Europe/Paris")


def test_push_message_escapes_everything_and_links_the_title() -> None:
    html = render.push_message(digest_row(1), lang="fr", tz=PARIS)
    assert check_html(html) == []
    assert '<a href="https://example.org/1?a=1&amp;b=2">' in html
    assert "&lt;script&gt;" in html
    assert "#IA #numérique" in html
    assert "2 janvier 2024" in plain_text(html)  # noon UTC on 2 January, 13:00 in Paris


def test_highlight_bolds_only_the_span_and_survives_bad_offsets() -> None:
    bolded = render.highlight("le <travail> du clic", [(3, 12)])
    assert bolded == "le <b>&lt;travail&gt;</b> du clic"
    assert render.highlight("abc", [(2, 9)]) == "abc"
    assert render.highlight("a < b", []) == "a &lt; b"
    assert render.shorten("mot " * 100, 20).endswith("…")


# Every value a date column can hold once stored: the ends of the calendar, naive, none.
EXTREMES = [
    datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(2024, 2, 8, 12, 0),  # noqa: DTZ001 (naive on purpose: read as UTC)
    None,
]


def test_every_renderer_takes_any_stored_date() -> None:
    from dataclasses import replace

    from bot.search.results import SearchHit

    for zone in (PARIS, ZoneInfo("America/Montreal"), ZoneInfo("Pacific/Kiritimati")):
        deliveries = [replace(digest_row(n), published=when) for n, when in enumerate(EXTREMES)]
        hits = [
            SearchHit(n, "Titre", "Numerama", None, when, None, 90.0, "ex", [], "title", None)
            for n, when in enumerate(EXTREMES)
        ]
        pieces = [render.push_message(d, lang="fr", tz=zone) for d in deliveries]
        pieces.append(render.held_message(deliveries, lang="fr", tz=zone))
        english = Chat(1, "private", language="en")
        pieces += [message.html for message, _ in compose.digest(deliveries, english, zone)]
        pieces.append(
            render.search_page("q", hits, total=4, page=0, pages=1, page_size=5, lang="fr", tz=zone)
        )
        rows = [
            {"name": "A", "posts": 1, "latest": "9999-12-31T23:59:59+00:00"},
            {"name": "B", "posts": 1, "latest": "0001-01-01T00:00:00+00:00"},
            {"name": "C", "posts": 1, "latest": "pas une date"},
        ]
        pieces.append(render.sources_message(rows, lang="fr", tz=zone, total=3))
        text = "\n".join(plain_text(p) for p in pieces)
        assert "9999" in text
        assert "?" in text
        assert render.local_time(EXTREMES[0], zone, "fr") is not None
    assert render.local_date(EXTREMES[2], PARIS, "fr") == "8 février 2024"
    assert render.local_date(EXTREMES[0], PARIS, "en") == "31 December 9999"
