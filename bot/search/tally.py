"""What a query's postings alone say of every post: a BM25F-like score, the words held.

Each query word's passages weighted by their field (title, lead, body, question, answer,
pull quote) and the quality of the spelling found, saturated (k1), times the word's IDF
over passages; the rarest words' postings read whole, the commoner ones' only inside the
posts that can still hold enough of the query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from bot.search.kinds import TITLE_FIELD
from bot.search.postings import MAX_POSITION
from bot.search.resolved import ResolvedQuery

# Saturation only, no length normalization: an interview's many passages are evidence,
# not noise.
K1 = 1.2
# By field (`kinds`): title, lead (a post's first passage), paragraph, question, answer,
# pull quote.
FIELD_WEIGHT = np.array([2.0, 1.5, 1.0, 0.6, 1.2, 1.2], dtype=np.float64)
# A word opening a passage (its first or second token: « L’Arcom recommande… ») is what
# the passage is about: it counts this much more in the word's frequency. Not in a title,
# short and weighted as a whole already.
OPENING_WEIGHT = 2.0
OPENING = 2  # positions, from the passage's start, that open it
# A binary search per post costs about this many slots of a pass over a word's postings.
SEARCH_COST = 32


@dataclass(frozen=True, slots=True)
class ShortlistView:
    """What the shortlist reads of the index: slot and post columns, by slot or post_no."""

    slot_post: np.ndarray  # each slot's post_no, as intp (numpy's index type)
    slot_field: np.ndarray
    slot_weight: np.ndarray  # FIELD_WEIGHT of each slot's field
    post_first: np.ndarray
    post_len: np.ndarray


class Hits(NamedTuple):
    """A query word's postings, aligned: slots (ascending), quality, first positions, posts."""

    slots: np.ndarray
    quality: np.ndarray
    pos: np.ndarray
    posts: np.ndarray

    def take(self, index: np.ndarray) -> Hits:
        """The postings at `index`."""
        return Hits(self.slots[index], self.quality[index], self.pos[index], self.posts[index])


@dataclass(frozen=True, slots=True)
class Tally:
    """Per post_no, what the postings read so far give."""

    score: np.ndarray  # BM25F
    count: np.ndarray  # query words held
    cover: np.ndarray  # the most of the query (IDF-weighted) a passage can hold


class Shared:
    """What each query word's postings give read whole, whatever the other words: kept
    while the subsets of one query's words are searched, which share most of their words."""

    def __init__(self) -> None:
        self.posts: dict[int, np.ndarray] = {}  # by id(term): each posting's post_no
        self.parts: dict[tuple[int, float], tuple[np.ndarray, np.ndarray, float]] = {}
        self.allowed: np.ndarray | None = None  # the query's filters, by post_no


def need(query: ResolvedQuery) -> int:
    """How many query words a post must hold to be a candidate."""
    return max(1, len(query.terms) - query.allowed_misses)


def tally_postings(
    query: ResolvedQuery,
    view: ShortlistView,
    allowed: np.ndarray | None,
    idf: list[float],
    shared: Shared | None = None,
) -> tuple[Tally, list[Hits]]:
    """Every post's tally from the query words' postings, rarest first; the postings kept
    (what a word's whole postings give taken from `shared`, and kept there)."""
    shared = shared or Shared()
    n_posts = len(view.post_len)
    tally = Tally(
        np.zeros(n_posts, dtype=np.float64),
        np.zeros(n_posts, dtype=np.int32),
        np.zeros(n_posts, dtype=np.float64),
    )
    rarest = sorted(range(len(query.terms)), key=lambda i: len(query.terms[i].slots))
    essential = query.allowed_misses + 1  # the rarest words, whose postings are read whole
    needed = need(query)
    nothing = np.empty(0, dtype=np.intp)
    kept = [Hits(nothing, nothing, nothing, nothing)] * len(query.terms)
    holding = np.empty(0, dtype=np.int64)  # posts that can still hold enough words
    for done, i in enumerate(rarest):
        term = query.terms[i]
        posts = shared.posts.get(id(term))
        if posts is None:
            posts = shared.posts[id(term)] = view.slot_post[term.slots]
        whole = hits = Hits(term.slots, term.quality, term.pos, posts)
        if done < essential:
            if allowed is not None:
                hits = hits.take(np.flatnonzero(allowed[hits.posts]))
        else:
            # Only the posts holding rarer words count, and only those holding enough of
            # them that this word and the commoner ones can still make up the number
            # needed (allowed ones: the rarer words were read in those only).
            holding = holding[tally.count[holding] + (len(rarest) - done) >= needed]
            hits = _among(hits, holding, view)
        if hits is whole:
            _add_part(tally, _whole_part(shared, (id(term), idf[i]), hits, view))
        else:
            _add_term(tally, hits, idf[i], view)
        kept[i] = hits
        if done == essential - 1:
            holding = np.flatnonzero(tally.count)
    return tally, kept


def _among(hits: Hits, posts: np.ndarray, view: ShortlistView) -> Hits:
    """The postings inside `posts`, or all of them when reading them all is cheaper."""
    # Few posts: their slots are consecutive, found by binary search. Many: the whole
    # postings are cheaper to read, as a post outside them can never qualify.
    if len(posts) * SEARCH_COST >= len(hits.slots):
        return hits
    return hits.take(within(hits.slots, view.post_first[posts], view.post_len[posts]))


def _whole_part(
    shared: Shared, key: tuple[int, float], hits: Hits, view: ShortlistView
) -> tuple[np.ndarray, np.ndarray, float]:
    part = shared.parts.get(key)
    if part is None:
        part = shared.parts[key] = _part(hits, key[1], len(view.post_len), view)
    return part


def _part(
    hits: Hits, idf: float, n_posts: int, view: ShortlistView
) -> tuple[np.ndarray, np.ndarray, float]:
    """One query word's saturated BM25F part, the posts holding it and its best spelling's
    share of the word's IDF."""
    weights = view.slot_weight[hits.slots] * hits.quality
    opens = ((hits.pos & MAX_POSITION) < OPENING) & (view.slot_field[hits.slots] != TITLE_FIELD)
    weights = np.where(opens, weights * OPENING_WEIGHT, weights)
    tf = np.bincount(hits.posts, weights=weights, minlength=n_posts)
    held = tf > 0
    # idf * (K1 + 1) * tf / (tf + K1), in place: these arrays span every post.
    saturated = tf + K1
    np.divide(tf, saturated, out=saturated)
    saturated *= idf * (K1 + 1.0)
    return saturated, held, idf * float(hits.quality.max(initial=0.0))


def _add_part(tally: Tally, part: tuple[np.ndarray, np.ndarray, float]) -> None:
    saturated, held, cover = part
    np.add(tally.score, saturated, out=tally.score)
    np.add(tally.count, held, out=tally.count)
    np.add(tally.cover, held * cover, out=tally.cover)


def _add_term(tally: Tally, hits: Hits, idf: float, view: ShortlistView) -> None:
    """Add one query word's saturated BM25F part, holding and best spelling to `tally`."""
    _add_part(tally, _part(hits, idf, len(tally.score), view))


def within(slots: np.ndarray, firsts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Indexes into `slots` (ascending) of those inside the ranges first..first+count."""
    lo = np.searchsorted(slots, firsts)
    hi = np.searchsorted(slots, firsts + counts)
    sizes = hi - lo
    total = int(sizes.sum())
    if not total:
        return np.empty(0, dtype=np.int64)
    offsets = np.cumsum(sizes) - sizes
    return np.asarray(np.arange(total, dtype=np.int64) + np.repeat(lo - offsets, sizes))
