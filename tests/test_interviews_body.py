"""Interviews the body names (issue 17): a section « L’entretien », an intro line, and quotes.

tests/data/handmade/interviews-in-body.xml is hand-made, written the way the real feeds of issue
17 showed them (a newsletter's « L’entretien » section, Élucid's « « … » - Name » and Le
Figaro's « Name : « … » » titles, a <cite> inside a blockquote); those feeds are not in the
corpus. The real corpus (tests/data/real) checks that no other article becomes an interview.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.ingest.feeds import parse_feed
from bot.ingest.html_text import Block
from bot.ingest.interviews import body_cue, title_quote
from bot.models import Post

FEED = Path(__file__).parent / "data" / "handmade" / "interviews-in-body.xml"


@pytest.fixture(scope="module")
def posts() -> dict[str, Post]:
    result = parse_feed(FEED.read_bytes(), tz=ZoneInfo("Europe/Paris"))
    return {post.title: post for post in result.posts}


def turns(post: Post) -> list[tuple[str, str | None]]:
    return [(p.kind, p.speaker) for p in post.passages if p.kind != "paragraph"]


def test_a_newsletter_section_names_the_interviewee_in_its_intro(posts: dict[str, Post]) -> None:
    post = posts["La lettre #42 : réparer plutôt que jeter"]

    assert turns(post) == [("question", None), ("answer", "Bela Loto")] * 3
    answer = next(p for p in post.passages if p.kind == "answer")
    assert answer.text.startswith("Il faut d’abord le garder plus longtemps")
    # Bold questions before the section (the editorial) and after it (the reading corner)
    # are the newsletter's own words, not the interview's.
    plain = [p.text for p in post.passages if p.kind == "paragraph"]
    assert "Pourquoi parler encore de sobriété ?" in plain
    assert "Et si on lisait moins d’écrans ?" in plain
    assert "Un essai stimulant sur nos usages, paru ce printemps." in plain


def test_answered_our_questions_names_the_interviewee_and_collected_by_the_interviewer(
    posts: dict[str, Post],
) -> None:
    post = posts["Trois questions sur la réparation"]

    assert turns(post) == [("question", "Jean Dupont"), ("answer", "Sophie Martin")] * 2
    assert post.passages[-1] == post.passages[-1].__class__(
        "paragraph", "Propos recueillis par Jean Dupont"
    )


def test_a_talk_reported_in_prose_is_no_interview(posts: dict[str, Post]) -> None:
    post = posts["Réforme des retraites : ce qui change au 1er septembre"]

    assert {p.kind for p in post.passages} == {"paragraph"}


@pytest.mark.parametrize(
    ("title", "speaker", "quote"),
    [
        (
            "« Le narcissisme de Macron est fondamentalement pervers » - Marc Joly",
            "Marc Joly",
            "Le narcissisme de Macron est fondamentalement pervers",
        ),
        (
            "Marc Joly : « La perversion narcissique n’est pas une maladie »",
            "Marc Joly",
            "La perversion narcissique n’est pas une maladie",
        ),
    ],
)
def test_a_quote_title_is_its_speakers_pull_quote(
    posts: dict[str, Post], title: str, speaker: str, quote: str
) -> None:
    post = posts[title]

    assert [(p.kind, p.speaker, p.text) for p in post.passages if p.kind != "paragraph"] == [
        ("pullquote", speaker, quote)
    ]
    assert not any(p.kind == "question" for p in post.passages)


def test_a_title_only_announcement_over_a_teaser_is_still_no_interview(
    posts: dict[str, Post],
) -> None:
    assert {p.kind for p in posts["Entretien avec Marc Joly"].passages} == {"paragraph"}


@pytest.mark.parametrize(
    "title",
    [
        "Itinéraire d’un commissaire ripou : « Je ne sais pas dire non »",
        "Après les tweets, la lettre de Barton : « Je te jure, José »",
        "Cinéma : « Un film magnifique »",
        "« Camping pour tous » : refoulés du Luxembourg",
        "Stéphane Gumpper : Qu'est-ce que la psychologie des religions ?",
        "« La nouvelle géopolitique – la France » - Introduction de Jean-Luc Mélenchon",
    ],
)
def test_titles_that_name_no_speaker_give_no_quote(title: str) -> None:
    assert title_quote(title) is None


@pytest.mark.parametrize(
    ("title", "found"),
    [
        # Titles of tests/data/real/youtube-veille-2026.xml (held out while writing the rule).
        (
            "MATTHIEU VALET : « Hamza F., je l'appelle Ducobu le cancre ! » (France Info)",
            ("Hamza F., je l'appelle Ducobu le cancre !", "Matthieu Valet"),
        ),
        (
            "« La solution ce n'est pas l'impôt. » | Édouard Philippe sur RTL",
            ("La solution ce n'est pas l'impôt", "Édouard Philippe"),
        ),
        (
            "Jordan Bardella sur Telewizja Republika : « Je crains le pire ! »",
            ("Je crains le pire !", "Jordan Bardella"),
        ),
    ],
)
def test_quote_titles_with_where_it_was_said(title: str, found: tuple[str, str]) -> None:
    assert title_quote(title) == found


def test_a_cite_or_a_signature_line_in_a_blockquote_is_the_speaker(
    posts: dict[str, Post],
) -> None:
    post = posts["Immigration : ce que disent les chiffres"]

    assert [(p.kind, p.speaker, p.text) for p in post.passages if p.kind == "pullquote"] == [
        ("pullquote", "François Héran", "Il y a, d’abord, le poids de la géographie."),
        ("pullquote", "Hervé Le Bras", "La démographie ne se décrète pas."),
    ]
    assert not [p for p in post.passages if "Héran" in p.text or "Le Bras" in p.text]


def test_body_cue_keeps_its_signature() -> None:
    # page.py (full text of fetched pages) reads the same cues from the same blocks.
    cue = body_cue(
        [
            Block("heading", "Rencontre avec Bela Loto"),
            Block("paragraph", "Comment faire ?", True),
            Block("paragraph", "Réparer."),
        ]
    )

    assert cue is not None
    assert (cue.start, cue.section, cue.interviewee, cue.interviewer) == (
        0,
        True,
        "Bela Loto",
        None,
    )


def test_an_intro_publishing_a_conversation_names_the_interviewee() -> None:
    """Le Grand Continent: « nous publions une conversation avec François Héran »."""
    from bot.ingest.html_text import Block
    from bot.ingest.passages import split_passages

    def body(intro: str) -> list[Block]:
        return [
            Block("paragraph", intro),
            Block("heading", "Pourquoi est-il difficile d’unifier les politiques migratoires ?"),
            Block("paragraph", "Il y a d’abord le poids de la géographie."),
            Block("heading", "Le règlement de Dublin fonctionne-t-il ?"),
            Block("paragraph", "Il creuse les écarts au sein de l’Europe."),
        ]

    title = "Sur les migrations"
    passages, _ = split_passages(
        body("Nous publions une conversation avec François Héran, démographe."), title=title
    )
    assert {p.speaker for p in passages if p.kind == "answer"} == {"François Héran"}
    passages, _ = split_passages(
        body("Lors d’une conversation avec François Héran, le ministre a cédé."), title=title
    )
    assert not [p for p in passages if p.kind == "answer"]
