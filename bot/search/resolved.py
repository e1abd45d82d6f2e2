"""A query resolved against the index: each word's spellings and postings, IDF weights, and
the query's layout that scoring reads (`ResolvedQuery`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

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
