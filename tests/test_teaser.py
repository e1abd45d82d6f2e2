"""The teaser rule: which feed entries are fetched for their page under full_text = auto."""

from __future__ import annotations

import pytest

from bot.ingest.feeds import parse_feed
from bot.ingest.teaser import consistently_cut, is_teaser, wants_page
from bot.models import Passage, Post
from tests.fakes.rss import make_rss

LONG = " ".join(["Une phrase complète d’un article entier qui se lit jusqu’au bout."] * 15)


def _post(*texts: str, url: str | None = "https://example.org/a", cut: bool = False) -> Post:
    passages = tuple(Passage("paragraph", text) for text in texts)
    return Post("Source", "Titre", passages, url=url, cut=cut)


def _parsed(description: str) -> Post:
    items = [{"title": "Titre", "link": "https://example.org/a", "description": description}]
    [post] = parse_feed(make_rss("Flux", items)).posts
    return post


def test_a_short_entry_is_a_teaser_a_whole_article_is_not() -> None:
    assert is_teaser(_post("Deux lignes de présentation."))
    assert not is_teaser(_post(LONG))


@pytest.mark.parametrize(
    "ending",
    [
        "et la suite du texte […]",
        "et la suite du texte [...]",
        "et la suite du texte (...)",
        "et la suite du texte (…)",
        "et la suite du texte …",
    ],
)
def test_a_long_entry_cut_with_an_ellipsis_is_a_teaser(ending: str) -> None:
    assert is_teaser(_post(LONG, ending))


@pytest.mark.parametrize(
    "trailer",
    [
        "<p>Lire la suite</p>",
        "<p>Continue reading →</p>",
        "<p>The post Un titre appeared first on Le Blog.</p>",
        "<p>L’article Un titre est apparu en premier sur Le Blog.</p>",
        "<p>Voir la suite sur le site</p>",
    ],
)
def test_a_long_entry_with_a_read_on_trailer_is_a_teaser(trailer: str) -> None:
    post = _parsed(f"<p>{LONG}</p>{trailer}")
    assert post.cut
    assert is_teaser(post)
    assert "suite" not in post.passages[-1].text.lower()  # the trailer itself is not kept


def test_a_whole_article_in_the_feed_is_never_fetched_under_auto() -> None:
    post = _parsed(f"<p>{LONG}</p><p>{LONG}</p>")
    assert not post.cut
    assert not wants_page(post, "auto")
    assert wants_page(post, "always")


def test_never_and_entries_without_a_link_are_not_fetched() -> None:
    assert not wants_page(_post("Court."), "never")
    assert not wants_page(_post("Court.", url=None), "always")
    assert wants_page(_post("Court."), "auto")


def test_a_feed_that_cuts_every_entry_at_one_length_is_cut() -> None:
    cut = [_post("mot " * (200 + n)) for n in range(0, 20, 4)]  # 800 to 876 characters
    assert all(not is_teaser(post) for post in cut)
    assert consistently_cut(cut)
    assert wants_page(cut[0], "auto", feed_cut=True)
    varied = [_post("mot " * size) for size in (200, 450, 900, 1600, 3000)]
    assert not consistently_cut(varied)
    assert not consistently_cut(cut[:2])  # too few entries to tell
