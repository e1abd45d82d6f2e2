"""The search engine over hand-written French posts: fuzzy matching, ranking, filters,
snippets, quotes, updates and persistence."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from bot.models import IndexedPassage, IndexedPost, PassageKind
from bot.search import SearchIndex
from bot.search.index_file import PARTS_BEFORE_MERGE
from bot.search.passage_score import MIN_SCORE
from bot.search.postings import REPEATED
from bot.search.resolved import join_spellings
from bot.search.snippet import ELLIPSIS, cut_snippet, cut_snippet_parts
from bot.text import STOP_WORDS, normalize
from tests.conftest import known

NBSP = "\u00a0"
_passage_ids = iter(range(1, 1_000_000))


def post(
    post_id: int,
    source: str,
    title: str,
    published: datetime | None,
    *passages: tuple[str, str | None, str],
    deleted: bool = False,
) -> IndexedPost:
    return IndexedPost(
        post_id=post_id,
        source=source,
        title=title,
        title_norm=normalize(title),
        author=None,
        published=published,
        url=f"https://example.org/{post_id}",
        passages=tuple(
            IndexedPassage(
                next(_passage_ids), cast(PassageKind, kind), speaker, text, normalize(text)
            )
            for kind, speaker, text in passages
        ),
        deleted=deleted,
    )


def para(text: str) -> tuple[str, None, str]:
    return ("paragraph", None, text)


CASILLI = 1
CARTE = 2
REMANIEMENT = 3
TWITTER = 4
MEDIAPART = 5
SCATTERED = 6
ARCOM_TITLE = 7
ARCOM_BODY = 8
RECETTES = 9
WAGNER = 10

LONG_ANSWER = (
    "Pour commencer, le titre n’est pas de moi. Ce n’était censé être à la base qu’un des "
    "chapitres de cet ouvrage, en l’occurrence le dernier. Cette référence renvoie à deux "
    "ouvrages majeurs\u00a0: d’une part la poésie de Kavafys et de l’autre la pièce de Beckett, "
    "deux œuvres majeures du XXe siècle dans lesquelles on évoque une menace qui n’arrive "
    "jamais. Dans le nouveau livre sur lequel je travaille, je m’intéresse aux origines du "
    "travail du clic, par exemple le fait qu’en France et dans d’autres pays d’Europe, on "
    "avait créé à cette époque des ateliers de calcul dans lesquels des centaines de "
    "personnes, souvent pas des mathématiciens du tout, calculaient un peu tout\u00a0: des "
    "tables trigonométriques pour le cadastre de Paris, les positions du Soleil pour "
    "l’observatoire de Greenwich, etc. Ce fut un grand élan de mise en données qui ne fut "
    "pas seulement de la quantification."
)


def corpus() -> list[IndexedPost]:
    return [
        post(
            CASILLI,
            "LeVentSeLeve",
            f"Antonio Casilli{NBSP}: «{NBSP}La menace d’un grand remplacement par les robots "
            f"est une manière d’assurer la discipline{NBSP}»",
            datetime(2023, 4, 12, 9, 33, tzinfo=UTC),
            para(
                "Pour le sociologue Antonio Casilli, auteur de En attendant les robots"
                f"{NBSP}: Enquête sur le travail du clic (Seuil, 2019), ces annonces relèvent "
                "surtout d’un discours téléologique vénérant excessivement le progrès."
            ),
            (
                "question",
                "LVSL",
                "Vous rappelez aussi dans votre livre qu’il existe d’autres types de "
                f"«{NBSP}travailleurs du clic{NBSP}». Lesquels{NBSP}?",
            ),
            ("answer", "A. Casilli", LONG_ANSWER),
            (
                "answer",
                "A. Casilli",
                f"C’est un travail qui est «{NBSP}datafié{NBSP}» et «{NBSP}tâcheronisé{NBSP}». "
                f"«{NBSP}Tâcheronisé{NBSP}» c’est-à-dire atomisé, segmenté en petites tâches.",
            ),
            (
                "question",
                "LVSL",
                f"Une microtravailleuse nous a dit{NBSP}: «{NBSP}je me connecte sur un site et "
                f"je coche des cases{NBSP}». Qu’en pensez-vous{NBSP}?",
            ),
            (
                "answer",
                "A. Casilli",
                "La première chose qu’une d’entre elles nous a dite est\u00a0: moi j’ai jamais "
                "rencontré les gens avec lesquels je travaille parce que, tout simplement, je "
                "me connecte sur un site et je coche des cases.",
            ),
            (
                "pullquote",
                "A. Casilli",
                "Moi j’ai jamais rencontré les gens avec lesquels je travaille parce que, tout "
                "simplement, je me connecte sur un site et je coche des cases",
            ),
            (
                "answer",
                "A. Casilli",
                f"ChatGPT s’appelle «{NBSP}GPT{NBSP}» parce que le «{NBSP}P{NBSP}» signifie "
                f"«{NBSP}pretrained{NBSP}», tout ce que la machine sait faire a été précalculé "
                "par des êtres humains.",
            ),
            (
                "pullquote",
                None,  # unattributed: the post's only answerer is the speaker
                "Les microtravailleurs ne sortent pas dans la rue mais on les voit beaucoup "
                "dans les tribunaux.",
            ),
        ),
        post(
            CARTE,
            "JournalDuGeek",
            "Vous allez bientôt pouvoir renouveler votre carte d’identité avant sa date "
            f"d’expiration{NBSP}!",
            datetime(2024, 4, 2, 7, 37, tzinfo=UTC),
            para(
                "Dans un contexte où l'identité numérique prend une place de plus en plus "
                "centrale dans nos vies, le gouvernement a annoncé une mesure visant à "
                "faciliter l'accès à l'application France Identité."
            ),
        ),
        post(
            REMANIEMENT,
            "Numerama",
            f"Remaniement ministériel{NBSP}: Qui est Marina Ferrari, la nouvelle secrétaire "
            "d’État chargée du numérique",
            datetime(2024, 2, 8, 20, 3, tzinfo=UTC),
            para(
                "Marina Ferrari, députée Modem de Savoie, vient d'être nommée secrétaire "
                "d'État chargée du numérique."
            ),
        ),
        post(
            TWITTER,
            "Numerama",
            f"La France menace de «{NBSP}bannir{NBSP}» Twitter après la décision d’Elon Musk",
            datetime(2023, 5, 29, 7, 37, tzinfo=UTC),
            para(
                "Jean-Noël Barrot, le ministre délégué en charge du numérique, a réagi lundi "
                "29 mai à la décision d’Elon Musk de quitter le code européen."
            ),
        ),
        post(
            MEDIAPART,
            "Mediapart",
            "L’intelligence artificielle ne fera pas disparaître le travail, mais risque de "
            "le dégrader",
            datetime(2023, 4, 8, 13, 27, tzinfo=UTC),
            para(
                f"Le succès de ChatGPT, robot d’intelligence artificielle «{NBSP}générative"
                f"{NBSP}», a lancé un nouveau récit techno-solutionniste."
            ),
        ),
        post(
            SCATTERED,
            "Numerama",
            "Les souris de bureau les plus confortables",
            datetime(2023, 6, 1, 10, 0, tzinfo=UTC),
            para(
                "Le clic gauche reste le geste de base de toute journée devant un écran. "
                "Nous avons testé douze modèles pendant un mois, au bureau comme à la maison, "
                "et le meilleur rend le travail plus agréable."
            ),
        ),
        post(
            ARCOM_TITLE,
            "JournalDuGeek",
            "L’Arcom recommande une baisse de la qualité d’image sur YouTube",
            datetime(2023, 9, 13, 18, 5, tzinfo=UTC),
            para(
                "Le régulateur invite les plateformes de streaming à réduire l'impact "
                "environnemental de la vidéo."
            ),
        ),
        post(
            ARCOM_BODY,
            "Numerama",
            "Streaming\u00a0: ce qui change en 2024",
            datetime(2023, 12, 20, 8, 0, tzinfo=UTC),
            para(
                "Selon l’Arcom, les plateformes devront afficher leur consommation d’énergie "
                "dès l’an prochain."
            ),
        ),
        post(
            RECETTES,
            "Mediapart",
            "Les comptes des géants du numérique",
            datetime(2023, 7, 3, 6, 0, tzinfo=UTC),
            para(
                "Les recettes publicitaires de YouTube progressent encore cette année. Dans le "
                "même temps, les entreprises créées pour sous-traiter la modération peinent à "
                "recruter. La Ligue des droits de l’Homme s’inquiète de leurs conditions de "
                "travail et demande une enquête."
            ),
        ),
        post(
            WAGNER,
            "Mathias Poujol-Rost",
            "Une enquête exclusive sur le groupe de mercenaires russes #Wagner dirigé par "
            "l'oligarque Evgueni Prigojine.",
            datetime(2023, 2, 26, 13, 52, tzinfo=UTC),
            para(
                "Grâce à quelque 2 500 documents piratés sur les serveurs informatiques de son "
                "empire, cette investigation numérique expose les rouages du système."
            ),
        ),
    ]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex.build(corpus())


def ids(response) -> list[int]:
    return [h.post_id for h in response.hits]


def bolded(hit) -> str:
    assert hit.match
    return " | ".join(hit.snippet[start:end] for start, end in hit.match)


# ------------------------------------------------------------------ must find


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("travail du clic", CASILLI),
        ("travial du clik", CASILLI),  # typos
        ("tacheronise", CASILLI),  # missing accents
        ("tâcheronisé", CASILLI),
        ("carte d'identite", CARTE),  # straight apostrophe for a curly one, no accents
        ("travailleur du clic", CASILLI),  # singular for plural
        ("clic travail", CASILLI),  # another order
        ("travail du clic uberisation", CASILLI),  # an extra word
        ("remaniement ministeriel", REMANIEMENT),
        ("Prigojine", WAGNER),
        ("CHATGPT PRETRAINED", CASILLI),
    ],
)
def test_must_find(index, query, expected):
    response = index.search(query)
    assert response.hits, query
    assert response.hits[0].post_id == expected
    assert MIN_SCORE <= response.hits[0].score <= 100


@pytest.mark.parametrize(
    "query",
    [
        "tartiflette savoyarde",
        "recette de crepes",  # `recettes` is there, `créées` is one letter off `crepes`
        "football ligue 1",  # `ligue` is there
        "tartiflette",
        "la tartiflette",
        "le travail du roi",  # the stop words cannot rescue a missing word
    ],
)
def test_unrelated_queries_find_nothing(index, query):
    response = index.search(query)
    assert response.hits == []
    assert response.total == 0
    assert not response.empty_query


@pytest.mark.parametrize("query", ["de la", "du", "l'", "les et des", "d’"])
def test_stop_words_alone_never_match(index, query):
    response = index.search(query)
    assert response.hits == []
    assert [w.code for w in response.warnings] == ["stop_words_only"]


def test_stop_words_do_not_carry_a_match_next_to_a_real_word(index):
    # `de` and `la` are in every post; only `savoie` decides.
    assert ids(index.search("de la savoie")) == [REMANIEMENT]


def test_exact_phrase_outranks_scattered_words(index):
    response = index.search("travail clic")
    found = ids(response)
    assert found[0] == CASILLI
    assert SCATTERED in found  # scattered still counts as a match, just lower
    scores = {h.post_id: h.score for h in response.hits}
    assert scores[CASILLI] > scores[SCATTERED] + 20


def test_phrase_in_order_outranks_reordered(index):
    in_order = index.search("travail du clic").hits[0].score
    reordered = index.search("clic du travail").hits[0].score
    assert in_order > reordered


def test_title_match_outranks_body_match(index):
    response = index.search("arcom")
    assert ids(response)[:2] == [ARCOM_TITLE, ARCOM_BODY]  # the body one is newer
    assert response.hits[1].kind == "paragraph"
    assert bolded(response.hits[1]) == "Arcom"


def test_a_title_match_shows_the_lead_not_the_title_again(index):
    hit = index.search("arcom").hits[0]
    assert hit.post_id == ARCOM_TITLE
    assert "Arcom" not in hit.snippet
    assert hit.snippet.startswith("Le régulateur invite les plateformes")
    assert (hit.kind, hit.match) == ("paragraph", [])


def test_typo_scores_below_exact(index):
    exact = index.search("travail du clic").hits[0].score
    typo = index.search("travial du clik").hits[0].score
    assert MIN_SCORE <= typo < exact


def test_one_entry_per_post_with_total_for_paging(index):
    response = index.search("numérique", limit=2)
    everything = index.search("numérique", limit=50)
    assert len(response.hits) == 2
    assert response.total == len(everything.hits) >= 4
    assert len(set(ids(everything))) == len(everything.hits)
    page2 = index.search("numérique", limit=2, offset=2)
    assert ids(page2) == ids(everything)[2:4]
    assert index.search("numérique", offset=100).hits == []


# ------------------------------------------------------------------ syntax and filters


def test_quoted_phrase_is_exact(index):
    assert ids(index.search('"travail du clic"')) == [CASILLI]
    # The words are elsewhere, but never in a row.
    assert index.search('"clic travail"').hits == []


def test_exclusions(index):
    found = ids(index.search("travail -robots", limit=20))
    # Mediapart says `robot`: excluding a plural excludes the singular too.
    assert CASILLI not in found
    assert MEDIAPART not in found
    assert SCATTERED in found
    assert RECETTES in found
    found = ids(index.search("travail -sociologue", limit=20))
    assert CASILLI not in found
    assert MEDIAPART in found
    found = ids(index.search('travail -"travail du clic"', limit=20))
    assert CASILLI not in found
    assert MEDIAPART in found


def test_source_filter(index):
    found = ids(index.search("travail source:Mediapart", limit=20))
    assert set(found) == {MEDIAPART, RECETTES}
    assert set(ids(index.search("numérique source:journaldugeek", limit=20))) == {CARTE}
    assert ids(index.search("robots source:leventseleve")) == [CASILLI]
    assert ids(index.search("prigojine source:mathias")) == [WAGNER]
    assert index.search("robots source:Numerama").hits == []
    assert CASILLI not in ids(index.search("travail -source:LeVentSeLeve", limit=20))


def test_unknown_source_is_reported(index):
    response = index.search("robots source:lemonde")
    assert response.hits == []
    assert [w.code for w in response.warnings] == ["unknown_source"]


def test_since_until_are_inclusive_days(index):
    found = set(ids(index.search("numérique since:2024-01-01", limit=20)))
    assert found == {CARTE, REMANIEMENT}
    found = set(ids(index.search("numérique until:2023-12-31", limit=20)))
    assert CARTE not in found
    assert REMANIEMENT not in found
    assert TWITTER in found
    # Casilli was published on 2023-04-12 (09:33 UTC): both bounds include that day.
    assert ids(index.search("casilli since:2023-04-12 until:2023-04-12")) == [CASILLI]
    assert index.search("casilli since:2023-04-13").hits == []
    assert index.search("casilli until:2023-04-11").hits == []


def test_days_are_read_in_the_index_time_zone():
    late = post(1, "Numerama", "Robots au travail", datetime(2023, 4, 12, 23, 30, tzinfo=UTC))
    utc = SearchIndex.build([late])
    paris = SearchIndex.build([late], tz=ZoneInfo("Europe/Paris"))
    assert ids(utc.search("robots until:2023-04-12")) == [1]
    assert paris.search("robots until:2023-04-12").hits == []  # 01:30 on the 13th in Paris
    assert ids(paris.search("robots since:2023-04-13")) == [1]


def test_posts_without_date_are_out_of_date_filters():
    undated = post(1, "Numerama", "Robots au travail", None)
    index = SearchIndex.build([undated])
    assert ids(index.search("robots")) == [1]
    assert index.search("robots since:2020-01-01").hits == []


def test_bad_date_is_reported_and_ignored(index):
    response = index.search("casilli since:2023-02-30")
    assert ids(response) == [CASILLI]
    assert [w.code for w in response.warnings] == ["bad_date"]


def test_empty_query_is_flagged(index):
    for query in ("", "   ", "source:Numerama"):
        response = index.search(query)
        assert response.empty_query
        assert response.hits == []
        assert response.total == 0


def test_long_query_is_cut_and_reported(index):
    response = index.search("travail du clic " + "x" * 300)
    assert [w.code for w in response.warnings] == ["truncated"]
    assert len(response.query) <= 256
    assert ids(response)[:1] == [CASILLI]


# ------------------------------------------------------------------ snippets


def test_snippet_bolds_the_phrase_in_a_long_answer(index):
    hit = index.search("origines du travail du clic").hits[0]
    assert hit.kind == "answer"
    assert hit.speaker == "A. Casilli"
    assert bolded(hit) == "origines du travail du clic"
    assert hit.snippet.startswith(ELLIPSIS)
    assert hit.snippet.endswith(ELLIPSIS)
    assert len(hit.snippet) <= 282
    # Cut on word boundaries: the first and last words are whole words of the answer.
    first = hit.snippet[1:].split()[0]
    last = hit.snippet[:-1].split()[-1]
    assert f" {first} " in f" {LONG_ANSWER} "
    assert f" {last} " in f" {LONG_ANSWER} "


def test_words_apart_in_a_passage_are_bolded_apart(index):
    hit = index.search("clic gauche journee").hits[0]
    assert hit.post_id == SCATTERED
    # « clic gauche » stand together, « journée » further on: what lies between is not bold.
    assert bolded(hit) == "clic gauche | journée"


def test_snippet_offsets_point_into_the_original_typography(index):
    hit = index.search("decision d'elon musk").hits[0]
    assert hit.post_id == TWITTER
    assert bolded(hit) == "décision d’Elon Musk"
    hit = index.search("tacheronise").hits[0]
    assert bolded(hit) == "tâcheronisé"
    hit = index.search("travial du clik").hits[0]
    assert normalize(bolded(hit)) == "travail du clic"


def test_a_post_that_is_only_a_title_has_no_snippet() -> None:
    only = post(99, "Numerama", "Le télescope James Webb photographie Neptune", None)
    hit = SearchIndex.build([only]).search("telescope neptune").hits[0]
    assert (hit.post_id, hit.kind, hit.snippet, hit.match) == (99, "title", "", [])


def test_snippet_of_a_short_passage_is_whole(index):
    hit = index.search("documents pirates").hits[0]
    assert hit.snippet == index.search("prigojine").hits[0].snippet  # the lead, whole
    assert ELLIPSIS not in hit.snippet
    assert bolded(hit) == "documents piratés"


def test_cut_snippet_squashes_newlines_and_keeps_offsets():
    text = "Premier paragraphe.\n\nDeuxième   paragraphe avec le mot cherché."
    start = text.index("cherché")
    snippet, match = cut_snippet(text, (start, start + len("cherché")))
    assert match is not None
    assert "\n" not in snippet
    assert "  " not in snippet
    assert snippet[match[0] : match[1]] == "cherché"


def test_cut_snippet_parts_moves_each_part_and_drops_what_is_cut():
    text = "Début.\n\n" + "mot " * 100 + "premier   second " + "mot " * 100 + "lointain"
    first = text.index("premier")
    second = text.index("second")
    far = text.index("lointain")
    parts = [(first, first + 7), (second, second + 6), (far, far + 8)]
    snippet, moved = cut_snippet_parts(text, (first, second + 6), parts)
    assert [snippet[a:b] for a, b in moved] == ["premier", "second"]
    assert "  " not in snippet


def test_cut_snippet_without_span():
    snippet, match = cut_snippet("mot " * 200, None)
    assert match is None
    assert snippet.endswith(ELLIPSIS)
    assert len(snippet) <= 282


# ------------------------------------------------------------------ quotes


def test_quote_prefers_the_interviewee_over_the_question(index):
    response = index.quote("je me connecte sur un site")
    hit = response.hits[0]
    assert hit.kind in ("pullquote", "answer")
    assert hit.speaker == "A. Casilli"
    assert "je coche des cases" in hit.text
    assert normalize(hit.snippet[hit.match[0] : hit.match[1]]).startswith("connecte")


def test_quote_pretrained(index):
    hit = index.quote("chatgpt pretrained").hits[0]
    assert hit.kind == "answer"
    assert hit.speaker == "A. Casilli"
    assert "pretrained" in hit.text
    assert hit.post_id == CASILLI
    assert hit.source == "LeVentSeLeve"


def test_quote_falls_back_to_any_passage(index):
    hit = index.quote("identité numérique").hits[0]
    assert hit.kind == "paragraph"
    assert hit.speaker is None
    assert hit.post_id == CARTE


def test_quote_several_without_duplicates(index):
    hits = index.quote("je coche des cases", limit=5).hits
    assert len(hits) == 3  # pull quote, answer, question: each once
    assert hits[-1].kind == "question"
    assert len({h.text for h in hits}) == 3


def test_unattributed_pull_quote_gets_the_interviewee(index):
    hit = index.quote("microtravailleurs tribunaux").hits[0]
    assert hit.kind == "pullquote"
    assert hit.speaker == "A. Casilli"


def test_a_journalists_paragraph_in_an_interview_is_not_the_interviewees(index):
    hit = index.quote("discours teleologique venerant le progres").hits[0]
    assert hit.post_id == CASILLI
    assert hit.kind == "paragraph"
    assert hit.speaker is None


def test_quote_of_nothing_finds_nothing(index):
    assert index.quote("tartiflette savoyarde").hits == []


def test_random_pull_quote_is_seeded(index):
    first = index.quote("", rng=random.Random(7))
    again = index.quote("", rng=random.Random(7))
    assert first.random
    assert first.empty_query
    assert first.hits[0].text == again.hits[0].text
    assert first.hits[0].kind == "pullquote"
    assert first.hits[0].speaker == "A. Casilli"
    seen = {index.quote("", rng=random.Random(seed)).hits[0].text for seed in range(30)}
    assert len(seen) == 2  # both pull quotes come up


def test_random_quote_respects_filters(index):
    assert index.quote("source:Numerama", rng=random.Random(1)).hits == []
    assert index.quote("source:LeVentSeLeve", rng=random.Random(1)).hits


# ------------------------------------------------------------------ determinism

_TWO_FORMS = """
from bot.models import IndexedPassage, IndexedPost
from bot.search import SearchIndex
from bot.text import normalize
text = "Un emploi sur deux, des emplois susceptibles d’être remplacés."
passage = IndexedPassage(1, "paragraph", None, text, normalize(text))
post = IndexedPost(1, "Numerama", "Titre", "titre", None, None, None, (passage,))
index = SearchIndex.build([post])
print(index._term("emplois").pos.tolist())
"""


def test_a_word_in_two_forms_reads_the_same_in_every_process(tmp_path: Path):
    """The forms of a word were a set: its order, and with it which form's position a
    passage holding both kept, changed with each process's hash seed."""
    from tests.conftest import ROOT

    seen = {
        subprocess.run(
            [sys.executable, "-c", _TWO_FORMS],
            env={**os.environ, "PYTHONHASHSEED": str(seed), "PYTHONPATH": str(ROOT)},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(8)
    }
    assert len(seen) == 1, seen
    # Both forms stand in the passage: the word stands there more than once.
    text = "Un emploi sur deux, des emplois susceptibles d’être remplacés."
    index = SearchIndex.build([post(1, "Numerama", "Titre", None, para(text))])
    [pos] = index._term("emplois").pos.tolist()
    assert pos & REPEATED


def _joined_by_hand(parts):
    best: dict[int, list] = {}
    ranked = sorted(parts, key=lambda part: -part[2])
    for slots, pos, quality in ranked:
        for slot, at in zip(slots.tolist(), pos.tolist(), strict=True):
            if slot in best:
                best[slot][2] = True
            else:
                best[slot] = [quality, at, False]
    slots = sorted(best)
    return (
        slots,
        [np.float32(best[s][0]) for s in slots],
        [best[s][1] | (REPEATED if best[s][2] else 0) for s in slots],
    )


@pytest.mark.parametrize(
    "sizes",
    [[3000, 40, 7], [7, 3000, 40], [1500, 1200], [50], [400, 400, 400, 3]],
    ids=["large-and-rare", "rare-first", "two-large", "one", "several"],
)
def test_joined_spellings_keep_the_best_quality_and_mark_shared_slots(sizes):
    rng = np.random.default_rng(len(sizes) * 1000 + sizes[0])
    qualities = [1.0, 0.79, 1.0, 0.62][: len(sizes)]
    parts = []
    for size, quality in zip(sizes, qualities, strict=True):
        slots = np.sort(rng.choice(5000, size, replace=False)).astype(np.intp)
        pos = rng.integers(0, 40, size).astype(np.uint16)
        pos[rng.random(size) < 0.2] |= REPEATED
        parts.append((slots, pos, quality))
    slots, qualities_joined, pos = join_spellings(parts)
    expected = _joined_by_hand(parts)
    assert slots.tolist() == expected[0]
    assert qualities_joined.tolist() == expected[1]
    assert pos.tolist() == expected[2]


def test_a_known_word_brings_its_endings_and_no_other_near_word():
    from bot.search.vocabulary import NearSpellings

    near = NearSpellings()
    for word in ("artificiel", "artificielle", "artificiellement", "artifice", "artificie"):
        near.add(word)
    assert near.endings("artificiel", 1) == [("artificie", 1)]
    assert near.endings("artificiel", 2) == [("artificie", 1), ("artificielle", 2)]
    assert near.endings("artificielle", 2) == [("artificiel", 2)]
    # Not an ending, though one letter away: only a word unknown to the index gets those.
    assert ("artificiel", 1) in near.near("artificiels", 1)


# ------------------------------------------------------------------ suggestions


def test_suggest_replaces_unknown_words(index):
    assert index.suggest("travial du clik") == "travail du clic"
    assert index.suggest("remaniment ministeriel") == "remaniement ministeriel"
    assert index.suggest("travail du clic") is None
    assert index.suggest("tartiflette") is None


# ------------------------------------------------------------------ updates


def test_update_replaces_and_removes():
    index = SearchIndex.build(corpus())
    passages = len(index)
    assert ids(index.search("prigojine")) == [WAGNER]

    renamed = post(WAGNER, "Numerama", "Le groupe Wagner change de chef", None, para("Un texte."))
    index.update([renamed])
    assert index.search("prigojine").hits == []
    assert ids(index.search("wagner chef")) == [WAGNER]
    assert len(index) == passages  # one passage replaced by one

    index.update([post(WAGNER, "Numerama", "", None, deleted=True)])
    assert index.search("wagner").hits == []
    assert len(index) == passages - 1

    index.update([post(REMANIEMENT, "Numerama", "", None)])  # no title, no passages
    assert index.search("remaniement").hits == []
    assert index.post_count == len(corpus()) - 2

    index.update([post(99, "Numerama", "Nouvel article sur la tartiflette", None)])
    assert ids(index.search("tartiflette")) == [99]


def test_many_updates_keep_a_word_in_few_parts():
    index = SearchIndex.build(corpus())
    for i in range(3 * PARTS_BEFORE_MERGE):
        index.update([post(WAGNER, "Numerama", f"Wagner, épisode {i}", None, para("Un texte."))])
    parts = index._c.file.db.execute(
        "SELECT count(*) FROM postings WHERE stem = 'wagner'"
    ).fetchone()
    assert parts[0] <= PARTS_BEFORE_MERGE
    assert ids(index.search("wagner")) == [WAGNER]
    assert index.search("wagner").hits[0].title == f"Wagner, épisode {3 * PARTS_BEFORE_MERGE - 1}"
    assert index.post_count == len(corpus())


def test_concurrent_searches_and_updates_do_not_break():
    index = SearchIndex.build(corpus())
    errors: list[BaseException] = []

    def searcher() -> None:
        try:
            for _ in range(50):
                index.search("travail du clic")
                index.quote("pretrained")
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    def updater() -> None:
        try:
            for i in range(50):
                index.update([post(1000 + i, "Numerama", f"Robots {i}", None, para("travail"))])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=searcher) for _ in range(3)] + [
        threading.Thread(target=updater)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert index.post_count == len(corpus()) + 50


# ------------------------------------------------------------------ persistence


def test_a_reopened_file_answers_the_same(tmp_path: Path):
    path = tmp_path / "index" / "search.idx"
    built = SearchIndex.build(corpus(), path=path)
    built.update([], stamp="v1")
    queries = ("travial du clik", "arcom", "numérique since:2024-01-01", "carte d'identite")
    before = [built.search(q) for q in queries]
    built.close()
    loaded = SearchIndex.open(path)
    assert loaded is not None
    assert loaded.stamp == "v1"
    assert len(loaded) == len(built)
    assert loaded.post_count == built.post_count
    assert [loaded.search(q) for q in queries] == before
    assert loaded.quote("chatgpt pretrained").hits[0].post_id == CASILLI
    # A reopened index keeps working as an index, and the file follows.
    loaded.update([post(77, "Numerama", "La tartiflette arrive", None)])
    assert ids(loaded.search("tartiflette")) == [77]
    loaded.close()
    assert ids(known(SearchIndex.open(path)).search("tartiflette")) == [77]


@pytest.mark.parametrize("damage", ["truncated", "garbage", "other_format", "torn_column"])
def test_a_damaged_file_is_refused(tmp_path: Path, damage: str):
    path = tmp_path / "search.idx"
    assert SearchIndex.open(path) is None  # missing
    SearchIndex.build(corpus(), path=path).close()
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"not an index at all" * 100)
    else:
        db = sqlite3.connect(path)
        if damage == "other_format":
            db.execute("UPDATE meta SET value = 'relais-search-index/1' WHERE key = 'format'")
        else:
            db.execute("DELETE FROM columns WHERE name = 'slot_post'")
        db.commit()
        db.close()
    assert SearchIndex.open(path) is None


