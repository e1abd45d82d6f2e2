"""Issue 9: a post matches with words from anywhere in it, the shortlist keeps the most
relevant posts whatever their age, and quotes follow the query's wording."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.search import SearchIndex
from tests.test_search import CASILLI, corpus, ids, para, post

RETRON = 500
SIMCITY = 501
FLATTR = 502
PAYE = 503
DECOY_QUOTE = 504


def articles() -> list:
    """Posts whose details sit in different paragraphs, as in the real feeds."""
    return [
        post(
            RETRON,
            "Korben",
            "RetroN 5 : la console qui fait revivre vos vieilles cartouches",
            datetime(2014, 5, 2, tzinfo=UTC),
            para(
                "Si comme moi vous avez gardé vos jeux rétro des années 90, voici de quoi sourire."
            ),
            para(
                "Fabriquée par Hyperkin, elle accepte les jeux NES, SNES, Megadrive et Game "
                "Boy, avec les cartouches originales."
            ),
            para("La sortie se fait en HDMI, en 720p, avec des filtres pour lisser l'image."),
            para("Et la manette sans fil fonctionne en Bluetooth, ce qui est bien pratique."),
        ),
        post(
            SIMCITY,
            "Numerama",
            "SimCity : les DRM font des dégâts",
            datetime(2013, 3, 8, tzinfo=UTC),
            para("Le lancement du jeu d'Electronic Arts tourne au fiasco depuis mardi."),
            para("Les serveurs saturent et les joueurs ne peuvent pas lancer leur partie."),
        ),
        post(
            FLATTR,
            "ploum.net",
            "Le prix de la gratuité",
            datetime(2012, 1, 10, tzinfo=UTC),
            para("J'ai longtemps cru au micropaiement volontaire, avec Flattr en tête."),
            para("C'était peut-être une utopie, mais elle m'a appris beaucoup de choses."),
        ),
    ]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex.build(corpus() + articles())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hyperkin hdmi", RETRON),
        ("bluetooth hyperkin", RETRON),
        ("console retro cartouches originales", RETRON),
        ("drm simcity degats", SIMCITY),
        ("simcity serveurs", SIMCITY),  # title and body
        ("flattr utopie", FLATTR),
    ],
)
def test_words_from_different_passages_find_the_post(index, query, expected):
    assert ids(index.search(query))[:1] == [expected]


def test_a_spread_match_shows_both_passages_with_each_match_bold(index):
    [hit] = index.search("hyperkin hdmi").hits
    assert " … " in hit.snippet
    bold = [hit.snippet[a:b] for a, b in hit.match]
    assert bold == ["Hyperkin", "HDMI"]
    assert hit.snippet.index("Hyperkin") < hit.snippet.index(" … ") < hit.snippet.index("HDMI")


def test_spread_words_need_every_word_and_rank_below_words_together(index):
    assert index.search("hyperkin tartiflette").hits == []
    assert index.search("hyperkin hdmo").hits == []  # a typo'd word far away is noise
    together = index.search("sortie hdmi").hits[0].score
    spread = index.search("hyperkin hdmi").hits[0].score
    assert together > spread


def _decoys(count: int) -> list:
    """Newer posts with « travail … clic » scattered in a title, as many as wanted."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    who = ("Le travail reprend", "Les travailleurs votent")
    return [
        post(
            1000 + i,
            "Exemple",
            f"{who[i % 2]} à la mairie, où chaque vote se fait d'un clic ({i})",
            start + timedelta(hours=i),
            para(f"Compte rendu numéro {i} du conseil municipal."),
        )
        for i in range(count)
    ]


@pytest.mark.parametrize("query", ["travail du clic", "travailleurs du clic", "travial du clik"])
def test_the_phrase_beats_hundreds_of_newer_scattered_titles(query):
    # More decoys of each kind than the old 400-candidate shortlist, all newer.
    index = SearchIndex.build(corpus() + _decoys(900))
    assert CASILLI in ids(index.search(query))[:5]
    assert ids(index.search(query))[0] == CASILLI


def test_recency_only_breaks_ties():
    index = SearchIndex.build(_decoys(60))
    found = ids(index.search("conseil municipal", limit=3))
    assert found == [1059, 1058, 1057]  # equal evidence: the newest first


def _speech() -> list:
    return [
        post(
            PAYE,
            "LeVentSeLeve",
            "Antonio Casilli : le travail du clic",
            datetime(2023, 4, 12, tzinfo=UTC),
            (
                "answer",
                "A. Casilli",
                "Ce que l'on observe, c'est une diminution drastique du travail payé au profit "
                "d'un travail invisible.",
            ),
        ),
        post(
            DECOY_QUOTE,
            "Mediapart",
            "Le patronat répond",
            datetime(2024, 6, 1, tzinfo=UTC),
            (
                "pullquote",
                "Un patron",
                "Le travail payé subit une diminution, dit-on : c'est faux.",
            ),
        ),
    ]


def test_quote_follows_the_wording_of_the_query():
    index = SearchIndex.build(corpus() + _speech())
    hit = index.quote("diminution du travail paye").hits[0]
    assert hit.speaker == "A. Casilli"
    assert "diminution drastique du travail payé" in hit.text
