"""Evidence from the postings alone, for every candidate at once: the relevance shortlist.

Per post, an estimate of its best passage as `passage_score` will score it (the
IDF-weighted share of the query a passage holds, how close its words stand from their first
positions kept in the postings, a likely phrase, a title bonus), plus a BM25F-like score
(`tally`): each query word's passages weighted by their field (title, lead, body, question,
answer, pull quote) and the quality of the spelling found, saturated (k1), times the word's
IDF over passages. The shortlist is the best of these sums; recency only breaks ties. The
shortlist alone is then read and scored in full (`post_ranking`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from bot.search.kinds import TITLE_FIELD
from bot.search.passage_score import TITLE_CONTEXT
from bot.search.postings import REPEATED
from bot.search.resolved import ResolvedQuery
from bot.search.tally import Hits, Shared, ShortlistView, need, tally_postings, within

# The best passage's estimate, in units of the query's total IDF, and its parts: as in
# `passage_score`, the words' coverage counts most, then their proximity, then being the title.
BEST_PASSAGE = 10.0
SHARE, CLOSE, PHRASE, TITLE_BONUS = 0.55, 0.30, 0.10, 0.08
CLOSE_HALF = 3.0  # extra words between the query words that halve a passage's closeness
EVAL_BATCH = 1000  # posts whose passages are estimated in the first round (then doubling)
# At most this many posts' passages are estimated per query: past it, the broadest queries
# (tens of thousands of posts holding every word) keep the best bounds read so far, the
# posts with the most BM25F evidence among those holding the same words.
EVAL_LIMIT = 3000


@dataclass(frozen=True, slots=True)
class Evidence:
    """A query's evidence over posts (arrays by post_no) and over the slots holding a query
    word (`matched`, ascending, and arrays aligned with it)."""

    score: np.ndarray  # cheap relevance per post_no (0 for non-candidates)
    bm25: np.ndarray  # its BM25F part: the evidence beyond the best passage
    candidates: np.ndarray  # post_nos holding enough of the query
    matched: np.ndarray  # slots holding a query word, ascending
    weight: np.ndarray  # IDF-weighted share of the query held by each matched slot
    estimate: np.ndarray  # each matched slot's estimated passage score (0 to 1)
    terms: np.ndarray  # how many query words each matched slot holds
    idf: list[float]  # per term, over posts

    def where(self, first: int, end: int) -> slice:
        """The part of the matched arrays for slots first..end-1."""
        lo, hi = np.searchsorted(self.matched, [first, end])
        return slice(int(lo), int(hi))

    def weight_of(self, slot: int) -> float:
        """The matched slot's share of the query (0 when it holds no query word)."""
        i = int(np.searchsorted(self.matched, slot))
        hit = i < len(self.matched) and int(self.matched[i]) == slot
        return float(self.weight[i]) if hit else 0.0


class _Passages(NamedTuple):
    """Matched slots (ascending) with their share of the query, words held and estimate,
    and what a run of the query as written adds to the estimate (`run`)."""

    matched: np.ndarray
    weights: np.ndarray
    terms: np.ndarray
    estimate: np.ndarray
    run: np.ndarray


def gather(
    query: ResolvedQuery,
    view: ShortlistView,
    allowed: np.ndarray | None,
    k: int,
    shared: Shared | None = None,
    *,
    headed: bool = True,
) -> Evidence:
    """Score every post holding at least all but `query.allowed_misses` query words, among
    the `allowed` ones (a bool mask by post_no; None: every live post); `headed`: each
    passage estimated with its post's title heading it (posts, not quotes).

    MaxScore-like: a post missing every one of the `allowed_misses + 1` rarest words cannot
    qualify, so only those words' postings are read whole; the commoner words' postings
    count only inside the posts those found. What whole postings give is kept in `shared`
    for the next query of the same words. Passages are then read in batches of posts,
    best BM25F first, until no post left can reach the `k`-th best.
    """
    # IDF over passages, known from the postings' lengths without reading them.
    idf = list(query.weights)
    tally, kept = tally_postings(query, view, allowed, idf, shared)
    candidates = np.flatnonzero(tally.count >= need(query))
    bm25 = tally.score.copy()
    bound = _bound(query, bm25, tally.cover, tally.count, candidates, sum(idf) or 1.0)
    found = _merged(
        _estimate(
            query,
            view,
            kept,
            idf,
            candidates,
            bound,
            tally.score,
            k,
            tally.count if headed else None,
        )
    )
    return Evidence(
        score=tally.score,
        bm25=bm25,
        candidates=candidates,
        matched=found.matched,
        weight=found.weights,
        estimate=found.estimate,
        terms=found.terms,
        idf=idf,
    )


