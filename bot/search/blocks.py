"""A query's results over one index state as one sequence, computed in blocks of doubling
shortlists, so that any page is a slice of it whichever page is asked, in whatever process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.search.post_ranking import SHORTLIST, Ranked
from bot.search.query import ParsedQuery
from bot.search.resolved import ResolvedQuery
from bot.search.sentence import SUBSET_SHORTLIST, Found, RankedBy, merged, relaxed, wants_subsets
from bot.search.shortlist import Evidence


@dataclass(frozen=True, slots=True)
class Block:
    """One block's posts, best first; whether it ranked every candidate (a larger block
    would add nothing), and whether it is the last one asked for all the same."""

    found: list[Found]
    complete: bool
    last: bool


Blocks = Callable[[int], Block]  # block number -> that block

# The deepest a query's list goes (80 pages of the bot's 5): a page deep in the list costs
# every block before it, and an inline query's offset is whatever the client sends.
MAX_RESULTS = SHORTLIST << 3


def query_blocks(
    resolved: ResolvedQuery, parsed: ParsedQuery, live: int, ranked_by: RankedBy
) -> Blocks:
    """The blocks of a query: block b ranks the SHORTLIST << b best posts by the postings
    (block 0: what the first page always cost), and, for a query whose block 0 wants its
    subsets of words searched, the SUBSET_SHORTLIST << b best of each subset, merged."""
    with_subsets: list[bool] = []  # decided once, on block 0, so every block agrees

    def block(b: int) -> Block:
        k = SHORTLIST << b
        ev, ranked = ranked_by(resolved, k)
        found = [(resolved, ev, r) for r in ranked]
        complete = len(ev.candidates) <= k
        # Fewer than half its shortlist above the score floor: a wider shortlist reads
        # posts of less evidence still, for posts below the floor too (the first page of
        # a typo'd query would pay a second block for nothing).
        floor = len(ranked) < k // 2
        if not with_subsets:
            with_subsets.append(wants_subsets(parsed, resolved, ranked))
        if not with_subsets[0]:
            return Block(found, complete, complete or floor)
        cut = SUBSET_SHORTLIST << b
        cut_short: list[bool] = []  # a subset with more candidates than it ranked

        def subset_ranked(q: ResolvedQuery, n: int) -> tuple[Evidence, list[Ranked]]:
            sub_ev, sub_ranked = ranked_by(q, n)
            if len(sub_ev.candidates) > n:
                cut_short.append(True)
            return sub_ev, sub_ranked

        subsets = relaxed(resolved, parsed, cut, live, subset_ranked)
        found = merged(found, subsets, k)
        complete = complete and not cut_short and len(subsets) < cut and len(found) < k
        floor = floor and len(subsets) < cut // 2
        return Block(found, complete, complete or floor)

    return block


def results(blocks: Blocks, wanted: int) -> tuple[list[Found], bool]:
    """The query's first `wanted` posts at least (all of them when it has fewer), and
    whether they are all: block 0's posts in its order, then those block 1 adds in its
    order, and so on, until a block ranks every candidate, fills less than half its
    shortlist or adds nothing. Each block is computed the same whatever `wanted` is, so a
    shorter list is a prefix of a longer one: no page repeats or skips a post of another."""
    found: list[Found] = []
    seen: set[int] = set()
    b = 0
    while True:
        block = blocks(b)
        before = len(found)
        for f in block.found:
            if f[2].post_no not in seen:
                seen.add(f[2].post_no)
                found.append(f)
        if block.complete:
            return found, True
        # Where the list ends depends on the blocks alone, never on `wanted`: a shorter
        # list stays a prefix of a longer one.
        if block.last or len(found) >= wanted or len(found) == before:
            return found, False
        b += 1
