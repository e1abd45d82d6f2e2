"""Outbox rows as Telegram messages: digests split under the limit with the rows they carry."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from bot import render
from bot.delivery import compose
from bot.models import Chat
from tests.conftest import digest_row
from tests.fakes import check_html, plain_words

PARIS = ZoneInfo("Europe/Paris")
ENGLISH = Chat(1, "private", language="en")


def test_a_digest_is_split_below_the_limit_newest_first_each_part_with_its_rows() -> None:
    deliveries = [digest_row(n, source=("Numerama", "Mediapart")[n % 2]) for n in range(60)]
    parts = compose.digest(deliveries, ENGLISH, PARIS)
    assert len(parts) > 1
    for message, ids in parts:
        assert check_html(message.html) == [], message.html[:200]
        assert len(plain_words(message.html)) < 4096
        # Each message carries exactly the posts it lists.
        listed = {
            int(n)
            for n in plain_words(message.html).split("Article numéro ")[1:]
            for n in [n.split()[0]]
        }
        assert listed == set(ids)
    carried = [i for _, ids in parts for i in ids]
    assert sorted(carried) == list(range(60))
    joined = "\n".join(plain_words(m.html) for m, _ in parts)
    assert "Your digest (60 posts)" in joined
    first_line = next(line for line in joined.splitlines() if line.startswith("•"))
    assert "(28 January 2024)" in first_line  # newest first
    # A message after the first opens with the heading of the source it goes on listing.
    source_of = {d.id: d.source for d in deliveries}
    for message, ids in parts[1:]:
        assert plain_words(message.html).splitlines()[0] == source_of[ids[0]]


def test_a_huge_digest_lists_the_newest_and_counts_the_rest_in_its_last_message() -> None:
    deliveries = [digest_row(n, title=f"Titre {n}") for n in range(compose.MAX_DIGEST_POSTS + 250)]
    parts = compose.digest(deliveries, ENGLISH, PARIS)
    joined = "\n".join(plain_words(m.html) for m, _ in parts)
    assert joined.count("• Titre") == compose.MAX_DIGEST_POSTS
    assert plain_words(parts[-1][0].html).endswith("… and 250 more.")
    assert sorted(i for _, ids in parts for i in ids) == [d.id for d in deliveries]


def _units(html: str) -> int:
    return len(plain_words(html).encode("utf-16-le")) // 2


def test_a_caption_is_the_push_cut_to_1024_utf16_units() -> None:
    chat = Chat(1, "private")
    # 200 foxes are 400 UTF-16 units; the snippet's 320 wolves would be 640 more.
    fox = replace(
        digest_row(1, title="🦊" * 200),
        snippet="🐺" * 400,
        hashtags=(),
        image="https://e.org/i.jpg",
    )
    assert _units(render.push_message(fox, lang="fr", tz=PARIS)) > 1024
    message = compose.push(fox, chat, PARIS)
    assert message.photo == "https://e.org/i.jpg"
    assert 1000 < _units(message.caption) <= 1024  # as much of the push as fits
    assert check_html(message.caption) == []
    text = plain_words(message.caption)
    assert text.startswith("🦊" * 200)
    assert text.endswith("🐺…")
    assert message.html == render.push_message(fox, lang="fr", tz=PARIS)  # the text fallback


def test_a_caption_drops_hashtags_before_the_text_and_is_the_push_when_it_fits() -> None:
    chat = Chat(1, "private")
    tagged = replace(digest_row(1), hashtags=("long" * 60,) * 8, image="https://e.org/i.jpg")
    caption = plain_words(compose.push(tagged, chat, PARIS).caption)
    assert _units(caption) <= 1024
    assert "#long" not in caption
    assert "Un extrait" in caption
    short = compose.push(replace(tagged, hashtags=("IA",)), chat, PARIS)
    assert short.caption == short.html  # when it fits, the caption is the push itself
    assert compose.push(replace(tagged, image=None), chat, PARIS).photo is None
    assert compose.push(replace(tagged, image="javascript:x"), chat, PARIS).photo is None