def _estimate(
    query: ResolvedQuery,
    view: ShortlistView,
    kept: list[Hits],
    idf: list[float],
    candidates: np.ndarray,
    bound: np.ndarray,
    score: np.ndarray,
    k: int,
    count: np.ndarray | None,
) -> list[_Passages]:
    """Add the best passage estimates to `score`, best bounds first, while the `k`-th can move."""
    # MaxScore: a post whose upper bound is below the k-th best score so far cannot enter
    # the shortlist, and its passages are never read.
    order = _best_first(bound, min(len(bound), 3 * max(EVAL_BATCH, k)))
    theta = -np.inf
    done = 0
    parts = []
    size = max(EVAL_BATCH, k)
    while done < len(bound) and done < EVAL_LIMIT:
        if done + size > len(order) and len(order) < len(bound):
            order = _completed(order, bound)
        if bound[order[done]] < theta:
            break
        picked = order[done : done + min(size, EVAL_LIMIT - done)]
        batch = candidates[picked[bound[picked] >= theta]]
        done += len(picked)
        size *= 2  # few rounds, whatever the number of candidates
        part = _batch_passages(query, view, kept, idf, batch)
        part = part if count is None else _headed(query, view, part, count)
        if len(part.matched):
            _add_best(score, part, view, sum(idf) or 1.0)
            parts.append(part)
        scored = score[candidates[order[:done]]]
        if len(scored) >= k:
            theta = float(np.partition(scored, len(scored) - k)[len(scored) - k])
    return parts


def _best_first(bound: np.ndarray, first: int) -> np.ndarray:
    """Indexes of the `first` highest bounds, highest first (all when `first` is all)."""
    # A partial sort of the first rounds, all of it only if needed.
    if first < len(bound):
        top = np.argpartition(-bound, first - 1)[:first]
        return np.asarray(top[np.argsort(-bound[top])])
    return np.argsort(-bound)


