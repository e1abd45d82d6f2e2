"""Close spellings among known names, for the hint after an unknown one."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process

from bot.names import source_key

MAX_CLOSE = 5
MIN_SCORE = 75


def close_names(name: str, names: Sequence[str], limit: int = MAX_CLOSE) -> list[str]:
    """Up to `limit` of `names` spelled like `name` (case, accents and spaces ignored)."""
    wanted = source_key(name)
    if not wanted:
        return []
    found = process.extract(
        wanted,
        {known: source_key(known) for known in names},
        scorer=fuzz.WRatio,
        limit=limit,
        score_cutoff=MIN_SCORE,
    )
    return [known for _, _, known in found]
