"""Outbox rows as Telegram messages: digests split under the limit with the rows they carry."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot import compose
from bot.models import Chat, Delivery
from tests.fakes import check_html, plain_text

PARIS = ZoneInfo("Europe/Paris")
ENGLISH = Chat(1, "private", language="en")


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


def test_a_digest_is_split_below_the_limit_newest_first_each_part_with_its_rows() -> None:
    deliveries = [_delivery(n, source=("Numerama", "Mediapart")[n % 2]) for n in range(60)]
    parts = compose.digest(deliveries, ENGLISH, PARIS)
    assert len(parts) > 1
    for message, ids in parts:
        assert check_html(message.html) == [], message.html[:200]
        assert len(plain_text(message.html)) < 4096
        # Each message carries exactly the posts it lists.
        listed = {
            int(n)
            for n in plain_text(message.html).split("Article numéro ")[1:]
            for n in [n.split()[0]]
        }
        assert listed == set(ids)
    carried = [i for _, ids in parts for i in ids]
    assert sorted(carried) == list(range(60))
    joined = "\n".join(plain_text(m.html) for m, _ in parts)
    assert "Your digest (60 posts)" in joined
    first_line = next(line for line in joined.splitlines() if line.startswith("•"))
    assert "(28 January 2024)" in first_line  # newest first
    for message, _ in parts[1:]:
        assert plain_text(message.html).splitlines()[0] in ("Numerama", "Mediapart")


def test_a_huge_digest_lists_the_newest_and_counts_the_rest_in_its_last_message() -> None:
    deliveries = [_delivery(n, title=f"Titre {n}") for n in range(compose.MAX_DIGEST_POSTS + 250)]
    parts = compose.digest(deliveries, ENGLISH, PARIS)
    joined = "\n".join(plain_text(m.html) for m, _ in parts)
    assert joined.count("• Titre") == compose.MAX_DIGEST_POSTS
    assert plain_text(parts[-1][0].html).endswith("… and 250 more.")
    assert sorted(i for _, ids in parts for i in ids) == [d.id for d in deliveries]
