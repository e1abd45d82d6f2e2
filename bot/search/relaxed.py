"""A query that no post holds enough of (a sentence, a word the corpus never uses): the
subsets of its words to search instead, the rarest words kept, filler dropped first."""

from __future__ import annotations

import math
from itertools import combinations

# A subset must keep more than this share of the query's IDF weight (a word the corpus
# never uses weighs the mean of the others): unrelated posts, holding only the commoner
# half of a query, stay out.
RELAXED_FLOOR = 0.5
RELAX_FROM = 3  # words in a query, at least: with two, « most of them » is both
MAX_DROPPED = 2  # known words left out at most, beyond those the corpus never uses
MAX_SUBSETS = 6  # subsets searched per round at most, the heaviest first
RELAXED_POWER = 0.5  # how much the weight a subset leaves out costs its score
# A query whose best post holding (nearly) every word scores below this has its words
# scattered in noise: the subsets of its words compete with it.
SCATTERED = 85.0


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


def share(subset: tuple[int, ...], weights: list[float], known: list[bool]) -> float:
    """The share of the weight of the query's known words (those the corpus uses) a subset
    of them keeps: no post holds a word the corpus never uses, so leaving it out costs
    nothing."""
    total = sum(w for w, k in zip(weights, known, strict=True) if k) or 1.0
    return min(1.0, sum(weights[i] for i in subset) / total)


def scaled(score: float, kept: float) -> float:
    """A subset's score as the whole query's: softened (square root), so a post holding the
    rare words of a sentence tightly can beat one holding all of them scattered."""
    return score * math.pow(kept, RELAXED_POWER)
