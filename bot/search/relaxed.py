"""A query that no post holds enough of (a sentence, a word the corpus never uses): the
subsets of its words to search instead, the rarest words kept, filler dropped first."""

from __future__ import annotations

from itertools import combinations

# A subset must keep more than this share of the query's IDF weight (a word the corpus
# never uses weighs the mean of the others): unrelated posts, holding only the commoner
# half of a query, stay out.
RELAXED_FLOOR = 0.5
RELAX_FROM = 3  # words in a query, at least: with two, « most of them » is both
MAX_DROPPED = 2  # known words left out at most, beyond those the corpus never uses
MAX_SUBSETS = 6  # subsets searched per round at most, the heaviest first


def rounds(weights: list[float], known: list[bool]) -> list[list[tuple[int, ...]]]:
    """Rounds of subsets of the query's words (indexes) to search, each round leaving one
    more word out, the subsets of a round heaviest first; every subset keeps more than
    RELAXED_FLOOR of the total weight. Words the corpus never uses are left out from the
    first round on (the query as typed was searched already)."""
    total = sum(weights) or 1.0
    held = [i for i, k in enumerate(known) if k]
    out: list[list[tuple[int, ...]]] = []
    if len(weights) < RELAX_FROM or not held:
        return out
    for dropped in range(0, MAX_DROPPED + 1):
        if dropped == 0 and len(held) == len(weights):
            continue  # that is the query itself
        size = len(held) - dropped
        if size < 1:
            break
        floor = RELAXED_FLOOR * total
        subsets = [s for s in combinations(held, size) if sum(weights[i] for i in s) > floor]
        if not subsets:
            break
        subsets.sort(key=lambda s: -sum(weights[i] for i in s))
        out.append(subsets[:MAX_SUBSETS])
    return out


def share(subset: tuple[int, ...], weights: list[float]) -> float:
    """The share of the query's weight a subset of its words keeps."""
    return sum(weights[i] for i in subset) / (sum(weights) or 1.0)
