"""Evidence from the postings alone, for every candidate at once: the relevance shortlist.

Per post, an estimate of its best passage as `ranking` will score it (the IDF-weighted share
of the query a passage holds, how close its words stand from their first positions kept in
the postings, a title bonus), plus a BM25F-like score: each query word's passages weighted
by their field (title, lead, body, question, answer, pull quote) and the quality of the
spelling found, saturated (k1) and normalized by the post's length (b), times the word's IDF
over posts. The shortlist is the best of these sums; recency only breaks ties. The shortlist
alone is then read and scored in full (`scoring`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bot.search.ranking import Plan

K1, B = 1.2, 0.15
# Field codes as stored per slot: title, lead (a post's first passage), paragraph,
# question, answer, pull quote.
TITLE_FIELD, LEAD_FIELD = 0, 1
FIELD_WEIGHT = np.array([2.0, 1.5, 1.0, 0.6, 1.2, 1.2], dtype=np.float64)
# The best passage's estimate, in units of the query's total IDF, and its parts: as in
# `ranking`, the words' coverage counts most, then their proximity, then being the title.
BEST_PASSAGE = 10.0
SHARE, CLOSE, PHRASE, TITLE_BONUS = 0.55, 0.30, 0.10, 0.08
CLOSE_HALF = 3.0  # extra words between the query words that halve a passage's closeness


@dataclass(frozen=True, slots=True)
class Evidence:
    """A query's evidence over posts and slots (arrays indexed by post_no or slot)."""

    score: np.ndarray  # cheap relevance per post_no (0 for non-candidates)
    bm25: np.ndarray  # its BM25F part: the evidence beyond the best passage
    candidates: np.ndarray  # post_nos holding enough of the query
    slot_weight: np.ndarray  # IDF-weighted share of the query held by each slot
    slot_estimate: np.ndarray  # each slot's estimated passage score (0 to 1)
    slot_terms: np.ndarray  # how many query words each slot holds
    idf: list[float]  # per term, over posts


def gather(
    plan: Plan,
    slot_post: np.ndarray,
    slot_field: np.ndarray,
    post_len: np.ndarray,
    allowed: np.ndarray,
) -> Evidence:
    """Score every post holding at least all but `plan.allowed_misses` query words, among
    the `allowed` ones (a bool mask by post_no)."""
    n_posts = len(post_len)
    live = max(1, int(allowed.sum()))
    avg_len = float(post_len[allowed].mean()) if allowed.any() else 1.0
    norm = K1 * (1.0 - B + B * post_len / max(avg_len, 1.0))
    score = np.zeros(n_posts, dtype=np.float64)
    count = np.zeros(n_posts, dtype=np.int32)
    idf: list[float] = []
    kept: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for term in plan.terms:
        slots, quality, pos = term.slots, term.quality, term.pos
        posts = slot_post[slots]
        keep = allowed[posts]
        slots, quality, pos, posts = slots[keep], quality[keep], pos[keep], posts[keep]
        tf = np.bincount(
            posts, weights=FIELD_WEIGHT[slot_field[slots]] * quality, minlength=n_posts
        )
        df = int(np.count_nonzero(tf))
        weight = math.log(1.0 + (live - df + 0.5) / (df + 0.5)) if df else 0.0
        idf.append(weight)
        score += weight * tf * (K1 + 1.0) / (tf + norm)
        count += tf > 0
        kept.append((slots, quality, pos))
    total = sum(idf) or 1.0
    size = len(slot_post)
    every = np.concatenate([s for s, _, _ in kept]) if kept else np.empty(0, dtype=np.uint32)
    weights = np.concatenate([q * (w / total) for (_, q, _), w in zip(kept, idf, strict=True)])
    slot_weight = np.bincount(every, weights=weights, minlength=size)
    slot_terms = np.bincount(every, minlength=size)
    need = len(plan.terms) - plan.allowed_misses
    bm25 = score.copy()
    estimate = np.zeros(size, dtype=np.float64)
    matched = np.flatnonzero(slot_terms)
    if len(matched):
        # The best passage of each post, estimated as the full scoring will read it: the
        # share of the query it holds and how close its words stand (from their first
        # positions), a title counting a little more. It leads; BM25F breaks its ties.
        estimate[matched] = SHARE * slot_weight[matched]
        held, closeness, phrase = _closeness(plan, kept, idf, slot_terms)
        estimate[held] += CLOSE * closeness + PHRASE * phrase
        estimate[matched[slot_field[matched] == TITLE_FIELD]] += TITLE_BONUS
        # A post's slots are consecutive: the matched slots come grouped by post.
        owners = slot_post[matched]
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        best = np.zeros(n_posts, dtype=np.float64)
        best[owners[starts]] = np.maximum.reduceat(estimate[matched], starts)
        score += BEST_PASSAGE * total * best
    candidates = np.flatnonzero(count >= max(1, need))
    return Evidence(score, bm25, candidates, slot_weight, estimate, slot_terms, idf)


