"""A query that reads as a sentence: when no post holds enough of its words, or holds them
only scattered, the posts its subsets of words find compete with those of the whole query."""

from __future__ import annotations

from collections.abc import Callable

from bot.search.post_ranking import Ranked
from bot.search.query import ParsedQuery
from bot.search.relaxed import RELAX_FROM, SCATTERED, rounds, scaled, share
from bot.search.resolved import ResolvedQuery, resolve_query
from bot.search.shortlist import Evidence

# Posts read and scored in full per subset (more when paging further): its best posts by
# the postings are those it can add, and six subsets of 50 cost six queries.
SUBSET_SHORTLIST = 10

Found = tuple[ResolvedQuery, Evidence, Ranked]
# One (sub)query searched: its evidence and its ranked posts, the best `k`.
RankedBy = Callable[[ResolvedQuery, int], tuple[Evidence, list[Ranked]]]


def best_first(found: Found) -> tuple[float, int]:
    """The order of a merged list: score, then among equals the post indexed last (the
    shortlist's last tie-break, and the one key every list's posts share), so the cut at k
    is the same whatever order the subsets came in."""
    return -found[2].score, -found[2].post_no


def wants_subsets(parsed: ParsedQuery, resolved: ResolvedQuery, ranked: list[Ranked]) -> bool:
    """Whether the subsets of the query's words are to be searched too: nothing found, or a
    sentence whose best post holds its words only scattered."""
    if not ranked:
        return True
    # Only for what reads as a sentence (request words, a question, a word no post
    # holds): a terse query keeps every word required, and its speed.
    as_sentence = parsed.sentence or any(not len(t.slots) for t in resolved.terms)
    scattered = as_sentence and len(resolved.terms) >= RELAX_FROM
    return scattered and ranked[0].score < SCATTERED


def relaxed(
    resolved: ResolvedQuery,
    parsed: ParsedQuery,
    wanted: int,
    live: int,
    ranked_by: RankedBy,
) -> list[Found]:
    """The best posts (`wanted` at least) of the first round of subsets of the query's
    words that finds any, each scored as its subset's search scores it times the share of
    the query's weight the subset keeps."""
    k = max(SUBSET_SHORTLIST, wanted)
    weights = resolved.weights
    known = [len(t.slots) > 0 for t in resolved.terms]
    for subsets in rounds(weights, known):
        best: dict[int, Found] = {}
        for subset in subsets:
            sub = resolve_query([resolved.terms[i] for i in subset], parsed, live)
            ev, ranked = ranked_by(sub, k)
            kept = share(subset, weights, known)
            for r in ranked:
                as_whole = Ranked(round(scaled(r.score, kept), 1), r.post_no, r.slot)
                if r.post_no not in best or best[r.post_no][2].score < as_whole.score:
                    best[r.post_no] = (sub, ev, as_whole)
        if best:
            return sorted(best.values(), key=best_first)[:k]
    return []


def merged(found: list[Found], relaxed: list[Found], k: int) -> list[Found]:
    """The best `k` of both lists, each post once at its better score; a post of both keeps
    the whole query's match (its snippet shows every word)."""
    best = {r.post_no: (q, ev, r) for q, ev, r in relaxed}
    for q, ev, r in found:
        if r.post_no in best:
            r = Ranked(max(r.score, best[r.post_no][2].score), r.post_no, r.slot)
        best[r.post_no] = (q, ev, r)
    return sorted(best.values(), key=best_first)[:k]
