"""Telegram HTML from render: escaping, bold spans, and digests split under the limit."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot import render
from bot.models import Delivery
from tests.fakes import check_html, plain_text

PARIS = ZoneInfo("Europe/Paris")


def _delivery(n: int, source: str = "Numerama", title: str | None = None) -> Delivery:
    return Delivery(
        id=n,
        chat_id=1,
        post_id=n,
        kind="digest",
        title=title or f"Article numéro {n} <b>& co</b> " + "très long " * 10,
        url=f"https://example.org/{n}?a=1&b=2",
        source=source,
        published=datetime(2024, 1, 1 + n % 28, 12, tzinfo=UTC),
        hashtags=("IA", "numérique"),
        snippet="Un extrait <script>alert(1)</script> & des « guillemets ».",
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
    )


def test_push_message_escapes_everything_and_links_the_title() -> None:
    html = render.push_message(_delivery(1), lang="fr", tz=PARIS)
    assert check_html(html) == []
    assert '<a href="https://example.org/1?a=1&amp;b=2">' in html
    assert "&lt;script&gt;" in html and "#IA #numérique" in html
    assert "1 janvier 2024" in plain_text(html) or "2 janvier 2024" in plain_text(html)


def test_a_big_digest_is_split_below_the_limit_newest_first() -> None:
    deliveries = [_delivery(n, source=("Numerama", "Mediapart")[n % 2]) for n in range(300)]
    messages = render.digest_messages(deliveries, lang="en", tz=PARIS)
    assert len(messages) > 1
    for html in messages:
        assert check_html(html) == [], html[:200]
        assert len(plain_text(html)) < 4096
    joined = "\n".join(plain_text(m) for m in messages)
    assert joined.count("Article numéro") == 300
    assert "Your digest (300 posts)" in joined
    first_line = next(line for line in joined.splitlines() if line.startswith("•"))
    assert "(28 January 2024)" in first_line  # newest first


def test_highlight_bolds_only_the_span_and_survives_bad_offsets() -> None:
    assert render.highlight("le <travail> du clic", (3, 12)) == "le <b>&lt;travail&gt;</b> du clic"
    assert render.highlight("abc", (2, 9)) == "abc"
    assert render.shorten("mot " * 100, 20).endswith("…")