def _closeness(
    plan: Plan,
    kept: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    idf: list[float],
    slot_terms: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The slots holding two query words or more (or the one word of a one-word query), how
    close those words stand in each (1 when as close as in the query, halved by every
    CLOSE_HALF words more), from each word's first position in the slot, and whether they
    stand exactly as far apart as in the query (all of them: likely the phrase)."""
    if len(kept) == 1:
        held = np.flatnonzero(slot_terms)
        return held, np.ones(len(held)), np.zeros(len(held))
    held = np.flatnonzero(slot_terms >= 2)
    spans = []
    skips = [None] if len(kept) < 3 else [None, min(range(len(kept)), key=idf.__getitem__)]
    for skip in skips:
        low = np.full(len(held), np.inf)
        high = np.full(len(held), -np.inf)
        present = np.zeros(len(held), dtype=np.int64)
        for i, (slots, _, pos) in enumerate(kept):
            if i == skip or not len(slots):
                continue
            at = np.minimum(np.searchsorted(slots, held), len(slots) - 1)
            here = slots[at] == held
            where = np.where(here, pos[at], 0).astype(np.float64)
            low = np.where(here, np.minimum(low, where), low)
            high = np.where(here, np.maximum(high, where), high)
            present += here
        spans.append((np.where(present >= 2, high - low, np.inf), present))
    span = spans[0][0]
    if len(spans) > 1:
        # Only a word's first position is kept, and the commonest word of a longer query
        # is the likeliest to stand first somewhere else: leave it out of the span when
        # two others remain.
        narrow, narrow_count = spans[1]
        span = np.where(narrow_count >= 2, narrow, span)
    span = span.astype(np.int64)
    # In the query, the words found stand as far apart as their count (and the stop words
    # between them) makes them; all of them: the whole query's length.
    whole = max(1, len(plan.sequence)) - 1
    every = slot_terms[held] >= len(plan.terms)
    ideal = np.where(every, whole, slot_terms[held] - 1)
    excess = np.maximum(0, span - ideal)
    phrase = (every & (span == whole) & (len(plan.terms) > 1)).astype(np.float64)
    return held, 1.0 / (1.0 + excess / CLOSE_HALF), phrase


def shortlist(ev: Evidence, k: int, post_ts: np.ndarray) -> list[int]:
    """The `k` best candidates by evidence, best first; the newest first among equals."""
    cand = ev.candidates
    if len(cand) > k:
        # A cut through equal scores keeps them all, so recency can choose among them.
        cut = np.partition(-ev.score[cand], k - 1)[k - 1]
        cand = cand[-ev.score[cand] <= cut]
    when = np.nan_to_num(post_ts[cand], nan=0.0)
    order = np.lexsort((-cand, -when, -ev.score[cand]))
    return [int(p) for p in cand[order][:k]]


def post_slots(first: int, count: int, ev: Evidence, limit: int) -> list[int]:
    """The `limit` slots of a post (slots first..first+count) holding the most of the query."""
    weights = ev.slot_estimate[first : first + count]
    held = np.flatnonzero(weights > 0)
    if len(held) > limit:
        held = held[np.argsort(-weights[held], kind="stable")[:limit]]
    return [first + int(i) for i in held]
