"""Boxes, trailers, footers and share calls the real corpus showed (issue 17), by rule.

The real cases are in tests/data/real (rue89-2013.xml: feedsportal's « Articles en rapport »,
planete-jquery-2013.rdf: a planet's footer). The glued WordPress trailer, the newsletter's
share call, the « Lire l'article » stub and the half tweet are hand-made here, written as the
feeds of issue 17 showed them (those feeds are not in the corpus).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.ingest.article import read_article
from bot.ingest.boilerplate import is_trailer
from bot.ingest.feeds import parse_feed

REAL = Path(__file__).parent / "data" / "real"


def texts(html: str, content_type: str = "text/html") -> list[str]:
    return [block.text for block in read_article(html, content_type, None).blocks]


def test_a_named_box_of_links_goes_even_when_it_is_most_of_the_item() -> None:
    box = (
        "<div class='mf-related'><p>Articles en rapport</p><ul>"
        "<li><a href='https://rue89.example/a'>Cumul des mandats : la réforme reportée</a></li>"
        "<li><a href='https://rue89.example/b'>Jérôme Cahuzac veut revenir</a></li></ul></div>"
    )

    assert texts(f"<p>Court.</p>{box}") == ["Court."]
    assert texts(box) == []


def test_feedsportal_related_box_is_never_a_passage() -> None:
    result = parse_feed((REAL / "rue89-2013.xml").read_bytes(), tz=ZoneInfo("Europe/Paris"))
    passages = [p.text for post in result.posts for p in post.passages]

    assert not [text for text in passages if "Cumul des mandats" in text]
    assert result.posts[17].passages == ()  # its only text was the box


@pytest.mark.parametrize("cue", ["Articles en rapport", "À lire aussi", "Sur le même sujet"])
def test_a_cue_over_links_is_a_box_whatever_the_item_length(cue: str) -> None:
    html = f"<div><p>{cue}</p><ul><li><a href='/x'>Un autre article du site</a></li></ul></div>"

    assert texts(f"<p>Le texte.</p>{html}") == ["Le texte."]


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (
            "Le tourisme se transforme […] The post Les visages d’ADN Tourisme appeared first "
            "on ADN Tourisme .",
            "Le tourisme se transforme",
        ),
        (
            "Le tourisme se transforme.The post Les visages appeared first on ADN Tourisme.",
            "Le tourisme se transforme.",
        ),
        (
            "Un texte. L’article Un titre est apparu en premier sur Le Blog.",
            "Un texte.",
        ),
    ],
)
def test_wordpress_trailers_go_glued_or_not(text: str, kept: str) -> None:
    assert texts(text, "text/plain") == [kept]
    assert texts(f"<p>{text}</p>") == [kept]


@pytest.mark.parametrize(
    "line",
    [
        "Article original de Js4Design\nAller sur Planète jQuery",
        "Lire l'article.",
        "Lire l’article complet sur Le Monde",
        "Pour nous donner un coup de pouce, partagez-la autour de vous !",
        "Vous aimez cette lettre ? Partagez-la avec vos amis.",
        "— Sylvain (@sylvain_dev) 3 avril 2013",
        "pic.twitter.com/AbC123",
    ],
)
def test_standing_lines_are_trailers(line: str) -> None:
    assert is_trailer(line)


@pytest.mark.parametrize(
    "line",
    [
        "Lire l'article de loi en entier prendrait une heure à tout député.",
        "Article original de la Constitution, le 16 a été modifié en 2008.",
        "Ils se partagent le travail autour de vous et de vos enfants, dit-elle.",
        "— Merci, répondit-elle.",
    ],
)
def test_article_sentences_that_look_alike_stay(line: str) -> None:
    assert not is_trailer(line)


def test_the_planet_footer_leaves_every_item() -> None:
    data = (REAL / "planete-jquery-2013.rdf").read_bytes()
    result = parse_feed(data, tz=ZoneInfo("Europe/Paris"), now=datetime(2026, 6, 1, tzinfo=UTC))

    assert not [
        p.text for post in result.posts for p in post.passages if "Article original de" in p.text
    ]
