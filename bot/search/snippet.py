"""Cut a passage around a matched span, keeping the span's offsets so a client can bold it."""

from __future__ import annotations

import re

SNIPPET_CHARS = 280
ELLIPSIS = "…"
# Break spaces only: NBSP and narrow NBSP glue French punctuation and must survive.
_BREAKS = frozenset(" \t\r\n\f\v")
_SENTENCE_START = frozenset('«"“ABCDEFGHIJKLMNOPQRSTUVWXYZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜ0123456789')
_SENTENCE_END = re.compile(r"[.!?…»]\s+(?=[«\"“A-ZÀ-ÖØ-Þ0-9])")


def cut_snippet(
    text: str,
    span: tuple[int, int] | None,
    *,
    width: int = SNIPPET_CHARS,
    sentences: bool = False,
) -> tuple[str, tuple[int, int] | None]:
    """Up to about `width` characters of `text` around `span` (offsets into `text`).

    Cuts fall on spaces and are marked with "…"; runs of spaces and newlines become one
    space. Returns the snippet and the span's offsets in it (None when `span` is None).
    With `sentences`, prefers to start and end on sentence boundaries when one is near.
    """
    snippet, moved = cut_snippet_parts(
        text, span, [] if span is None else [span], width=width, sentences=sentences
    )
    return snippet, (moved[0] if moved else None)


def cut_snippet_parts(
    text: str,
    span: tuple[int, int] | None,
    parts: list[tuple[int, int]],
    *,
    width: int = SNIPPET_CHARS,
    sentences: bool = False,
) -> tuple[str, list[tuple[int, int]]]:
    """As `cut_snippet`, cut around `span`, with each of `parts` (offsets into `text`, to
    bold) moved into the snippet; a part the cut leaves out is dropped."""
    if span is None:
        start, end = 0, 0
    else:
        start, end = max(0, span[0]), min(len(text), span[1])
        if end <= start:
            span = None
            start = end = 0
    if len(text) <= width:
        lo, hi = 0, len(text)
    else:
        # A span wider than the snippet keeps its beginning, which is where the eye goes.
        if end - start > width - 20:
            end = start + width - 20
        room = width - (end - start)
        lo = max(0, start - room // 3)
        hi = min(len(text), lo + width)
        lo = max(0, min(lo, hi - width))
        if sentences:
            lo, hi = _sentence_bounds(text, lo, hi, start, end)
        lo, hi = _word_bounds(text, lo, hi, start, end)
    if span is None:
        return _render(text, lo, hi, [], sentences)
    # Parts past a span cut short (wider than the snippet) are cut with it.
    kept = [(max(a, start), min(b, end)) for a, b in parts if min(b, end) > max(a, start)]
    return _render(text, lo, hi, kept, sentences)


def _word_bounds(text: str, lo: int, hi: int, start: int, end: int) -> tuple[int, int]:
    """Move the cut points onto breaking spaces without cutting into the span."""
    if lo > 0 and text[lo - 1] not in _BREAKS:
        for i in range(lo, min(start, len(text))):
            if text[i] in _BREAKS:
                lo = i + 1
                break
    if hi < len(text) and text[hi] not in _BREAKS:
        for i in range(hi - 1, end - 1, -1):
            if text[i] in _BREAKS:
                hi = i
                break
    return lo, hi


def _sentence_bounds(text: str, lo: int, hi: int, start: int, end: int) -> tuple[int, int]:
    """Snap to the sentence starting at or before the span, and end on a sentence end."""
    begin = lo
    for m in _SENTENCE_END.finditer(text, max(0, lo - 60), start + 1):
        begin = m.end()
    if begin <= start:
        shift = begin - lo
        lo, hi = begin, min(len(text), hi + max(0, shift))
    finish = None
    for m in _SENTENCE_END.finditer(text, end, hi):
        finish = m.start() + 1
    if finish is not None and finish - lo > (hi - lo) // 2:
        hi = finish
    return lo, hi


def _render(
    text: str, lo: int, hi: int, parts: list[tuple[int, int]], sentences: bool = False
) -> tuple[str, list[tuple[int, int]]]:
    """The text between lo and hi with spaces squashed, ellipses, and the parts moved along."""
    while lo < hi and text[lo] in _BREAKS:
        lo += 1
    while hi > lo and text[hi - 1] in _BREAKS:
        hi -= 1
    # A quote cut on sentence boundaries reads as whole sentences: no ellipsis there.
    opens_sentence = sentences and lo > 0 and text[lo] in _SENTENCE_START
    out: list[str] = [ELLIPSIS] if lo > 0 and not opens_sentence else []
    size = len(out)
    starts = {start: n for n, (start, _) in enumerate(parts)}
    ends = {end - 1: n for n, (_, end) in enumerate(parts)}
    new_starts = [-1] * len(parts)
    new_ends = [-1] * len(parts)
    last_break = False
    # A character loop is fine at snippet sizes and keeps the offset bookkeeping obvious.
    for i in range(lo, hi):
        char = text[i]
        if char in _BREAKS:
            if not last_break:
                out.append(" ")
                size += 1
            last_break = True
        else:
            if i in starts:
                new_starts[starts[i]] = size
            out.append(char)
            size += 1
            last_break = False
        if i in ends:
            new_ends[ends[i]] = size
    if hi < len(text) and not (sentences and text[hi - 1] in ".!?…»"):
        out.append(ELLIPSIS)
    moved = [(a, b) for a, b in zip(new_starts, new_ends, strict=True) if 0 <= a < b]
    return "".join(out), moved
