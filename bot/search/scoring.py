"""Scoring a query's candidates within budget: IDF weights, the shortlist, posts ranked."""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable
from functools import partial

from bot.search.query import ParsedQuery
from bot.search.ranking import MIN_SCORE, Plan, Term, make_plan, one_word_score, score_passage
from bot.search.slots import TITLE, PostRecord

RERANK = 400  # candidate passages scored in full (their text scanned) per query
# A one-word query is scored from the postings alone, so it can afford many more.
RERANK_ONE_WORD = 2000

Scorer = Callable[[int], float | None]  # slot -> score, None when it does not match


def plan_query(terms: list[Term], parsed: ParsedQuery, live: int) -> Plan:
    """The plan of a query whose words resolved to `terms`, weighted by IDF over `live`
    slots."""
    idf = [math.log(1.0 + live / len(t.slots)) for t in terms if t.slots]
    # A word the corpus never uses says nothing about which passage is better: average.
    mean = sum(idf) / len(idf) if idf else 1.0
    weights = [math.log(1.0 + live / len(t.slots)) if t.slots else mean for t in terms]
    return make_plan(terms, weights, parsed)


def score_slot(plan: Plan, norms: list[str], kinds: bytearray, slot: int) -> float | None:
    """The full score of a slot: its text scanned for the query words."""
    return score_passage(plan, norms[slot], title=kinds[slot] == TITLE)


def slot_scorer(
    plan: Plan, norms: list[str], kinds: bytearray, titles: set[int]
) -> tuple[Scorer, int]:
    """How to score this query's candidates, and how many can be afforded.

    With one word and no phrase there is no proximity to measure: the score follows
    from which spelling of the word the postings say a slot holds, the same number
    `score_passage` would give without reading the text.
    """
    if len(plan.terms) != 1 or plan.phrases:
        return partial(score_slot, plan, norms, kinds), RERANK
    term = plan.terms[0]
    exact, fuzzy = term.exact, term.fuzzy

    def score(slot: int) -> float | None:
        if slot in exact:
            quality = 1.0
        else:
            quality = next((q for q, found in fuzzy if slot in found), 0.0)
            if not quality:
                return None
        return one_word_score(quality, title=slot in titles)

    return score, RERANK_ONE_WORD


def _best_spelling(term: Term) -> set[int]:
    """Slots holding the term exactly, else its closest near spellings (ties together)."""
    if term.exact or not term.fuzzy:
        return term.exact
    top = term.fuzzy[0][0]
    return set().union(*(found for q, found in term.fuzzy if q == top))


def shortlist(plan: Plan, cand: set[int], cap: int, titles: set[int]) -> tuple[list[int], bool]:
    """At most `cap` candidates to score, the likeliest first: titles with every query
    word, passages with every word at its best spelling, with every word, other titles,
    the rest; the newest within a tier. Returns (shortlist, whether it is complete)."""
    if len(cand) <= cap:
        return list(cand), True
    every = cand
    strongest = cand
    for t in plan.terms:
        if t.slots:
            every = every & t.slots
            strongest = strongest & _best_spelling(t)
    chosen: set[int] = set()
    for tier in (every & titles, strongest, every, cand & titles, cand):
        room = cap - len(chosen)
        if room <= 0:
            break
        fresh = tier - chosen
        # Slots are numbered as posts arrive: the highest are the newest. (A C sort beats
        # heapq.nlargest once `room` is in the thousands.)
        chosen |= fresh if len(fresh) <= room else set(sorted(fresh)[-room:])
    return list(chosen), False


def rank_posts(
    slots: list[int], score_of: Scorer, slot_post: array[int], posts: dict[int, PostRecord]
) -> list[tuple[float, int, int]]:
    """(score, post_id, best slot) of each post with a slot scoring at least MIN_SCORE,
    best first: a post takes its best passage's score, plus a little for more of them."""
    per_post: dict[int, list[tuple[float, int]]] = {}
    for slot in slots:
        score = score_of(slot)
        if score is not None and score >= MIN_SCORE:
            per_post.setdefault(slot_post[slot], []).append((score, slot))
    ranked: list[tuple[float, int, int]] = []
    for post_id, scored in per_post.items():
        scored.sort(reverse=True)
        top, slot = scored[0]
        # More matching passages are more evidence, but never more than a title.
        bonus = min(3.0, float(len(scored) - 1))
        ranked.append((min(100.0, top + bonus), post_id, slot))
    # Equal scores: the newest post first.
    ranked.sort(key=lambda r: (-r[0], -posts[r[1]].timestamp, -r[1]))
    return ranked
