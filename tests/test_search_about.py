"""What a post is about: a word opening its passages, its title heading every passage."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.search import SearchIndex
from tests.test_search import ids, para, post

OLD = datetime(2023, 9, 13, tzinfo=UTC)
NEW = datetime(2024, 3, 1, tzinfo=UTC)


def test_a_word_opening_the_passages_of_a_post_is_what_it_is_about() -> None:
    # Post 2, newer, holds « Arcom » more often, each time in passing; post 1 opens its
    # lead and its paragraph with it.
    index = SearchIndex.build(
        [
            post(
                1,
                "JournalDuGeek",
                "L’Arcom recommande une baisse de la qualité d’image",
                OLD,
                para("L'Arcom recommande la création d'un bouton pour les vidéos."),
                para("L'Arcom invite les plateformes à réduire leur impact."),
            ),
            post(
                2,
                "Numerama",
                "Des médias et l'arcom dans un rapport annuel",
                NEW,
                para("Le rapport cite la télévision, la radio et l'arcom parmi d'autres."),
                para("Les chaînes, les régies et l'arcom se réunissent chaque année."),
                para("Un colloque réunit éditeurs, juristes et l'arcom au printemps."),
            ),
        ]
    )
    assert ids(index.search("arcom")) == [1, 2]


def test_a_passage_and_its_title_hold_the_query_between_them() -> None:
    # Post 1's title names Casilli, its passage « le travail du clic »; post 2 holds the
    # three words in one passage, scattered.
    noise = "Casilli écrit sur le travail des vergers et sur le clic des cueilleurs."
    index = SearchIndex.build(
        [
            post(
                1,
                "LeVentSeLeve",
                "Antonio Casilli : « La menace des robots »",
                OLD,
                para("Je m'intéresse aux origines du travail du clic en France."),
            ),
            post(2, "Numerama", "Chronique du nord", NEW, para(noise)),
            post(3, "Numerama", "Le travail", NEW, para("Le travail des cueilleurs.")),
            post(4, "Numerama", "Un clic", NEW, para("Un clic de souris.")),
        ]
    )
    found = index.search("casilli travail du clic")
    assert ids(found)[:2] == [1, 2], [(h.post_id, h.score) for h in found.hits]
    assert ids(index.search("travail du clic"))[0] == 1


def test_a_run_of_the_query_as_written_counts_as_part_of_its_phrase() -> None:
    # Neither post holds « robots »; post 1 holds « travailleurs du clic » as written, post 2
    # (newer) the same two words as close, but not the query's wording.
    index = SearchIndex.build(
        [
            post(1, "LeVentSeLeve", "Entretien", OLD, para("Les travailleurs du clic.")),
            post(2, "Numerama", "Enquête", NEW, para("Les travailleurs et clic.")),
            post(3, "Numerama", "Les robots", NEW, para("Des robots.")),
        ]
    )
    assert ids(index.search("les travailleurs du clic et les robots"))[:2] == [1, 2]


def test_a_post_whose_title_and_passage_hold_the_query_is_read_among_many() -> None:
    # Sixty newer posts hold the three words in one passage, loosely: more than the posts
    # read in full; post 1 holds them between its title and one passage, as written.
    said = "Casilli parle de son travail, puis d'un clic."
    noise = [post(n, "Numerama", f"Chronique {n}", NEW, para(said)) for n in range(2, 62)]
    found = [
        post(
            1,
            "LeVentSeLeve",
            "Antonio Casilli : « La menace des robots »",
            OLD,
            para("Je m'intéresse aux origines du travail du clic en France."),
        )
    ]
    index = SearchIndex.build(noise + found)
    hit = index.search("casilli travail du clic").hits[0]
    assert hit.post_id == 1
    assert "origines du travail du clic" in hit.snippet


def test_the_kind_of_post_asked_for_is_no_word_to_find() -> None:
    # « l'interview de Casilli » asks for a kind of post: post 2, newer, holds « interviewé »
    # beside « Casilli » and « clic », post 1 is Casilli’s interview.
    index = SearchIndex.build(
        [
            post(
                1,
                "LeVentSeLeve",
                "Antonio Casilli : « La menace des robots »",
                OLD,
                ("answer", "A. Casilli", "Je m'intéresse aux origines du travail du clic."),
            ),
            post(
                2,
                "Numerama",
                "Témoignage",
                NEW,
                para("Un interviewé, Casilli, et un clic."),
            ),
            post(3, "Numerama", "Le travail", NEW, para("Le travail des cueilleurs, un clic.")),
        ]
    )
    found = index.search("je cherche l'interview de Casilli sur le travail du clic")
    assert ids(found)[0] == 1, [(h.post_id, h.score) for h in found.hits]


def test_the_passage_holding_the_query_as_written_is_the_one_read() -> None:
    # Three passages hold « travail » and « clic » more than once (their estimate is
    # optimistic), the fourth « travail du clic » as written: that one is read and shown.
    again = "le travail des champs, le travail de bureau, un clic, un clic."
    index = SearchIndex.build(
        [
            post(
                1,
                "LeVentSeLeve",
                "Antonio Casilli : « La menace des robots »",
                OLD,
                *[para(f"{n} : {again}") for n in ("Hier", "Demain", "Toujours")],
                para("Je m'intéresse aux origines du travail du clic en France."),
            ),
            post(2, "Numerama", "Le travail", NEW, para("Le travail des cueilleurs, un clic.")),
        ]
    )
    hit = index.search("casilli travail du clic").hits[0]
    assert hit.post_id == 1
    assert "origines du travail du clic" in hit.snippet


def test_a_run_of_the_query_under_the_title_counts_between_posts() -> None:
    # Sixty newer posts hold the three words in one passage, nearly as written, and more
    # of them elsewhere; post 1 holds « travail du clic » as written under a title naming
    # Casilli: with its title, that passage holds all of the query, run included.
    said = (para("Casilli, un travail du clic."), para("Un travail, un clic."))
    noise = [post(n, "Numerama", f"Chronique {n}", NEW, *said) for n in range(2, 62)]
    found = post(
        1,
        "LeVentSeLeve",
        "Antonio Casilli : « La menace des robots »",
        OLD,
        para("Je m'intéresse aux origines du travail du clic en France."),
    )
    index = SearchIndex.build([*noise, found])
    found_ = index.search("casilli travail du clic")
    assert ids(found_)[0] == 1, [(h.post_id, h.score) for h in found_.hits]


def test_a_phrase_is_its_words_each_at_its_place_not_the_query_s_length() -> None:
    # Sixty newer posts hold « travail » and « clic » as far apart as « sur le travail du
    # clic » is long; post 1 holds « travail du clic », the query's words as written.
    noise = [
        post(n, "Numerama", f"Chronique {n}", NEW, para("Le travail et un beau clic."))
        for n in range(2, 62)
    ]
    found = post(1, "LeVentSeLeve", "Entretien", OLD, para("Les origines du travail du clic."))
    index = SearchIndex.build([*noise, found])
    found_ = index.search("sur le travail du clic")
    assert ids(found_)[0] == 1, [(h.post_id, h.score) for h in found_.hits]
