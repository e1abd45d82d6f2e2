"""Issue 18 in the engine: abbreviations and their expansions, derived forms, the words a
result lacks, and suggestions that find something."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.search import SearchIndex
from bot.search.abbreviations import EXPANSIONS
from tests.test_search import ids, para, post

WHEN = datetime(2024, 3, 1, tzinfo=UTC)


@pytest.fixture
def index() -> SearchIndex:
    return SearchIndex.build(
        [
            post(1, "Numerama", "L'IA générative au bureau", WHEN, para("Les outils d'IA aident.")),
            post(
                2,
                "Mediapart",
                "Grève à la Société nationale des chemins de fer français",
                WHEN,
                para("Les cheminots de la société nationale arrêtent le travail."),
            ),
            post(3, "Numerama", "Le passeport expire bientôt", WHEN, para("Renouvelez-le.")),
            post(
                4,
                "Numerama",
                "La date d'expiration des cartes",
                WHEN,
                para("Une carte d'identité a une date d'expiration."),
            ),
            post(5, "Numerama", "Intelligence artificielle : le débat", WHEN, para("Un débat.")),
        ]
    )


def test_an_abbreviation_meets_its_expansion_and_back(index: SearchIndex) -> None:
    assert sorted(ids(index.search("ia"))) == [1, 5]
    assert sorted(ids(index.search("intelligence artificielle"))) == [1, 5]
    assert ids(index.search("greve sncf")) == [2]
    # « société nationale » alone is no SNCF.
    assert 2 in ids(index.search("societe nationale"))
    assert ids(index.search("sncf cheminots")) == [2]


def test_the_table_spells_every_expansion_with_content_words() -> None:
    assert EXPANSIONS["ia"] == ("intelligence", "artificielle")
    assert EXPANSIONS["lfi"] == ("france", "insoumise")
    assert all(words for words in EXPANSIONS.values())


def test_derived_forms_meet(index: SearchIndex) -> None:
    # « expire » ~ « expiration » (Snowball's French stem `expir`), below the word itself.
    found = index.search("expire")
    assert ids(found)[0] == 3
    assert 4 in ids(found)
    assert ids(index.search("expiration"))[0] == 4


def test_a_partial_result_says_which_words_it_lacks(index: SearchIndex) -> None:
    [hit, *_] = index.search("je cherche un article sur l'expiration de la carte ? Périmée").hits
    assert hit.post_id == 4
    assert hit.missing == ("Périmée",)  # as typed
    assert index.search("expiration carte").hits[0].missing == ()


def test_a_suggestion_is_offered_only_when_it_finds_something(index: SearchIndex) -> None:
    assert index.suggest("passepotr expirr") == "passeport expire"
    # Each word has a close spelling, but no post holds both.
    assert index.search("passepotr cheminotz").hits == []
    assert index.suggest("passepotr cheminotz") is None


def test_a_quote_reads_the_query_as_typed_stop_words_included() -> None:
    # Issue 18 at 1M generated passages: « De diminution un travail payé » (every word,
    # closer together, but « un » for « du ») outscored Casilli's answer, 93.0 to 84.0.
    casilli = (
        "answer",
        "A. Casilli",
        "On n’a pas vu une diminution drastique du travail en termes de temps de travail "
        "mais plutôt une diminution drastique du travail payé et une augmentation du "
        "travail non payé.",
    )
    decoy = para("À communication gens effectuent. De diminution un travail payé pour eux.")
    fillers = [
        post(10 + n, "Numerama", f"Le travail {n}", WHEN, para("Du travail.")) for n in range(50)
    ]
    index = SearchIndex.build(
        [
            post(1, "LeVentSeLeve", "Entretien", WHEN, casilli),
            post(2, "Divers", "Note", WHEN, decoy),
            *fillers,
        ]
    )
    [first, second] = index.quote("diminution du travail paye", limit=2).hits
    assert first.speaker == "A. Casilli"
    assert second.post_id == 2


def test_a_sentence_scattered_in_noise_yields_to_its_rare_words_together() -> None:
    # Post 1 holds every word of the sentence, each in passing; post 2 holds the words that
    # name its subject, together in its title, but neither « histoire » nor « veut ».
    noise = (
        "Une histoire de jardins ouvriers et de potagers partagés au printemps. Le maire "
        "raconte que la France rurale change vite, les marchés aussi. On veut des trains "
        "plus nombreux entre les villages de la vallée. Certains voudraient bannir les "
        "voitures du centre le dimanche. Le club de lecture parle de Twitter et de romans."
    )
    index = SearchIndex.build(
        [
            post(1, "Numerama", "Chronique du dimanche", WHEN, para(noise)),
            post(
                2,
                "Numerama",
                "La France menace de « bannir » Twitter après la décision d’Elon Musk",
                WHEN,
                para("Le ministre délégué au numérique a réagi lundi."),
            ),
            post(3, "Mediapart", "Les potagers de la vallée", WHEN, para("Des jardins.")),
        ]
    )
    found = index.search("c'est quoi l'histoire de la France qui veut bannir Twitter")
    assert ids(found)[0] == 2
    assert found.hits[0].missing == ("histoire", "veut")
    # Said as a query, every word counts: the post holding them all comes first.
    assert ids(index.search("histoire jardins vallée"))[0] == 1
    assert ids(index.search("histoire France veut bannir Twitter"))[0] == 1


def _sentence_corpus(times: int = 2) -> SearchIndex:
    # Every post holds the sentence's rare words but one, scattered among the subsets.
    words = ["Arcom", "streaming", "pollue", "Netflix", "qualité", "baisser"]
    posts = []
    for n, left_out in enumerate(words * times, start=1):
        held = " ".join(w for w in words if w != left_out)
        source = "Mediapart" if n % 3 == 0 else "Numerama"
        posts.append(post(n, source, f"Dossier {n}", WHEN, para(f"On y lit : {held}.")))
    return SearchIndex.build(posts)


def test_a_sentences_subsets_keep_the_querys_filters() -> None:
    index = _sentence_corpus()
    sentence = "est-ce que l'Arcom veut baisser la qualité du streaming qui pollue sur Netflix"
    found = index.search(sentence, limit=20)
    assert len(found.hits) == 12
    assert all(hit.missing for hit in found.hits)
    only = index.search(sentence + " source:Mediapart", limit=20)
    assert sorted(ids(only)) == [3, 6, 9, 12]


def test_a_sentence_asked_further_reads_further_into_each_subset() -> None:
    # No post holds enough of the sentence: its subsets find them, more posts than a
    # subset's own shortlist, so asking for more must read further into each subset.
    words = ["Arcom", "streaming", "pollue", "Netflix", "qualité", "baisser"]
    pairs = [(a, b) for i, a in enumerate(words) for b in words[i + 1 :]]
    posts = []
    for n, (a, b) in enumerate(pairs * 6, start=1):
        held = " ".join(w for w in words if w not in (a, b))
        posts.append(post(n, "Numerama", f"Dossier {n}", WHEN, para(f"On y lit : {held}.")))
    index = SearchIndex.build(posts)
    sentence = "est-ce que l'Arcom veut baisser la qualité du streaming qui pollue sur Netflix"
    whole = ids(index.search(sentence, limit=90))
    assert sorted(whole) == list(range(1, 91))
    assert index.search(sentence, limit=9, offset=81).hits
