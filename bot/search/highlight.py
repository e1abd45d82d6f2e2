"""Where a query matched in a passage's original text, so its snippet can bold the match."""

from __future__ import annotations

from bot.search.ranking import Plan, match_span
from bot.text import normalize_with_offsets


def locate(plan: Plan, norm: str, text: str) -> tuple[int, int] | None:
    """The match's offsets in a slot's original `text`, given its normalized `norm`."""
    span = match_span(plan, norm)
    if span is None:
        return None
    ns, ne = span
    target = norm[ns:ne]
    # Normalizing with offsets runs in Python, ~1 ms per 4,000 characters: do it on a
    # stretch around where the match should be (normalization maps characters almost
    # one to one), and on the whole text only if the match is not found there.
    ratio = len(text) / max(1, len(norm))
    guess = int(ns * ratio)
    lo, hi = max(0, guess - 200), min(len(text), int(ne * ratio) + 200)
    for a, b in ((lo, hi), (0, len(text))):
        chunk_norm, offsets = normalize_with_offsets(text[a:b])
        found = _find_word_run(chunk_norm, target, guess - a)
        if found is not None:
            return a + offsets[found], a + offsets[found + len(target) - 1] + 1
    # The stored norm disagrees with the text (should not happen): match on the text.
    norm, offsets = normalize_with_offsets(text)
    span = match_span(plan, norm)
    if span is None:
        return None
    return offsets[span[0]], offsets[span[1] - 1] + 1


def _find_word_run(norm: str, target: str, near: int) -> int | None:
    """Start of the occurrence of `target` in `norm` on word boundaries nearest `near`."""
    found: int | None = None
    pos = norm.find(target)
    while pos != -1:
        end = pos + len(target)
        if (pos == 0 or not norm[pos - 1].isalnum()) and (
            end == len(norm) or not norm[end].isalnum()
        ):
            if found is None or abs(pos - near) < abs(found - near):
                found = pos
            elif pos > near:
                break
        pos = norm.find(target, pos + 1)
    return found