def test_a_failed_update_leaves_file_and_memory_as_they_were(tmp_path: Path):
    path = tmp_path / "search.idx"
    index = SearchIndex.build(corpus(), path=path)
    index.update([], stamp="before")
    broken = post(99, "Numerama", "La tartiflette arrive", None, para("Du reblochon."))
    # A passage without text cannot be stored: the whole update, stamp included, is undone.
    textless = replace(broken.passages[0], text=None)  # type: ignore[arg-type]
    broken = replace(broken, passages=(textless,))
    fine = post(98, "Numerama", "Le reblochon", None, para("Un fromage."))
    with pytest.raises(sqlite3.IntegrityError):
        index.update([fine, broken], stamp="after")
    assert index.stamp == "before"
    assert index.search("reblochon").hits == []
    assert index.post_count == len(corpus())
    assert ids(index.search("prigojine")) == [WAGNER]
    index.update([fine], stamp="after")
    assert ids(index.search("reblochon")) == [98]
    index.close()
    again = known(SearchIndex.open(path))
    assert again.stamp == "after"
    assert ids(again.search("reblochon")) == [98]


def test_an_update_writes_only_what_it_touched(tmp_path: Path):
    """Replacing one post in a large index writes a few pages, not the whole file."""
    path = tmp_path / "search.idx"
    posts = [
        post(
            i,
            "Numerama",
            f"Article {i}",
            None,
            *(para(f"Texte {i}.{j} sur les robots {j * i}.") for j in range(20)),
        )
        for i in range(1, 2001)
    ]
    index = SearchIndex.build(corpus() + posts, path=path)
    index._c.file.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = path.stat().st_size
    index.update([post(WAGNER, "Numerama", "Wagner change de chef", None, para("Un texte."))])
    written = Path(f"{path}-wal").stat().st_size
    assert written < size / 10, (written, size)
    assert ids(index.search("wagner chef")) == [WAGNER]


