"""What a query allows: its source and date filters, exclusions and quoted phrases."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, time, timedelta, tzinfo

import numpy as np

from bot.names import Catalogue, named_sources
from bot.search.passage_score import has_phrase
from bot.search.query import ParsedQuery, QueryWarning, content_words
from bot.text import STOP_WORDS, normalize

Texts = Callable[[list[int]], dict[int, tuple[str | None, str]]]  # slot -> (speaker, text)

_LISTED = 5  # source names shown in an "ambiguous source" warning


def phrase_words(parsed: ParsedQuery) -> list[str]:
    """The content words of the query's quoted phrases, once each, in order."""
    return list(dict.fromkeys(w for p in parsed.phrases for w in p if w not in STOP_WORDS))


def source_filter(parsed: ParsedQuery, sources: Catalogue) -> Callable[[str], bool]:
    """Whether a post of a source (by name) passes the query's source: filters, sources
    named as `names.named_sources` reads them over `sources` (each name with its aliases)."""
    wanted = {n for key in parsed.sources for n in named_sources(key, sources)}
    unwanted = {n for key in parsed.excluded_sources for n in named_sources(key, sources)}

    def passes(name: str) -> bool:
        return (not parsed.sources or name in wanted) and name not in unwanted

    return passes


def day_bounds(parsed: ParsedQuery, tz: tzinfo) -> tuple[float, float]:
    """The since:/until: days as [start, end) timestamps, days read in `tz`."""
    lo, hi = -math.inf, math.inf
    if parsed.since:
        lo = datetime.combine(parsed.since, time(0), tzinfo=tz).timestamp()
    if parsed.until:
        hi = datetime.combine(parsed.until + timedelta(days=1), time(0), tzinfo=tz).timestamp()
    return lo, hi


def allowed_posts(
    parsed: ParsedQuery,
    alive: np.ndarray,
    post_src: np.ndarray,
    post_ts: np.ndarray,
    source_names: list[str],
    sources: Catalogue,
    tz: tzinfo,
    excluded: np.ndarray,
) -> np.ndarray:
    """A bool mask by post_no: live posts passing the query's source and date filters and
    not among the `excluded` post_nos. Undated posts never pass a date filter."""
    allowed = alive.astype(bool)
    if parsed.sources or parsed.excluded_sources:
        passes = source_filter(parsed, sources)
        ok = np.array([passes(name) for name in source_names] or [False])
        allowed &= ok[post_src]
    if parsed.since or parsed.until:
        lo, hi = day_bounds(parsed, tz)
        with np.errstate(invalid="ignore"):
            allowed &= (post_ts >= lo) & (post_ts < hi)
    if len(excluded):
        allowed[excluded] = False
    return allowed


def phrase_slots(
    phrase: tuple[str, ...], exact: Callable[[str], np.ndarray], texts: Texts
) -> np.ndarray:
    """The slots holding `phrase` word for word (`exact` gives a word's slots without near
    spellings; `texts` reads slots)."""
    words_ = content_words(phrase)
    sets = [exact(w) for w in words_]
    if not sets or any(len(s) == 0 for s in sets):
        return np.empty(0, dtype=np.uint32)
    both = sets[0]
    for other in sets[1:]:
        both = np.intersect1d(both, other, assume_unique=True)
    read = texts([int(s) for s in both])
    held = [s for s, (_, text) in read.items() if has_phrase(normalize(text), phrase)]
    return np.array(sorted(held), dtype=np.uint32)


def excluded_posts(
    parsed: ParsedQuery,
    exact: Callable[[str], np.ndarray],
    slot_post: np.ndarray,
    texts: Texts,
) -> np.ndarray:
    """The post_nos holding an excluded word (any plural form) or an excluded phrase."""
    parts = [slot_post[exact(word)] for word in parsed.excluded_words]
    parts += [slot_post[phrase_slots(p, exact, texts)] for p in parsed.excluded_phrases]
    return np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)


def source_warnings(parsed: ParsedQuery, sources: Catalogue) -> list[QueryWarning]:
    """A warning for each source the query names that matches no indexed source, and for
    each that names several (all of them are kept: the warning lists them)."""
    warnings = []
    for wanted in parsed.sources + parsed.excluded_sources:
        names = named_sources(wanted, sources)
        if not names:
            warnings.append(QueryWarning("unknown_source", wanted))
        elif len(names) > 1:
            listed = ", ".join(names[:_LISTED]) + (", …" if len(names) > _LISTED else "")
            warnings.append(QueryWarning("ambiguous_source", f"{wanted} ({listed})"))
    return warnings
