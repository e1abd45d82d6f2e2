"""Source names: one key everywhere, feed titles trimmed, aliases, matching, look-alikes."""

from __future__ import annotations

import pytest

from bot.names import (
    catalogue,
    clean_name,
    feed_name,
    lookalike,
    named_sources,
    source_aliases,
    source_key,
)
from bot.search import query
from bot.store import sources as store_sources


def test_one_source_key_for_store_and_search() -> None:
    # Two functions used to disagree here: `l'humanite` in the store, `lhumanite` in search.
    assert store_sources.source_key is query.source_key is source_key
    assert source_key("L'Humanité") == "lhumanite"
    assert source_key("L’Humanité") == source_key("LHUMANITE") == source_key("l humanite")
    assert source_key("Le Vent Se Lève") == "leventseleve" == source_key("LeVentSeLeve")
    assert source_key("Mathias-Poujol-Rost") == "mathiaspoujolrost"
    # Letters of other scripts are kept: such a name does not fold to nothing.
    assert source_key("Новости") == "новости"


def test_clean_name_drops_invisible_characters_and_folds_compatibility_forms() -> None:
    assert clean_name("Nume\u200brama") == "Numerama"
    assert clean_name("\u2060Le\u00a0\u00a0Monde\u200d ") == "Le Monde"
    assert clean_name("Ｎｕｍｅｒａｍａ") == "Numerama"  # fullwidth letters (NFKC)
    assert clean_name("Le\u2800Monde\u3164") == "LeMonde"  # blank-looking letters
    assert clean_name("a\tb\nc") == "a b c"


# Real feed titles: quoted in issue 8, and the titles of the outlines of
# awesome-rss-feeds' France.opml (tests/data/real/), which are their feeds' own.
REAL_TITLES = {
    "International : Toute l'actualité sur Le Monde.fr.": "Le Monde – International",
    "Japon : Toute l'actualité sur Le Monde.fr.": "Le Monde – Japon",
    "Mediapart - Article Feed": "Mediapart",
    "Le Monde.fr - Actualités et Infos en France et dans le monde": "Le Monde",
    "L'Obs - A la une": "L'Obs",
    "Franceinfo - Les Titres": "Franceinfo",
    "La Dépêche du Midi : actualités et info en direct de la région Occitanie et des "
    "environs - ladepeche.fr": "La Dépêche du Midi",
    "Ouest-France - Actualité": "Ouest-France",
    "Ministry for Europe and Foreign Affairs - Actualités": "Ministry for Europe and Foreign "
    "Affairs",
    "france24.com": "france24.com",
    "Le Huffington Post": "Le Huffington Post",
    "L'essentiel": "L'essentiel",
    "Paris Star": "Paris Star",
    # Channel titles of the real feeds the "feeds" branch collects under tests/data/real/.
    "Le Monde.fr - Actualité à la Une": "Le Monde",
    "Cultiz.com": "Cultiz",
    "Developpez.com Développement Web": "Developpez – Développement Web",
    "Du son, des idées et des boulons...": "Du son, des idées et des boulons",
    "Sciences et Avenir en temps réel : Espace": "Sciences et Avenir en temps réel – Espace",
}


@pytest.mark.parametrize(("title", "name"), REAL_TITLES.items())
def test_feed_titles_are_trimmed_of_site_boilerplate(title: str, name: str) -> None:
    assert feed_name(title) == name
    assert feed_name(name) == name  # a name already trimmed stays as it is


def test_an_address_tells_which_part_of_a_title_is_the_site() -> None:
    # Le Messager's channel title puts its section first.
    assert feed_name("Genevois : Le Messager", "http://www.lemessager.fr/x") == (
        "Le Messager – Genevois"
    )
    assert feed_name("Genevois : Le Messager") == "Genevois – Le Messager"


def test_feed_name_keeps_real_names_and_falls_back_on_the_address() -> None:
    for kept in ("Frandroid", "Korben", "Sciences et Avenir", "ploum.net", "Le Vent Se Lève"):
        assert feed_name(kept) == kept
    assert feed_name("Flux RSS de Cultiz") == "Cultiz"
    assert feed_name("Numerama RSS") == "Numerama"
    assert feed_name("Actualités", "https://www.lemonde.fr/rss/une.xml") == "lemonde.fr"
    assert feed_name("  ") is None
    assert feed_name(None) is None


def test_aliases_hold_words_parts_and_domain() -> None:
    aliases = source_aliases(
        "Le Monde – International", "https://www.lemonde.fr/international/rss_full.xml"
    )
    assert {"lemonde", "monde", "international", "lemondefr"} <= aliases
    assert "le" not in aliases  # a stop word names nothing
    assert "lvsl" in source_aliases("Le Vent Se Lève", "https://lvsl.fr/feed/")
    assert {"vent", "geek"} <= source_aliases("LeVentSeLeve") | source_aliases("JournalDuGeek")
    assert "diplomatie" in source_aliases("Ministry", "https://www.diplomatie.gouv.fr/x?a=1")
    # A feed proxy's host says nothing about the source.
    assert "feedburner" not in source_aliases("Korben", "https://feeds.feedburner.com/Korben")


SOURCES = catalogue(
    [
        ("Le Monde", "https://www.lemonde.fr/rss/une.xml"),
        ("Le Monde diplomatique", "https://www.monde-diplomatique.fr/rss/"),
        ("Numerama", "https://www.numerama.com/feed/"),
        ("Le Vent Se Lève", "https://lvsl.fr/feed/"),
        ("Mathias Poujol-Rost", None),
        ("L'Humanité", None),
    ]
)


@pytest.mark.parametrize(
    ("wanted", "names"),
    [
        ("lemonde", ["Le Monde"]),  # the whole name beats the longer one it starts
        ("le monde", ["Le Monde"]),
        ("lemonde.fr", ["Le Monde"]),  # the domain
        ("diplomatique", ["Le Monde diplomatique"]),  # a distinctive word
        ("monde-diplomatique.fr", ["Le Monde diplomatique"]),
        ("monde", ["Le Monde", "Le Monde diplomatique"]),  # ambiguous: both, never a pick
        ("lvsl", ["Le Vent Se Lève"]),
        ("vent", ["Le Vent Se Lève"]),
        ("num", ["Numerama"]),  # the start of a name
        ("poujol", ["Mathias Poujol-Rost"]),
        ("lhumanite", ["L'Humanité"]),
        ("L'Humanité", ["L'Humanité"]),
        ("tartiflette", []),
        ("", []),
    ],
)
def test_named_sources(wanted: str, names: list[str]) -> None:
    assert named_sources(wanted, SOURCES) == names


@pytest.mark.parametrize(
    "name",
    [
        "Nume\u200brama",  # a zero-width space
        "NUMERAMA",
        "Numérama",  # same key once folded
        "Numerаma",  # a Cyrillic а
        "Numerarna",  # rn drawn as m
        "Numerana",  # one letter off
        "Numerama.",
    ],
)
def test_lookalikes_of_an_existing_name(name: str) -> None:
    assert lookalike(name, ["Le Monde", "Numerama"]) == "Numerama"


@pytest.mark.parametrize("name", ["France 3", "Numeriques", "Le Monde diplomatique", "Korben"])
def test_distinct_names_are_not_lookalikes(name: str) -> None:
    assert lookalike(name, ["France 2", "Numerama", "Le Monde", "Korben.info"]) is None
