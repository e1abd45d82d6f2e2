"""Split a post body into passages (stub: one paragraph passage per paragraph; being replaced)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.models import Passage


def split_passages(paragraphs: Sequence[str]) -> tuple[tuple[Passage, ...], tuple[str, ...]]:
    """Turn paragraphs into passages; return (passages, credits kept out of search)."""
    passages = tuple(Passage("paragraph", p.strip()) for p in paragraphs if p.strip())
    return passages, ()
