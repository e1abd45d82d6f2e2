"""The shortlist read and scored in full: passages scanned for proximity and phrases, posts
ranked by their best passage (or their words across passages), plus up to W_EVIDENCE for
their BM25F evidence relative to the shortlist's best."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bot.search.kinds import TITLE_FIELD
from bot.search.passage_score import MIN_SCORE, W_COVERAGE, W_PROXIMITY, score_passage
from bot.search.resolved import ResolvedQuery, Term
from bot.search.shortlist import Evidence, post_slots
from bot.text import normalize_many

SHORTLIST = 50  # posts read and scored in full per query (more when paging further)
PASSAGES_PER_POST = 2  # of a shortlisted post, the passages holding most of the query
# Words spread over a post's passages count as words far apart in one passage.
CROSS_PROXIMITY = 0.05
# At most this much is added for a post's evidence over the best of the shortlist.
W_EVIDENCE = 5.0

Texts = Callable[[list[int]], dict[int, tuple[str | None, str]]]  # slot -> (speaker, text)


@dataclass(frozen=True, slots=True)
class Ranked:
    """A post that matched: its score, post_no and the passage to show."""

    score: float
    post_no: int
    slot: int


def term_qualities(term: Term, firsts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """For each range of slots first..end-1, the best quality at which `term` is held
    there (0 when not)."""
    lo = np.searchsorted(term.slots, firsts)
    sizes = np.searchsorted(term.slots, ends) - lo
    out = np.zeros(len(firsts), dtype=np.float64)
    held = sizes > 0
    if held.any():
        offsets = np.cumsum(sizes) - sizes
        at = np.arange(int(sizes.sum())) + np.repeat(lo - offsets, sizes)
        out[held] = np.maximum.reduceat(term.quality[at], offsets[held])
    return out


def _find(slots: np.ndarray, first: int, end: int) -> tuple[int, int]:
    """Where first and end fall in ascending `slots`; asked in the array's own type, or
    numpy would convert the whole array on every call."""
    lo, hi = np.searchsorted(slots, np.array([first, end], dtype=slots.dtype))
    return int(lo), int(hi)


def holds(term: Term, slot: int) -> bool:
    """True when `slot` holds (a spelling of) the term."""
    i, _ = _find(term.slots, slot, slot)
    return i < len(term.slots) and int(term.slots[i]) == slot


def holds_in(term: Term, first: int, end: int) -> bool:
    """True when one of slots first..end-1 holds (a spelling of) the term."""
    lo, hi = _find(term.slots, first, end)
    return hi > lo


def rank_posts(
    query: ResolvedQuery,
    shortlist: list[int],
    ev: Evidence,
    post_first: np.ndarray,
    post_len: np.ndarray,
    slot_field: np.ndarray,
    texts: Texts,
) -> list[Ranked]:
    """The shortlisted posts scoring at least MIN_SCORE, best first (the shortlist's order,
    best evidence then newest, among equals)."""
    chosen = {
        p: post_slots(int(post_first[p]), int(post_len[p]), ev, PASSAGES_PER_POST)
        for p in shortlist
    }
    read = texts([s for slots in chosen.values() for s in slots])
    # One normalization for all of them: the per-call cost is paid once.
    norms = dict(zip(read, normalize_many([text for _, text in read.values()]), strict=True))
    best_evidence = max((float(ev.bm25[p]) for p in shortlist), default=0.0) or 1.0
    n = len(query.terms)
    posts = np.array(shortlist, dtype=np.intp)
    firsts = post_first[posts].astype(np.intp)
    ends = firsts + post_len[posts]
    # By term, then post: the best quality of the term anywhere in the post.
    held = [term_qualities(t, firsts, ends).tolist() for t in query.terms]
    # By post, then term: the quality at which its title (its first slot) holds the term.
    titled = slot_field[firsts] == TITLE_FIELD
    heads = [term_qualities(t, firsts, firsts + titled).tolist() for t in query.terms]
    ranked: list[tuple[float, int, Ranked]] = []
    for order, post in enumerate(shortlist):
        best, best_slot = None, -1
        heading = [by_post[order] for by_post in heads] if n > 1 else None
        for slot in chosen[post]:
            if slot not in read:
                continue
            title = int(slot_field[slot]) == TITLE_FIELD
            context = None if title or not heading or not any(heading) else heading
            score = score_passage(query, norms[slot], title=title, context=context)
            if score is not None and (best is None or score > best):
                best, best_slot = score, slot
        first = int(firsts[order])
        qualities = [by_post[order] for by_post in held]
        if all(q > 0 for q in qualities) and n > 1:
            coverage = sum(w * q for w, q in zip(query.weights, qualities, strict=True))
            cross = W_COVERAGE * coverage / query.total_weight + W_PROXIMITY * CROSS_PROXIMITY
            if best is None or cross > best:
                best = cross
                if best_slot < 0:
                    best_slot = max(chosen[post], key=ev.weight_of, default=first)
        if best is None or best < MIN_SCORE:
            continue
        # Ranked on the sum, shown capped: two perfect passages differ by their evidence.
        raw = best + W_EVIDENCE * float(ev.bm25[post]) / best_evidence
        ranked.append((raw, order, Ranked(min(100.0, raw), post, best_slot)))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    return [r for _, _, r in ranked]


def second_passage(
    query: ResolvedQuery, slot: int, first: int, end: int, ev: Evidence
) -> int | None:
    """Another slot of the post (slots first..end-1) holding query words that `slot` lacks:
    the one holding most of them, or None when `slot` holds every word."""
    missing = [t for t in query.terms if len(t.slots) and not holds(t, slot)]
    if not missing:
        return None
    parts = []
    for term in missing:
        lo, hi = _find(term.slots, first, end)
        parts.append(term.slots[lo:hi])
    others = np.unique(np.concatenate(parts)).astype(np.int64)
    others = others[others != slot]
    if not len(others):
        return None
    at = np.minimum(np.searchsorted(ev.matched, others), max(0, len(ev.matched) - 1))
    found = (ev.matched[at] == others) if len(ev.matched) else np.zeros(len(others), bool)
    weights = np.where(found, ev.weight[at] if len(ev.matched) else 0.0, 0.0)
    return int(others[int(np.argmax(weights))])
