"""A query resolved against the index: each word's spellings and postings, IDF weights, and
the query's layout that scoring reads (`ResolvedQuery`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bot.search.postings import REPEATED
from bot.search.query import ParsedQuery


@dataclass(frozen=True, slots=True)
class Term:
    """A query word resolved against the index (cached by the index between updates)."""

    word: str
    expansions: dict[str, float]  # vocabulary word -> match quality in (0, 1]
    slots: np.ndarray  # live slots holding an expansion, sorted, unique (intp)
    quality: np.ndarray  # the best expansion's quality in each of `slots`
    pos: np.ndarray  # where the best spelling first stands in each of `slots`, in words

    @property
    def nbytes(self) -> int:
        """The memory its arrays take."""
        return self.slots.nbytes + self.quality.nbytes + self.pos.nbytes


@dataclass(frozen=True, slots=True)
class ResolvedQuery:
    """What retrieval and scoring need to know about one query; lists are indexed like
    `terms`."""

    terms: list[Term]
    weights: list[float]  # IDF of each term
    starts: list[int]  # where each term stands in the query, in characters
    ends: list[int]
    wordlist: list[tuple[str, tuple[tuple[int, float], ...]]]  # word -> ((term, quality), ...)
    sequence: tuple[str, ...]  # the free words in order, stop words included
    phrases: tuple[tuple[str, ...], ...]
    allowed_misses: int
    total_weight: float


def allowed_misses(n_terms: int) -> int:
    """How many query words a passage may lack: none of one or two, then about a third."""
    if n_terms <= 2:
        return 0
    return 1 if n_terms <= 5 else n_terms // 3


def resolve_query(terms: list[Term], parsed: ParsedQuery, live: int) -> ResolvedQuery:
    """The query whose words resolved to `terms`, each weighted by its IDF over `live`
    slots, laid out as the query reads (free words, then quoted phrases), with its
    expansions indexed for scanning."""
    idf = [math.log(1.0 + live / len(t.slots)) for t in terms if len(t.slots)]
    # A word the corpus never uses says nothing about which passage is better: average.
    mean = sum(idf) / len(idf) if idf else 1.0
    weights = [math.log(1.0 + live / len(t.slots)) if len(t.slots) else mean for t in terms]
    layout: list[str] = list(parsed.words)
    for phrase in parsed.phrases:
        layout.append("|")
        layout.extend(phrase)
    starts: dict[str, int] = {}
    at = 0
    for w in layout:
        starts.setdefault(w, at)
        at += len(w) + 1
    term_starts = [starts.get(t.word, at) for t in terms]
    by_word: dict[str, list[tuple[int, float]]] = {}
    for i, t in enumerate(terms):
        for w, q in t.expansions.items():
            by_word.setdefault(w, []).append((i, q))
    return ResolvedQuery(
        terms=terms,
        weights=weights,
        starts=term_starts,
        ends=[start + len(t.word) for start, t in zip(term_starts, terms, strict=True)],
        wordlist=[(w, tuple(hits)) for w, hits in by_word.items()],
        sequence=tuple(parsed.words),
        phrases=parsed.phrases,
        allowed_misses=allowed_misses(len(terms)),
        total_weight=sum(weights) or 1.0,
    )


# A term's spellings: each one's slots (ascending, intp), first positions, match quality.
Spelling = tuple[np.ndarray, np.ndarray, float]
# Below one part in this many of the largest spelling's postings, the others are inserted
# into it instead of all being sorted together.
_INSERT_BELOW = 8


def join_spellings(parts: list[Spelling]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A term's postings over its spellings: (slots, quality, pos) of every slot holding one,
    at the best quality found there, where the first of the best spellings (in `parts`'
    order) stands, with REPEATED set when the slot holds several spellings.

    A typo'd common word (`travial`) joins a few rare spellings to a large one: those are
    inserted where they fall, which costs far less than sorting everything again."""
    parts = sorted(parts, key=lambda part: -part[2])  # stable: ties keep the given order
    qualities = np.array([q for _, _, q in parts], dtype=np.float32)
    sizes = [len(slots) for slots, _, _ in parts]
    big = max(range(len(parts)), key=sizes.__getitem__)
    if len(parts) > 1 and (sum(sizes) - sizes[big]) * _INSERT_BELOW < sizes[big]:
        others = [i for i in range(len(parts)) if i != big]
        slots, rank, pos = _insert(parts, big, _sorted(parts, others))
    else:
        slots, rank, pos = _sorted(parts, list(range(len(parts))))
    return slots, qualities[rank], pos


def _sorted(parts: list[Spelling], which: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(slots, rank of the best part holding each, pos) over the parts `which`, by a stable
    sort (each part's slots are a sorted run: merged quickly)."""
    if len(which) == 1:
        slots, pos, _ = parts[which[0]]
        return slots, np.full(len(slots), which[0], dtype=np.intp), pos
    slots = np.concatenate([parts[i][0] for i in which])
    pos = np.concatenate([parts[i][1] for i in which])
    rank = np.repeat(np.array(which, dtype=np.intp), [len(parts[i][0]) for i in which])
    order = np.argsort(slots, kind="stable")
    slots = slots[order]
    first = np.empty(len(slots), dtype=bool)
    first[:1] = True
    np.not_equal(slots[1:], slots[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    # A slot's entries are consecutive: it holds several when the next is no new slot.
    after = starts + 1
    several = np.zeros(len(starts), dtype=bool)
    inside = after < len(slots)
    several[inside] = ~first[after[inside]]
    at = order[starts]
    return slots[starts], rank[at], pos[at] | (several * REPEATED).astype(np.uint16)


def _insert(
    parts: list[Spelling], big: int, others: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The joined `others` (slots, rank, pos) inserted into the large part `big`."""
    slots, pos, _ = parts[big]
    o_slots, o_rank, o_pos = others
    at = np.searchsorted(slots, o_slots)
    near = np.minimum(at, len(slots) - 1)
    both = slots[near] == o_slots
    rank = np.full(len(slots), big, dtype=np.intp)
    pos = pos.copy()
    shared = near[both]
    better = o_rank[both] < big
    rank[shared[better]] = o_rank[both][better]
    pos[shared[better]] = o_pos[both][better]
    pos[shared] |= REPEATED
    new = ~both
    where = at[new]
    return (
        np.insert(slots, where, o_slots[new]),
        np.insert(rank, where, o_rank[new]),
        np.insert(pos, where, o_pos[new]),
    )
