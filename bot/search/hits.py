"""The hits a search shows: each post found with its record, the snippet of the
(sub)query that found it, and the query's words it lacks."""

from __future__ import annotations

from bot.search.contents import Contents
from bot.search.highlight import body_slot, hit_snippet
from bot.search.kinds import KINDS, TITLE_FIELD
from bot.search.post_ranking import Ranked, holds_in
from bot.search.query import typed_words
from bot.search.resolved import ResolvedQuery
from bot.search.results import SearchHit
from bot.search.shortlist import Evidence


def search_hits(
    whole: ResolvedQuery,
    found: list[tuple[ResolvedQuery, Evidence, Ranked]],
    query: str,
    c: Contents,
) -> list[SearchHit]:
    """The hits to show, each post's snippet from the (sub)query that found it."""
    texts = c.file.texts
    records = c.file.post_records([r.post_no for _, _, r in found])
    typed = typed_words(query)
    hits = []
    for resolved, ev, r in found:
        first = int(c.post_first.values[r.post_no])
        end = first + int(c.post_len.values[r.post_no])
        # The query's words this post holds nowhere, as the user typed them.
        missing = tuple(
            typed.get(t.word, t.word) for t in whole.terms if not holds_in(t, first, end)
        )
        slot = r.slot
        if int(c.slot_field.values[first]) == TITLE_FIELD:
            # The title is shown above the snippet: the snippet comes from the passages.
            first += 1
        snippet, spans = "", list[tuple[int, int]]()
        if first < end:  # else a post that is only a title: no snippet
            slot = body_slot(first, end, ev) if slot < first else slot
            snippet, spans, slot = hit_snippet(resolved, slot, first, end, ev, texts)
        post = records.get(r.post_no)
        if post is None:  # removed by another process since this one last updated
            continue
        hits.append(
            SearchHit(
                post_id=post.post_id,
                title=post.title,
                source=post.source,
                author=post.author,
                published=post.published,
                url=post.url,
                score=round(r.score, 1),
                snippet=snippet,
                match=spans,
                kind=KINDS[int(c.slot_kind.values[slot])],
                speaker=texts([slot]).get(slot, (None, ""))[0],
                missing=missing,
            )
        )
    return hits
