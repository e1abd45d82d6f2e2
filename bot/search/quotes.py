"""Quote selection: matching passages reranked for quoting, or random pull quotes."""

from __future__ import annotations

import random
from collections.abc import Callable

from bot.search.highlight import locate
from bot.search.ranking import MIN_SCORE, Plan
from bot.search.results import QuoteHit
from bot.search.scoring import Scorer
from bot.search.slots import DEAD, KIND_CODE, KINDS, Columns, PostRecord
from bot.search.snippet import cut_snippet

# Quotes prefer the interviewee: a bonus by passage kind, on top of the match score.
QUOTE_KIND_BONUS = {"pullquote": 8.0, "answer": 6.0, "paragraph": 0.0, "question": -5.0}


def best_quotes(
    plan: Plan,
    slots: list[int],
    score_of: Scorer,
    limit: int,
    columns: Columns,
    posts: dict[int, PostRecord],
) -> list[QuoteHit]:
    """The `limit` best of `slots` to quote, the interviewee's words first, each text once."""
    scored: list[tuple[float, int, int]] = []
    for slot in slots:
        score = score_of(slot)
        if score is None or score < MIN_SCORE:
            continue
        kind = KINDS[columns.kind[slot]]
        # Shorter passages quote better: a small nudge, never enough to beat a match.
        brevity = 2.0 if len(columns.text[slot]) < 400 else 0.0
        ranked = min(100.0, score + QUOTE_KIND_BONUS.get(kind, 0.0) + brevity)
        scored.append((ranked, -slot, slot))
    scored.sort(reverse=True)
    hits: list[QuoteHit] = []
    seen: set[str] = set()
    for score, _, slot in scored:
        text = columns.text[slot].decode()
        if text in seen:
            continue
        seen.add(text)
        span = locate(plan, columns.norm[slot], text)
        snippet, match = cut_snippet(text, span, sentences=True)
        hits.append(_quote_hit(columns, posts, slot, score, text, snippet, match))
        if len(hits) >= limit:
            break
    return hits


def quote_pools(columns: Columns) -> dict[int, list[int]]:
    """The live pull quote and answer slots, by kind code, to draw random quotes from."""
    pools: dict[int, list[int]] = {KIND_CODE["pullquote"]: [], KIND_CODE["answer"]: []}
    for slot, kind in enumerate(columns.kind):
        pool = pools.get(kind)
        if pool is not None and columns.post[slot] != DEAD:
            pool.append(slot)
    return pools


def random_quotes(
    pools: dict[int, list[int]],
    allowed: Callable[[int], bool] | None,
    limit: int,
    rng: random.Random,
    columns: Columns,
    posts: dict[int, PostRecord],
) -> list[QuoteHit]:
    """Up to `limit` quotes drawn with `rng` from `pools`, from posts `allowed` (a post_id
    filter, None for all)."""
    if allowed is not None:
        pools = {k: [s for s in v if allowed(columns.post[s])] for k, v in pools.items()}
    # Pull quotes are chosen by the editors as quotable; answers only when there are none.
    pool = pools[KIND_CODE["pullquote"]] or pools[KIND_CODE["answer"]]
    chosen = rng.sample(pool, min(limit, len(pool))) if pool else []
    out = []
    for slot in chosen:
        text = columns.text[slot].decode()
        snippet, _ = cut_snippet(text, None, sentences=True)
        out.append(_quote_hit(columns, posts, slot, 100.0, text, snippet, None))
    return out


def _quote_hit(
    columns: Columns,
    posts: dict[int, PostRecord],
    slot: int,
    score: float,
    text: str,
    snippet: str,
    match: tuple[int, int] | None,
) -> QuoteHit:
    """The hit for one quoted slot, attributed to its speaker or else the interviewee."""
    post = posts[columns.post[slot]]
    return QuoteHit(
        text=text,
        speaker=columns.speaker[slot] or _interviewee(columns, post),
        kind=KINDS[columns.kind[slot]],
        post_id=post.post_id,
        title=post.title,
        source=post.source,
        published=post.published,
        url=post.url,
        score=round(score, 1),
        snippet=snippet,
        match=match,
    )


def _interviewee(columns: Columns, post: PostRecord) -> str | None:
    """The only speaker of a post's answers, to attribute an unattributed pull quote."""
    answer = KIND_CODE["answer"]
    speakers = {columns.speaker[s] for s in post.slots if columns.kind[s] == answer}
    speakers.discard(None)
    return speakers.pop() if len(speakers) == 1 else None
