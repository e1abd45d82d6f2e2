"""Issue 18, paging: over one index state a query's results are one sequence, and page n is
a slice of it, past the first shortlist too, for terse queries and sentences alike."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.models import IndexedPost
from bot.search import SearchIndex
from bot.search.blocks import MAX_RESULTS
from bot.search.post_ranking import SHORTLIST
from bot.search.relaxed import SCATTERED
from tests.test_search import para, post

FILLER = (
    "le gouvernement annonce une nouvelle étape dans le débat public sur les finances "
    "avec des syndicats inquiets et une opposition divisée pendant que les régions attendent"
).split()
WORDS = ("réforme", "retraites", "sénat")
PAGE = 5
TERSE = "réforme retraites"
SENTENCE = "je cherche un article sur la réforme des retraites au sénat"


def scattered(rng: random.Random, words: list[str], gap: int) -> str:
    """A paragraph of filler holding `words` apart, `gap` filler words at least between."""
    out: list[str] = []
    for word in words:
        out += [rng.choice(FILLER) for _ in range(gap + rng.randrange(0, 12))]
        out.append(word)
    out += [rng.choice(FILLER) for _ in range(rng.randrange(0, 12))]
    return " ".join(out).capitalize() + "."


def corpus() -> list[IndexedPost]:
    """240 posts holding the query's words, most of them scattered, a third of them alike
    (equal scores, equal dates): far more than one shortlist."""
    rng = random.Random(18)
    day = datetime(2024, 3, 1, tzinfo=UTC)
    posts = []
    for n in range(240):
        when = day + timedelta(hours=rng.randrange(0, 500))
        if n % 3 == 0:
            # Identical posts, published at the same time: equal scores, equal ages.
            text = (
                "La réforme annoncée hier par le gouvernement divise les syndicats, et les "
                "retraites des fonctionnaires seront débattues la semaine prochaine au sénat."
            )
            when = day
        elif n % 3 == 1:
            # Two of the words together, the third nowhere.
            text = scattered(rng, ["réforme des retraites"], rng.randrange(2, 30))
        else:
            held = [w for w in WORDS if rng.random() < 0.8] or ["retraites"]
            text = scattered(rng, held, 5)
        passages = [para(text)]
        if rng.random() < 0.5:
            passages.append(para(scattered(rng, [rng.choice(WORDS)], 3)))
        posts.append(post(10_000 + n, "Lemonde", f"Actualité {n}", when, *passages))
    return posts


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex.build(corpus())


@pytest.mark.parametrize("query", [TERSE, SENTENCE])
def test_pages_are_slices_of_one_long_request(index: SearchIndex, query: str) -> None:
    pages = 30  # 150 posts: three shortlists deep
    long = index.search(query, limit=PAGE * pages)
    assert len(long.hits) == PAGE * pages  # the corpus holds more than that
    shown: list[list[tuple[int, float]]] = []
    totals: list[int] = []
    # Asked from the last page back, as a fresh process would be asked any page first.
    for number in reversed(range(pages)):
        page = index.search(query, limit=PAGE, offset=number * PAGE)
        shown.insert(0, [(hit.post_id, hit.score) for hit in page.hits])
        totals.insert(0, page.total)
    flat = [post_id for page in shown for post_id, _ in page]
    assert flat == [hit.post_id for hit in long.hits]
    assert len(set(flat)) == len(flat)
    # Best first over the first shortlist, the pages the bot shows before any block is
    # added (a post only a wider shortlist finds may outscore its tail: it comes after).
    first = shown[: SHORTLIST // PAGE]
    for earlier, later in itertools.pairwise(first):
        assert max(score for _, score in later) <= min(score for _, score in earlier)
    # Each page says there is a next one, so ▶ shows on each.
    assert all(total > (number + 1) * PAGE for number, total in enumerate(totals))


def test_a_sentence_pages_through_its_subsets(index: SearchIndex) -> None:
    # The words stand scattered: the subsets of the sentence's words are searched.
    first = index.search(SENTENCE, limit=PAGE)
    assert first.hits
    assert first.hits[0].score < SCATTERED
    assert any(hit.missing for hit in index.search(SENTENCE, limit=PAGE * 30).hits)


def test_the_whole_list_ends_exhaustive(index: SearchIndex) -> None:
    everything = index.search(TERSE, limit=1000)
    assert everything.exhaustive
    assert everything.total == len(everything.hits)
    last = index.search(TERSE, limit=PAGE, offset=(everything.total - 1) // PAGE * PAGE)
    assert last.exhaustive
    assert last.total == everything.total
    assert [hit.post_id for hit in last.hits] == [
        hit.post_id for hit in everything.hits[(everything.total - 1) // PAGE * PAGE :]
    ]


def test_no_list_goes_deeper_than_max_results() -> None:
    # 450 posts alike: a page past MAX_RESULTS (an inline offset is the client's) finds
    # nothing and costs no block beyond the one reaching MAX_RESULTS.
    when = datetime(2024, 3, 1, tzinfo=UTC)
    body = "Le sénat examine la réforme des retraites."
    index = SearchIndex.build(
        [
            post(n, "Numerama", f"Réforme des retraites, épisode {n}", when, para(body))
            for n in range(1, 451)
        ]
    )
    last = index.search(TERSE, limit=PAGE, offset=MAX_RESULTS - PAGE)
    assert len(last.hits) == PAGE
    assert last.total == MAX_RESULTS
    assert not last.exhaustive
    beyond = index.search(TERSE, limit=PAGE, offset=9995)
    assert beyond.hits == []
    assert beyond.total == MAX_RESULTS