def test_empty_index():
    index = SearchIndex.build([])
    assert len(index) == 0
    assert index.search("travail").hits == []
    assert index.quote("", rng=random.Random(1)).hits == []
    assert index.suggest("travail") is None


def test_batch_postings_split_words_as_the_text_module_does():
    """Each stem's postings: the slots holding one of its words, where one first stands
    and whether they stand there more than once; each word's count of uses."""
    from bot.search.postings import Tokenizer
    from bot.text import stem, words

    texts = (
        LONG_ANSWER,
        "l’État 2024 : «\u00a0café\u00a0» 😀 naïf-ère x \x01 un emploi, des emplois",
        "",
        "Les journaux, le journal.",
    )
    norms = [normalize(t) for t in texts]
    tokenizer = Tokenizer()
    by_stem = tokenizer.postings(norms, 7)
    uses: dict[str, int] = {}
    for slot, norm in enumerate(norms, start=7):
        toks = [w for w in words(norm) if w not in STOP_WORDS]
        for w in toks:
            uses[w] = uses.get(w, 0) + 1
        roots = [stem(w) for w in toks]
        positions = [i for i, w in enumerate(words(norm)) if w not in STOP_WORDS]
        expected = {
            r: (positions[roots.index(r)], roots.count(r) > 1) for r in dict.fromkeys(roots)
        }
        found = {
            r: (int(p[s == slot][0] & 0x7FFF), bool(p[s == slot][0] & 0x8000))
            for r, (s, p) in by_stem.items()
            if (s == slot).any()
        }
        assert found == expected
    assert tokenizer.used() == uses
    assert by_stem["journal"][1].tolist() == [1 | REPEATED]
