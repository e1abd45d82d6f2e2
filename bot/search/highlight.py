"""Where a query matched in a passage's original text, so its snippet can bold the match."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bot.search.passage_score import match_parts, match_span
from bot.search.post_ranking import second_passage
from bot.search.resolved import ResolvedQuery
from bot.search.shortlist import Evidence
from bot.search.snippet import ELLIPSIS, SNIPPET_CHARS, cut_snippet_parts
from bot.text import normalize, normalize_with_offsets

JOIN = " … "  # between two passages of one snippet
Texts = Callable[[list[int]], dict[int, tuple[str | None, str]]]  # slot -> (speaker, text)


def locate(query: ResolvedQuery, norm: str, text: str) -> tuple[int, int] | None:
    """The match's offsets in a slot's original `text`, given its normalized `norm`."""
    span = match_span(query, norm)
    return None if span is None else _in_text(query, span, norm, text)


def locate_parts(
    query: ResolvedQuery, norm: str, text: str
) -> tuple[tuple[int, int] | None, list[tuple[int, int]]]:
    """The match's offsets in `text` (as `locate`), and the runs of query words in it to
    bold: words standing apart are bolded apart."""
    parts = match_parts(query, norm)
    if not parts:
        return None, []
    span = _in_text(query, (parts[0][0], parts[-1][1]), norm, text)
    if span is None or len(parts) == 1:
        return span, [] if span is None else [span]
    start, end = span
    chunk, offsets = normalize_with_offsets(text[start:end])
    first = parts[0][0]
    if chunk != norm[first : parts[-1][1]]:
        return span, [span]  # the text reads otherwise than the index: bold it whole
    return span, [
        (start + offsets[a - first], start + offsets[b - first - 1] + 1) for a, b in parts
    ]


def _in_text(
    query: ResolvedQuery, span: tuple[int, int], norm: str, text: str
) -> tuple[int, int] | None:
    """A span of `norm` as offsets in `text`."""
    ns, ne = span
    target = norm[ns:ne]
    # Normalizing with offsets runs in Python, ~1 ms per 4,000 characters: do it on a
    # short stretch around where the match should be (normalization maps characters
    # almost one to one), then a longer one, and on the whole text only if the match is
    # not found there.
    ratio = len(text) / max(1, len(norm))
    guess, until = int(ns * ratio), int(ne * ratio)
    windows = [(max(0, guess - m), min(len(text), until + m)) for m in (40, 200)]
    for a, b in (*windows, (0, len(text))):
        chunk_norm, offsets = normalize_with_offsets(text[a:b])
        found = _find_word_run(chunk_norm, target, guess - a)
        if found is not None:
            return a + offsets[found], a + offsets[found + len(target) - 1] + 1
    # The stored norm disagrees with the text (should not happen): match on the text.
    norm, offsets = normalize_with_offsets(text)
    found_span = match_span(query, norm)
    if found_span is None:
        return None
    return offsets[found_span[0]], offsets[found_span[1] - 1] + 1


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


def body_slot(first: int, end: int, ev: Evidence) -> int:
    """Of slots first..end-1 (a post's passages), the one holding most of the query, else
    the first: the lead."""
    part = ev.where(first, end)
    if part.stop > part.start:
        return int(ev.matched[part.start + int(np.argmax(ev.weight[part]))])
    return first


def hit_snippet(
    query: ResolvedQuery, slot: int, first: int, end: int, ev: Evidence, texts: Texts
) -> tuple[str, list[tuple[int, int]], int]:
    """A hit's snippet: the passage `slot` cut around its match, joined by « … » to another
    passage of the post (slots first..end-1) holding the query words it lacks. Returns the
    snippet, the matches' offsets in it, and the slot shown first."""
    other = second_passage(query, slot, first, end, ev)
    shown = [slot] if other is None else sorted((slot, other))
    read = texts(shown)
    width = SNIPPET_CHARS if other is None else SNIPPET_CHARS // 2
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    at = 0
    for number in shown:
        text = read.get(number, (None, ""))[1]
        span, bold = locate_parts(query, normalize(text), text)
        snippet, moved = cut_snippet_parts(text, span, bold, width=width)
        if parts:
            # One ellipsis between the two, whatever their cuts.
            if parts[-1].endswith(ELLIPSIS):
                parts[-1] = parts[-1][: -len(ELLIPSIS)].rstrip()
                at = sum(len(p) for p in parts)
            if snippet.startswith(ELLIPSIS):
                snippet = snippet[len(ELLIPSIS) :]
                moved = [(a - len(ELLIPSIS), b - len(ELLIPSIS)) for a, b in moved]
            parts.append(JOIN)
            at += len(JOIN)
        spans.extend((at + a, at + b) for a, b in moved)
        parts.append(snippet)
        at += len(snippet)
    return "".join(parts), spans, shown[0]
