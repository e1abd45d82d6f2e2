"""A feed's standing paragraphs (donation boxes, a column's fixed lines) dropped from its posts."""

from __future__ import annotations

from bot.ingest.repeated import drop_repeated
from bot.models import Passage, Post

BOX = "Soutenez-nous : un don, même petit, fait vivre le média."


def post(n: int, *passages: Passage) -> Post:
    return Post(source="Site", title=f"Article {n}", passages=passages, guid=str(n))


def para(text: str) -> Passage:
    return Passage("paragraph", text)


def texts(result: tuple[Post, ...]) -> list[list[str]]:
    return [[p.text for p in item.passages] for item in result]


def test_a_paragraph_in_three_posts_is_the_sites_and_goes() -> None:
    posts = [post(n, para(f"Le texte de l'article {n}."), para(BOX)) for n in range(3)]
    assert texts(drop_repeated(posts)) == [[f"Le texte de l'article {n}."] for n in range(3)]


def test_a_paragraph_in_two_posts_stays() -> None:
    posts = [post(n, para(f"Texte {n}."), para(BOX)) for n in range(2)]
    posts.append(post(2, para("Texte 2.")))
    assert drop_repeated(posts) == tuple(posts)


def test_interview_turns_stay_and_a_post_given_twice_counts_once() -> None:
    question = Passage("question", "Peux-tu te présenter ?", None)
    interviews = [
        post(n, question, Passage("answer", f"Je suis l'artiste {n}.", f"Artiste {n}"), para(BOX))
        for n in range(3)
    ]
    assert [p.text for p in drop_repeated(interviews)[0].passages] == [
        "Peux-tu te présenter ?",
        "Je suis l'artiste 0.",
    ]
    twice = [post(0, para("Texte."), para(BOX))] * 3 + [post(1, para("Autre."), para(BOX))]
    assert drop_repeated(twice) == tuple(twice)


def test_a_post_that_is_only_the_box_keeps_it() -> None:
    posts = [post(n, para(f"Texte {n}."), para(BOX)) for n in range(3)] + [post(3, para(BOX))]
    assert texts(drop_repeated(posts))[3] == [BOX]
