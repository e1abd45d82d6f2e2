"""Quote selection: matching passages reranked for quoting, or random pull quotes."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bot.search.highlight import locate
from bot.search.index_file import PostRecord
from bot.search.kinds import KIND_CODE, KINDS, TITLE
from bot.search.passage_score import MIN_SCORE, holds_wording, score_passage
from bot.search.resolved import ResolvedQuery
from bot.search.results import QuoteHit
from bot.search.shortlist import Evidence
from bot.search.snippet import cut_snippet
from bot.text import normalize

QUOTE_CANDIDATES = 80  # passages read and scored in full per quote query
# Quotes prefer the interviewee, but how closely the wording matches comes first: a kind
# is worth less than the query read word after word, stop words included, in its order
# (what a reader remembers of a quote), which outweighs a tighter window of the words.
QUOTE_KIND_BONUS = {"pullquote": 2.0, "answer": 1.5, "paragraph": 0.0, "question": -6.0}
W_ORDER = 12.0


@dataclass(frozen=True, slots=True)
class QuoteView:
    """What quoting reads of the index: slot and post columns, texts and post records."""

    slot_post: np.ndarray
    slot_kind: np.ndarray
    post_first: np.ndarray
    post_len: np.ndarray
    texts: Callable[[list[int]], dict[int, tuple[str | None, str]]]
    records: Callable[[list[int]], dict[int, PostRecord]]


def best_quotes(query: ResolvedQuery, ev: Evidence, limit: int, view: QuoteView) -> list[QuoteHit]:
    """The `limit` best passages to quote, the interviewee's words first, each text once."""
    need = max(1, len(query.terms) - query.allowed_misses)
    chosen = (ev.terms >= need) & (view.slot_kind[ev.matched] != TITLE)
    held, estimate = ev.matched[chosen], ev.estimate[chosen]
    if len(held) > QUOTE_CANDIDATES:
        # The passages estimated best; the newest among equals.
        order = np.lexsort((-held, -estimate))
        held = held[order[:QUOTE_CANDIDATES]]
    read = view.texts([int(s) for s in held])
    scored: list[tuple[float, int]] = []
    for slot, (_, text) in read.items():
        norm = normalize(text)
        score = score_passage(query, norm)
        if score is None or score < MIN_SCORE:
            continue
        kind = KINDS[int(view.slot_kind[slot])]
        # Shorter passages quote better: a small nudge, never enough to beat a match.
        brevity = 1.0 if len(text) < 400 else 0.0
        wording = W_ORDER if holds_wording(query, norm) else 0.0
        bonus = wording + QUOTE_KIND_BONUS.get(kind, 0.0) + brevity
        # Ranked on the sum, shown capped: a perfect answer and a perfect pull quote differ.
        scored.append((score + bonus, slot))
    scored.sort(key=lambda item: (-item[0], -item[1]))
    hits: list[QuoteHit] = []
    seen: set[str] = set()
    for score, slot in scored:
        speaker, text = read[slot]
        if text in seen:
            continue
        seen.add(text)
        span = locate(query, normalize(text), text)
        snippet, match = cut_snippet(text, span, sentences=True)
        hits.append(_quote_hit(view, slot, speaker, min(100.0, score), text, snippet, match))
        if len(hits) >= limit:
            break
    return hits


def random_quotes(
    allowed: np.ndarray, limit: int, rng: random.Random, view: QuoteView
) -> list[QuoteHit]:
    """Up to `limit` quotes drawn with `rng` from the posts `allowed` (a mask by post_no)."""
    live = allowed[view.slot_post]
    # Pull quotes are chosen by the editors as quotable; answers only when there are none.
    pool = np.flatnonzero(live & (view.slot_kind == KIND_CODE["pullquote"]))
    if not len(pool):
        pool = np.flatnonzero(live & (view.slot_kind == KIND_CODE["answer"]))
    chosen = rng.sample(pool.tolist(), min(limit, len(pool))) if len(pool) else []
    read = view.texts(chosen)
    out = []
    for slot in chosen:
        speaker, text = read[slot]
        snippet, _ = cut_snippet(text, None, sentences=True)
        out.append(_quote_hit(view, slot, speaker, 100.0, text, snippet, None))
    return out


def _quote_hit(
    view: QuoteView,
    slot: int,
    speaker: str | None,
    score: float,
    text: str,
    snippet: str,
    match: tuple[int, int] | None,
) -> QuoteHit:
    """The hit for one quoted slot, attributed to its speaker or, for an unattributed pull
    quote or answer, to the post's interviewee (never a journalist's own paragraph)."""
    post_no = int(view.slot_post[slot])
    post = view.records([post_no])[post_no]
    kind = KINDS[int(view.slot_kind[slot])]
    if speaker is None and kind in ("pullquote", "answer"):
        speaker = _interviewee(view, post_no)
    return QuoteHit(
        text=text,
        speaker=speaker,
        kind=kind,
        post_id=post.post_id,
        title=post.title,
        source=post.source,
        published=post.published,
        url=post.url,
        score=round(score, 1),
        snippet=snippet,
        match=match,
    )


def _interviewee(view: QuoteView, post_no: int) -> str | None:
    """The only speaker of a post's answers, to attribute an unattributed pull quote."""
    first = int(view.post_first[post_no])
    slots = range(first, first + int(view.post_len[post_no]))
    answers = [s for s in slots if int(view.slot_kind[s]) == KIND_CODE["answer"]]
    speakers = {speaker for speaker, _ in view.texts(answers).values()}
    speakers.discard(None)
    return speakers.pop() if len(speakers) == 1 else None
