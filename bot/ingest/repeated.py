"""A third pass, over a whole feed: paragraphs it repeats word for word in many posts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from bot.models import Post

# A paragraph standing word for word in this many posts of one feed is the site's, not an
# article's: a donation box (L'avertY), a column's standing lines (Framablog's revue de web).
REPEATED_IN_POSTS = 3


def drop_repeated(posts: Sequence[Post]) -> tuple[Post, ...]:
    """The posts without the paragraphs found in REPEATED_IN_POSTS of them or more.

    Interview turns stay (a series asks each guest the same questions); a post given twice
    counts once; a post that would be left with no passage keeps its own.
    """
    distinct = {post.passages for post in posts}
    counts = Counter(
        text
        for passages in distinct
        for text in {p.text for p in passages if p.kind == "paragraph"}
    )
    repeated = {text for text, n in counts.items() if n >= REPEATED_IN_POSTS}
    if not repeated:
        return tuple(posts)
    out = []
    for post in posts:
        kept = tuple(p for p in post.passages if p.kind != "paragraph" or p.text not in repeated)
        out.append(replace(post, passages=kept) if kept else post)
    return tuple(out)
