"""Candidate passages for a query: enough of its words, its quoted phrases, its filters."""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable
from datetime import UTC, tzinfo

from bot.names import Catalogue, named_sources
from bot.search.query import ParsedQuery, QueryWarning, content_words
from bot.search.ranking import Plan, Term, has_phrase
from bot.search.slots import PostRecord
from bot.text import STOP_WORDS

_LISTED = 5  # source names shown in an "ambiguous source" warning


def phrase_words(parsed: ParsedQuery) -> list[str]:
    """The content words of the query's quoted phrases, once each, in order."""
    return list(dict.fromkeys(w for p in parsed.phrases for w in p if w not in STOP_WORDS))


def at_least(sets: list[set[int]], need: int) -> set[int]:
    """Elements found in at least `need` of `sets` (set operations, C speed when possible)."""
    sets = [s for s in sets if s]
    if need <= 0 or len(sets) < need:
        return set()
    if need == 1:
        return set().union(*sets)
    ordered = sorted(sets, key=len)
    if need == len(ordered):
        out = set(ordered[0])
        for s in ordered[1:]:
            out &= s
            if not out:
                break
        return out
    if need == len(ordered) - 1:
        out: set[int] = set()
        for skip in range(len(ordered)):
            rest = [s for i, s in enumerate(ordered) if i != skip]
            part = set(rest[0])
            for s in rest[1:]:
                part &= s
            out |= part
        return out
    counts: Counter[int] = Counter()
    for s in ordered:
        counts.update(s)
    return {slot for slot, c in counts.items() if c >= need}


def matching_slots(plan: Plan, parsed: ParsedQuery, norms: list[str]) -> set[int]:
    """Slots holding enough query words, and every quoted phrase word for word."""
    terms = plan.terms
    need = len(terms) - plan.allowed_misses
    cand = at_least([t.slots for t in terms], need)
    if parsed.phrases:
        # Words of a quoted phrase are never optional, whatever the misses allowed.
        quoted = phrase_words(parsed)
        for t in terms:
            if t.word in quoted:
                cand &= t.exact
        cand = {s for s in cand if all(has_phrase(norms[s], p) for p in parsed.phrases)}
    return cand


def excluded_posts(
    parsed: ParsedQuery,
    exact_term: Callable[[str], Term],
    slot_post: array[int],
    norms: list[str],
) -> set[int]:
    """Posts holding an excluded word (any plural form) or an excluded phrase;
    `exact_term` resolves a word without near spellings."""
    out: set[int] = set()
    for word in parsed.excluded_words:
        out.update(slot_post[s] for s in exact_term(word).exact)
    for phrase in parsed.excluded_phrases:
        sets = [exact_term(w).exact for w in content_words(phrase)]
        for s in at_least(sets, len(sets)):
            if has_phrase(norms[s], phrase):
                out.add(slot_post[s])
    return out


def post_filter(
    parsed: ParsedQuery,
    posts: dict[int, PostRecord],
    excluded: set[int],
    tz: tzinfo,
    sources: Catalogue,
) -> Callable[[int], bool]:
    """A memoized post_id -> bool for the query's source and date filters and `excluded`;
    dates are compared as days in `tz`, sources named as `names.named_sources` reads them
    over `sources` (each source name with its aliases)."""
    memo: dict[int, bool] = {}
    wanted = {n for key in parsed.sources for n in named_sources(key, sources)}
    unwanted = {n for key in parsed.excluded_sources for n in named_sources(key, sources)}

    def allowed(post_id: int) -> bool:
        ok = memo.get(post_id)
        if ok is not None:
            return ok
        post = posts.get(post_id)
        ok = post is not None and post_id not in excluded
        if ok and (parsed.sources or parsed.excluded_sources):
            if parsed.sources and post.source not in wanted:
                ok = False
            if post.source in unwanted:
                ok = False
        if ok and (parsed.since or parsed.until):
            if post.published is None:
                ok = False
            else:
                published = post.published
                if published.tzinfo is None:
                    published = published.replace(tzinfo=UTC)
                day = published.astimezone(tz).date()
                if parsed.since and day < parsed.since:
                    ok = False
                if parsed.until and day > parsed.until:
                    ok = False
        memo[post_id] = ok
        return ok

    return allowed


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