def _completed(order: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """`order` followed by every other index, highest bound first."""
    rest = np.setdiff1d(np.arange(len(bound)), order, assume_unique=True)
    return np.concatenate((order, rest[np.argsort(-bound[rest])]))


def _batch_passages(
    query: ResolvedQuery,
    view: ShortlistView,
    kept: list[Hits],
    idf: list[float],
    batch: np.ndarray,
) -> _Passages:
    """The matched passages of the posts in `batch`, estimated."""
    # A post's slots are consecutive: its postings are found by binary search.
    batch = np.sort(batch)
    firsts, counts = view.post_first[batch], view.post_len[batch]
    chosen = []
    for hits in kept:
        at = within(hits.slots, firsts, counts)
        chosen.append((hits.slots[at], hits.quality[at], hits.pos[at]))
    return _Passages(*_passages(query, chosen, idf, view.slot_field))


def _headed(
    query: ResolvedQuery, view: ShortlistView, part: _Passages, count: np.ndarray
) -> _Passages:
    """The passages' estimates with their post's title heading them (`passage_score`'s
    context): a passage holding the words its title lacks, when the post holds both parts
    (its words number at least the two counts), is estimated on the query's words the two
    hold, its own proximity counting the title's words at TITLE_CONTEXT."""
    n = len(query.terms)
    matched = part.matched
    if n < 2 or not len(matched):
        return part
    owners = view.slot_post[matched]
    titles = view.slot_field[matched] == TITLE_FIELD
    if not titles.any():
        return part
    t_owner = owners[titles]
    at = np.minimum(np.searchsorted(t_owner, owners), len(t_owner) - 1)
    headed = (t_owner[at] == owners) & ~titles
    head_w = np.where(headed, part.weights[titles][at], 0.0)
    head_terms = np.where(headed, part.terms[titles][at], 0)
    apart = part.terms + head_terms
    headed &= (apart <= n) & (count[owners] >= apart)
    if not headed.any():
        return part
    # The passage's own proximity and phrase (one word alone stands together), the title's
    # words counting TITLE_CONTEXT, as the full score counts them.
    near = np.where(part.terms == 1, CLOSE, part.estimate - SHARE * part.weights)
    both = part.weights + head_w
    near = near * (part.weights + TITLE_CONTEXT * head_w) / np.maximum(both, 1e-9)
    combined = SHARE * np.minimum(1.0, both) + near
    estimate = np.where(headed, np.maximum(part.estimate, combined), part.estimate)
    # Under its title, a passage holding the rest of the query holds it all: its run of
    # the query counts between posts too, as the full score counts it.
    whole = headed & (apart >= n) & (combined >= part.estimate)
    return part._replace(estimate=estimate, run=np.where(whole, 0.0, part.run))


def _add_best(score: np.ndarray, part: _Passages, view: ShortlistView, total: float) -> None:
    """Add to `score` each post's best passage estimate, in units of the query's IDF."""
    # The best passage leads; BM25F breaks its ties. A post's slots are consecutive: its
    # matched slots come together.
    owners = view.slot_post[part.matched]
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    # A run of the query chooses among a post's passages, not among posts: between posts,
    # those holding most words near one another would crowd out those holding them all.
    best = np.maximum.reduceat(part.estimate - part.run, starts)
    score[owners[starts]] += BEST_PASSAGE * total * best


def _merged(parts: list[_Passages]) -> _Passages:
    """The batches' matched passages as one, ascending by slot."""
    if len(parts) == 1:
        return parts[0]
    if not parts:
        nothing = np.empty(0, dtype=np.int64)
        none = np.empty(0, dtype=np.float64)
        return _Passages(nothing, none, nothing, none, none)
    merged = _Passages(*(np.concatenate(a) for a in zip(*parts, strict=True)))
    ascending = np.argsort(merged.matched, kind="stable")
    return _Passages(*(a[ascending] for a in merged))


def _bound(
    query: ResolvedQuery,
    bm25: np.ndarray,
    cover: np.ndarray,
    count: np.ndarray,
    candidates: np.ndarray,
    total: float,
) -> np.ndarray:
    """The highest cheap score each candidate can get: its BM25F plus the best estimate one
    of its passages could have, holding every query word the post holds at its best
    spelling, together, as a phrase when the post holds them all, in a title."""
    phrase = PHRASE * (count[candidates] >= len(query.terms)) if len(query.terms) > 1 else 0.0
    best = SHARE * cover[candidates] / total + CLOSE + phrase + TITLE_BONUS
    return np.asarray(bm25[candidates] + BEST_PASSAGE * total * best)


def _passages(
    query: ResolvedQuery,
    kept: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    idf: list[float],
    slot_field: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The slots holding a query word (ascending), the IDF-weighted share of the query each
    holds, how many query words, and the estimate of its score: that share, how close its
    words may stand (1 when as close as in the query, halved by every CLOSE_HALF words
    more, from the positions of the words that stand once), whether they stand exactly as
    far apart as in the query (likely the phrase), and a bonus for a title."""
    total = sum(idf) or 1.0
    slots = np.concatenate([s for s, _, _ in kept])
    if not len(slots):
        empty = np.empty(0, dtype=np.float64)
        return np.empty(0, dtype=np.int64), empty, np.empty(0, dtype=np.int64), empty, empty
    share = np.concatenate([q * (w / total) for (_, q, _), w in zip(kept, idf, strict=True)])
    pos = np.concatenate([p for _, _, p in kept])
    # Where each word stands in the query, in words (stop words counted, as in passages).
    seq = query.sequence
    placed = all(t.word in seq for t in query.terms)
    where = [seq.index(t.word) if placed else i for i, t in enumerate(query.terms)]
    place = np.repeat(np.array(where, dtype=np.int32), [len(s) for s, _, _ in kept])
    # Each word's postings are ascending: a stable sort merges the runs quickly.
    order = np.argsort(slots, kind="stable")
    slots, share, pos, place = slots[order], share[order], pos[order], place[order]
    new = np.empty(len(slots), dtype=bool)
    new[0] = True
    np.not_equal(slots[1:], slots[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    matched = slots[starts].astype(np.int64)
    weights = np.add.reduceat(share, starts)
    terms = np.diff(np.append(starts, len(slots)))
    # A word standing once has its only position; one standing more may be nearer the
    # others than its first position says: the span of the single ones is a lower bound
    # of the tightest window (and 0 when fewer than two words stand once).
    single = pos < REPEATED
    at = pos.astype(np.int32)  # a single word's position: REPEATED is not set
    high = np.maximum.reduceat(np.where(single, at, 0), starts)
    low = np.minimum.reduceat(np.where(single, at, REPEATED), starts)
    singles = np.add.reduceat(single, starts, dtype=np.int32)
    span = np.where(singles >= 2, high - low, 0)
    exact = singles == terms
    # In the query, the words found stand as far apart as they do there (the stop words
    # between them counted); all of them: the whole query's length.
    whole = max(1, len(query.sequence)) - 1
    every = terms >= len(query.terms)
    far = np.maximum.reduceat(np.where(single, place, 0), starts)
    near = np.minimum.reduceat(np.where(single, place, REPEATED), starts)
    apart = np.where(singles >= 2, far - near, 0) if placed else singles - 1
    expected = np.where(every, whole, np.maximum(apart, singles - 1))
    excess = np.maximum(0.0, span - expected)
    several = terms >= min(2, len(query.terms))
    closeness = np.where(several, 1.0 / (1.0 + excess / CLOSE_HALF), 0.0)
    # Every word at its offset in the query from the first one (not merely the same span:
    # « casilli … clic … travail » as far apart as the whole sentence is no phrase of it).
    lengths = np.diff(np.append(starts, len(slots)))
    off = (at - np.repeat(low, lengths)) != (place - np.repeat(near, lengths))
    in_place = placed & (np.add.reduceat(single & off, starts) == 0)
    phrase = every & exact & in_place & (len(query.terms) > 1)
    # Some of the words, each where the query has it: likely a run of it as written.
    run = PHRASE * weights * (~every & exact & (singles >= 2) & in_place)
    estimate = SHARE * weights + CLOSE * closeness + PHRASE * phrase + run
    estimate += TITLE_BONUS * (slot_field[matched] == TITLE_FIELD)
    return matched, weights, terms, estimate, run


def post_slots(first: int, count: int, ev: Evidence, limit: int) -> list[int]:
    """The `limit` slots of a post (slots first..first+count) with the best estimates."""
    part = ev.where(first, first + count)
    slots, estimates = ev.matched[part], ev.estimate[part]
    if len(slots) > limit:
        slots = slots[np.argsort(-estimates, kind="stable")[:limit]]
    return [int(s) for s in slots]


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
