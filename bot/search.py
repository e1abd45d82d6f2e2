"""Fuzzy search over posts and passages, in memory: forgiving of typos, accents and plurals.

How a query runs (see `SearchIndex.search`):

1. Each non-stop query word is expanded against the vocabulary: the word itself, its
   plural/singular forms (`bot.text.stem`) and its near spellings, one typo forgiven from 4
   letters and two from 9 (rapidfuzz OSA distance over length and letter buckets of the
   vocabulary). An inverted index maps each vocabulary word to passage slots.
2. Candidates are the passages holding (an expansion of) every query word, or all but one
   for longer queries, narrowed by the filters (source, dates, exclusions, quoted phrases).
3. Up to RERANK candidates (titles and the best-spelled matches first) are scored 0-100 by
   `bot.ranking`: IDF-weighted coverage of the query words (fuzzy matches count for less),
   proximity of the matched words, an exact phrase bonus and a title bonus. Anything under
   `MIN_SCORE` is dropped: a query that matches nothing gives no result, not noise.
4. Posts take their best passage's score (plus a little for more matching passages); the
   snippet is that passage cut around the match, with the match's offsets for bolding.

All methods are synchronous and thread safe (one lock), so callers can use asyncio.to_thread.
"""

from __future__ import annotations

import marshal
import math
import os
import random
import sys
import threading
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from functools import lru_cache, partial
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.models import IndexedPost
from bot.query import ParsedQuery, QueryWarning, content_words, parse_query, source_key
from bot.ranking import (
    MIN_SCORE,
    Plan,
    Term,
    has_phrase,
    make_plan,
    match_span,
    one_word_score,
    score_passage,
)
from bot.snippet import cut_snippet
from bot.text import STOP_WORDS, normalize_with_offsets, stem, word_spans, words

# Quotes prefer the interviewee: a bonus by passage kind, on top of the match score.
QUOTE_KIND_BONUS = {"pullquote": 8.0, "answer": 6.0, "paragraph": 0.0, "question": -5.0}
RERANK = 400  # candidate passages scored in full (their text scanned) per query
# A one-word query is scored from the postings alone, so it can afford many more.
RERANK_ONE_WORD = 2000
MAX_EXPANSIONS = 12  # near spellings kept per query word
_TERM_CACHE = 512
_FORMAT = b"relais-search-index"
_VERSION = 1

_KINDS = ("title", "paragraph", "question", "answer", "pullquote")
_KIND_CODE = {kind: code for code, kind in enumerate(_KINDS)}
_TITLE = 0
_DEAD = -1


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One post found by `search`, with its best passage cut as a snippet."""

    post_id: int
    title: str
    source: str
    author: str | None
    published: datetime | None
    url: str | None
    score: float
    snippet: str
    match: tuple[int, int] | None  # the matched words' offsets in `snippet`, to bold
    kind: str  # the best passage's kind; "title" when the title matched best
    speaker: str | None


@dataclass(frozen=True, slots=True)
class SearchResponse:
    """A page of search results; `total` counts the matching posts, for paging.

    When `exhaustive` is False the query was so broad that only the newest candidates were
    ranked, and `total` counts those (show it as "400+", say).
    """

    query: str
    hits: list[SearchHit]
    total: int
    warnings: list[QueryWarning] = field(default_factory=list)
    empty_query: bool = False
    exhaustive: bool = True


@dataclass(frozen=True, slots=True)
class QuoteHit:
    """One passage found by `quote`: full text, plus a snippet around the match."""

    text: str
    speaker: str | None
    kind: str
    post_id: int
    title: str
    source: str
    published: datetime | None
    url: str | None
    score: float
    snippet: str = ""
    match: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class QuoteResponse:
    """Quotes for a query; `random` is True when the query had no words."""

    query: str
    hits: list[QuoteHit]
    warnings: list[QueryWarning] = field(default_factory=list)
    empty_query: bool = False
    random: bool = False


@dataclass(frozen=True, slots=True)
class _Post:
    post_id: int
    source: str
    title: str
    author: str | None
    published: datetime | None
    url: str | None
    slots: tuple[int, ...]

    @property
    def timestamp(self) -> float:
        """Seconds since the epoch of `published` (naive taken as UTC), 0 when unknown."""
        published = self.published
        if published is None:
            return 0.0
        if published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        return published.timestamp()


def max_edits(word: str) -> int:
    """Typos forgiven in a query word (optimal string alignment distance: a transposition is
    one edit): none under 4 letters or with digits, one up to 8 letters, two from 9."""
    n = len(word)
    if n < 4 or not word.isalpha():
        return 0
    return 1 if n <= 8 else 2


def _quality(edits: int, length: int) -> float:
    """Weight of a near spelling: 0.62 for one edit in 4 letters, 0.79 in 7, below exact."""
    return max(0.5, min(0.95, 1.0 - 1.5 * edits / length))


def _plural_forms(word: str) -> list[str]:
    """Words that `stem` folds together with `word` (its singular and plural spellings)."""
    base = stem(word)
    forms = {word, base, base + "s", base + "x"}
    if base.endswith("al"):
        forms.add(base[:-2] + "aux")
    return [f for f in forms if stem(f) == base]


class SearchIndex:
    """An in-memory inverted index of passages with fuzzy query expansion."""

    def __init__(self, *, tz: tzinfo | None = None) -> None:
        self.tz = tz or UTC
        self._lock = threading.RLock()
        # Slot-indexed columns: one slot per passage, titles included (kind code 0).
        self._slot_post: array[int] = array("q")
        self._slot_kind = bytearray()
        self._slot_speaker: list[str | None] = []
        self._slot_text: list[bytes] = []  # UTF-8 is half the size of str for French text
        self._slot_norm: list[str] = []
        self._dead: set[int] = set()
        self._posts: dict[int, _Post] = {}
        self._postings: dict[str, array[int]] = {}
        # Fuzzy buckets: (length, first letter) and (length, second letter) -> words.
        self._by_first: dict[tuple[int, str], list[str]] = {}
        self._by_second: dict[tuple[int, str], list[str]] = {}
        self._terms: dict[tuple[str, bool], Term] = {}
        self._sources: Counter[str] = Counter()
        self._quote_pool: dict[int, list[int]] | None = None
        self._titles: set[int] = set()  # title slots, to rank them first in a shortlist
        self._passages = 0

    # ----------------------------------------------------------------- building

    @classmethod
    def build(cls, posts: Iterable[IndexedPost], *, tz: tzinfo | None = None) -> SearchIndex:
        """An index of `posts` (deleted or empty ones are skipped)."""
        index = cls(tz=tz)
        index.update(posts)
        return index

    def update(self, posts: Iterable[IndexedPost]) -> None:
        """Add posts, replace those with a known post_id, remove deleted or emptied ones."""
        with self._lock:
            for post in posts:
                self._remove(post.post_id)
                if post.deleted or (not post.passages and not post.title_norm.strip()):
                    continue
                self._add(post)
            self._terms.clear()
            self._quote_pool = None
            if len(self._dead) > 1000 and len(self._dead) > len(self._slot_post) // 4:
                self._compact()

    def __len__(self) -> int:
        """The number of searchable passages, titles not counted."""
        return self._passages

    @property
    def post_count(self) -> int:
        """The number of posts in the index."""
        return len(self._posts)

    def _add(self, post: IndexedPost) -> None:
        slots: list[int] = []
        if post.title_norm.strip():
            slot = self._add_slot(post.post_id, _TITLE, None, post.title, post.title_norm)
            self._titles.add(slot)
            slots.append(slot)
        for passage in post.passages:
            code = _KIND_CODE.get(passage.kind, _KIND_CODE["paragraph"])
            slots.append(
                self._add_slot(post.post_id, code, passage.speaker, passage.text, passage.norm)
            )
            self._passages += 1
        self._posts[post.post_id] = _Post(
            post.post_id,
            post.source,
            post.title,
            post.author,
            post.published,
            post.url,
            tuple(slots),
        )
        self._sources[post.source] += 1

    def _add_slot(self, post_id: int, kind: int, speaker: str | None, text: str, norm: str) -> int:
        slot = len(self._slot_post)
        self._slot_post.append(post_id)
        self._slot_kind.append(kind)
        # Interned: an interview repeats its two speakers on every turn.
        self._slot_speaker.append(sys.intern(speaker) if speaker else None)
        self._slot_text.append(text.encode())
        self._slot_norm.append(norm)
        postings = self._postings
        for word in set(words(norm)):
            if word in STOP_WORDS:
                continue
            posting = postings.get(word)
            if posting is None:
                posting = postings[word] = array("I")
                self._bucket(word)
            posting.append(slot)
        return slot

    def _bucket(self, word: str) -> None:
        """File a new vocabulary word where fuzzy expansion will look for it."""
        if len(word) >= 3 and word.isalpha():
            self._by_first.setdefault((len(word), word[0]), []).append(word)
            self._by_second.setdefault((len(word), word[1]), []).append(word)

    def _remove(self, post_id: int) -> None:
        post = self._posts.pop(post_id, None)
        if post is None:
            return
        self._sources[post.source] -= 1
        if self._sources[post.source] <= 0:
            del self._sources[post.source]
        # Postings keep dead slots (cheap appends, no rewrites); queries skip them.
        for slot in post.slots:
            if self._slot_kind[slot] != _TITLE:
                self._passages -= 1
            self._slot_post[slot] = _DEAD
            self._slot_text[slot] = b""
            self._slot_norm[slot] = ""
            self._slot_speaker[slot] = None
            self._dead.add(slot)
            self._titles.discard(slot)

    def _compact(self) -> None:
        """Rebuild without dead slots once they are a quarter of the index."""
        fresh = SearchIndex(tz=self.tz)
        for post in self._posts.values():
            slots = []
            for slot in post.slots:
                kind = self._slot_kind[slot]
                new = fresh._add_slot(
                    post.post_id,
                    kind,
                    self._slot_speaker[slot],
                    self._slot_text[slot].decode(),
                    self._slot_norm[slot],
                )
                if kind == _TITLE:
                    fresh._titles.add(new)
                slots.append(new)
            fresh._posts[post.post_id] = _Post(
                post.post_id,
                post.source,
                post.title,
                post.author,
                post.published,
                post.url,
                tuple(slots),
            )
        fresh._passages = self._passages
        for name in (
            "_slot_post",
            "_slot_kind",
            "_slot_speaker",
            "_slot_text",
            "_slot_norm",
            "_dead",
            "_titles",
            "_posts",
            "_postings",
            "_by_first",
            "_by_second",
        ):
            setattr(self, name, getattr(fresh, name))

    # ----------------------------------------------------------------- query words

    def _term(self, word: str, fuzzy: bool = True) -> Term:
        """Resolve one query word: exact and plural forms, then near spellings."""
        key = (word, fuzzy)
        term = self._terms.get(key)
        if term is not None:
            return term
        postings = self._postings
        expansions: dict[str, float] = {}
        exact: set[int] = set()
        for form in _plural_forms(word):
            posting = postings.get(form)
            if posting is not None:
                expansions[form] = 1.0
                exact.update(posting)
        fuzzy_sets: list[tuple[float, set[int]]] = []
        edits = max_edits(word) if fuzzy else 0
        if edits:
            # A word the corpus already uses is what the user meant: keep only its longer or
            # shorter endings (feminine, participles), not other words one letter away.
            known = postings.get(word)
            keep_endings = known is not None and len(known) >= 3
            for candidate, distance in self._near(word, edits):
                if candidate in expansions:
                    continue
                if keep_endings and not (candidate.startswith(word) or word.startswith(candidate)):
                    continue
                quality = _quality(distance, len(word))
                expansions[candidate] = quality
                fuzzy_sets.append((quality, set(postings[candidate])))
            fuzzy_sets.sort(key=lambda item: -item[0])
        slots = set(exact)
        for _, found in fuzzy_sets:
            slots |= found
        if self._dead:
            exact -= self._dead
            slots -= self._dead
        term = Term(word, expansions, exact, fuzzy_sets, slots)
        if len(self._terms) >= _TERM_CACHE:
            self._terms.clear()
        self._terms[key] = term
        return term

    def _near(self, word: str, edits: int) -> list[tuple[str, int]]:
        """Vocabulary words within `edits` of `word` (OSA distance), closest first."""
        n = len(word)
        pool: list[str] = []
        # Words are bucketed by length and letter so a query scans a few thousand words,
        # not the whole vocabulary: the same first letter, or the same second letter (a
        # typo on the first one). A typo on both is not worth a full scan.
        for length in range(max(3, n - edits), n + edits + 1):
            pool += self._by_first.get((length, word[0]), ())
            pool += self._by_second.get((length, word[1]), ())
        if not pool:
            return []
        found = process.extract(
            word, pool, scorer=OSA.distance, score_cutoff=edits, limit=MAX_EXPANSIONS * 2
        )
        best: dict[str, int] = {}
        for candidate, distance, _ in found:
            if candidate != word and candidate not in STOP_WORDS:
                best.setdefault(candidate, int(distance))
        return sorted(best.items(), key=lambda item: item[1])[:MAX_EXPANSIONS]

    def _plan(self, parsed: ParsedQuery) -> Plan:
        """Resolve a parsed query's words into weighted terms, phrase words exact only."""
        terms = [self._term(word, fuzzy=True) for word in parsed.terms]
        for word in _phrase_words(parsed):
            if all(t.word != word for t in terms):
                terms.append(self._term(word, fuzzy=False))
        live = max(1, len(self._slot_post) - len(self._dead))
        idf = [math.log(1.0 + live / len(t.slots)) for t in terms if t.slots]
        # A word the corpus never uses says nothing about which passage is better: average.
        mean = sum(idf) / len(idf) if idf else 1.0
        weights = [math.log(1.0 + live / len(t.slots)) if t.slots else mean for t in terms]
        return make_plan(terms, weights, parsed)

    # ----------------------------------------------------------------- candidates

    def _candidates(self, plan: Plan, parsed: ParsedQuery) -> set[int]:
        """Slots holding enough query words, narrowed by phrases and filters."""
        terms = plan.terms
        need = len(terms) - plan.allowed_misses
        cand = _at_least([t.slots for t in terms], need)
        if parsed.phrases:
            # Words of a quoted phrase are never optional, whatever the misses allowed.
            quoted = _phrase_words(parsed)
            for t in terms:
                if t.word in quoted:
                    cand &= t.exact
            norms = self._slot_norm
            cand = {s for s in cand if all(has_phrase(norms[s], p) for p in parsed.phrases)}
        if parsed.has_filters:
            allowed = self._post_filter(parsed)
            posts = self._slot_post
            cand = {s for s in cand if allowed(posts[s])}
        return cand

    def _post_filter(self, parsed: ParsedQuery) -> Callable[[int], bool]:
        """A memoized post_id -> bool for the query's source, date and exclusion filters."""
        excluded = self._excluded_posts(parsed)
        memo: dict[int, bool] = {}
        tz = self.tz

        def allowed(post_id: int) -> bool:
            ok = memo.get(post_id)
            if ok is not None:
                return ok
            post = self._posts.get(post_id)
            ok = post is not None and post_id not in excluded
            if ok and (parsed.sources or parsed.excluded_sources):
                key = _source_key(post.source)
                if parsed.sources and not any(key.startswith(s) for s in parsed.sources):
                    ok = False
                if any(key.startswith(s) for s in parsed.excluded_sources):
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

    def _excluded_posts(self, parsed: ParsedQuery) -> set[int]:
        """Posts holding an excluded word (any plural form) or an excluded phrase."""
        posts = self._slot_post
        out: set[int] = set()
        for word in parsed.excluded_words:
            out.update(posts[s] for s in self._term(word, fuzzy=False).exact)
        for phrase in parsed.excluded_phrases:
            sets = [self._term(w, fuzzy=False).exact for w in content_words(phrase)]
            for s in _at_least(sets, len(sets)):
                if has_phrase(self._slot_norm[s], phrase):
                    out.add(posts[s])
        return out

    def _shortlist(self, plan: Plan, cand: set[int], cap: int) -> tuple[list[int], bool]:
        """At most `cap` candidates to score, the likeliest first: titles with every query
        word, passages with every word at its best spelling, with every word, other titles,
        the rest; the newest within a tier. Returns (shortlist, whether it is complete)."""
        if len(cand) <= cap:
            return list(cand), True
        every = cand
        strongest = cand
        for t in plan.terms:
            if t.slots:
                every = every & t.slots
                strongest = strongest & _best_spelling(t)
        titles = self._titles
        chosen: set[int] = set()
        for tier in (every & titles, strongest, every, cand & titles, cand):
            room = cap - len(chosen)
            if room <= 0:
                break
            fresh = tier - chosen
            # Slots are numbered as posts arrive: the highest are the newest. (A C sort beats
            # heapq.nlargest once `room` is in the thousands.)
            chosen |= fresh if len(fresh) <= room else set(sorted(fresh)[-room:])
        return list(chosen), False

    # ----------------------------------------------------------------- search

    def search(self, query: str, *, limit: int = 5, offset: int = 0) -> SearchResponse:
        """Posts matching `query`, best first, one per post with its best passage."""
        parsed = parse_query(query)
        warnings = list(parsed.warnings)
        if parsed.empty:
            return SearchResponse(parsed.text, [], 0, warnings, empty_query=True)
        with self._lock:
            self._warn_sources(parsed, warnings)
            plan = self._plan(parsed)
            if not plan.terms:
                return SearchResponse(parsed.text, [], 0, warnings)
            cand = self._candidates(plan, parsed)
            score_of, cap = self._scorer(plan)
            shortlist, exhaustive = self._shortlist(plan, cand, cap)
            per_post: dict[int, list[tuple[float, int]]] = {}
            for slot in shortlist:
                score = score_of(slot)
                if score is not None and score >= MIN_SCORE:
                    per_post.setdefault(self._slot_post[slot], []).append((score, slot))
            ranked: list[tuple[float, int, int]] = []
            for post_id, scored in per_post.items():
                scored.sort(reverse=True)
                top, slot = scored[0]
                # More matching passages are more evidence, but never more than a title.
                bonus = min(3.0, float(len(scored) - 1))
                ranked.append((min(100.0, top + bonus), post_id, slot))
            # Equal scores: the newest post first.
            posts = self._posts
            ranked.sort(key=lambda r: (-r[0], -posts[r[1]].timestamp, -r[1]))
            page = ranked[max(0, offset) : max(0, offset) + max(0, limit)]
            hits = [self._hit(plan, score, post_id, slot) for score, post_id, slot in page]
        return SearchResponse(parsed.text, hits, len(ranked), warnings, exhaustive=exhaustive)

    def _warn_sources(self, parsed: ParsedQuery, warnings: list[QueryWarning]) -> None:
        keys = {_source_key(name) for name in self._sources}
        for wanted in parsed.sources + parsed.excluded_sources:
            if not any(k.startswith(wanted) for k in keys):
                warnings.append(QueryWarning("unknown_source", wanted))

    def _hit(self, plan: Plan, score: float, post_id: int, slot: int) -> SearchHit:
        post = self._posts[post_id]
        text = self._slot_text[slot].decode()
        snippet, match = cut_snippet(text, self._locate(plan, slot, text))
        return SearchHit(
            post_id=post_id,
            title=post.title,
            source=post.source,
            author=post.author,
            published=post.published,
            url=post.url,
            score=round(score, 1),
            snippet=snippet,
            match=match,
            kind=_KINDS[self._slot_kind[slot]],
            speaker=self._slot_speaker[slot],
        )

    def _score(self, plan: Plan, slot: int) -> float | None:
        """The full score of a slot: its text scanned for the query words."""
        return score_passage(plan, self._slot_norm[slot], title=self._slot_kind[slot] == _TITLE)

    def _scorer(self, plan: Plan) -> tuple[Callable[[int], float | None], int]:
        """How to score this query's candidates, and how many can be afforded.

        With one word and no phrase there is no proximity to measure: the score follows
        from which spelling of the word the postings say a slot holds, the same number
        `score_passage` would give without reading the text.
        """
        if len(plan.terms) != 1 or plan.phrases:
            return partial(self._score, plan), RERANK
        term = plan.terms[0]
        exact, fuzzy, titles = term.exact, term.fuzzy, self._titles

        def score(slot: int) -> float | None:
            if slot in exact:
                quality = 1.0
            else:
                quality = next((q for q, found in fuzzy if slot in found), 0.0)
                if not quality:
                    return None
            return one_word_score(quality, title=slot in titles)

        return score, RERANK_ONE_WORD

    def _locate(self, plan: Plan, slot: int, text: str) -> tuple[int, int] | None:
        """The match's offsets in the original `text` of a slot, for bolding."""
        norm = self._slot_norm[slot]
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

    # ----------------------------------------------------------------- quotes

    def quote(
        self, query: str, *, limit: int = 1, rng: random.Random | None = None
    ) -> QuoteResponse:
        """Passages matching `query`, the interviewee's words first; with no words, a random
        pull quote (drawn with `rng`)."""
        parsed = parse_query(query)
        warnings = list(parsed.warnings)
        with self._lock:
            self._warn_sources(parsed, warnings)
            if parsed.empty:
                hits = self._random_quotes(parsed, limit, rng or random.Random())
                return QuoteResponse(parsed.text, hits, warnings, empty_query=True, random=True)
            plan = self._plan(parsed)
            if not plan.terms:
                return QuoteResponse(parsed.text, [], warnings)
            cand = self._candidates(plan, parsed) - self._titles
            score_of, cap = self._scorer(plan)
            shortlist, _ = self._shortlist(plan, cand, cap)
            scored: list[tuple[float, int, int]] = []
            for slot in shortlist:
                score = score_of(slot)
                if score is None or score < MIN_SCORE:
                    continue
                kind = _KINDS[self._slot_kind[slot]]
                # Shorter passages quote better: a small nudge, never enough to beat a match.
                brevity = 2.0 if len(self._slot_text[slot]) < 400 else 0.0
                ranked = min(100.0, score + QUOTE_KIND_BONUS.get(kind, 0.0) + brevity)
                scored.append((ranked, -slot, slot))
            scored.sort(reverse=True)
            hits: list[QuoteHit] = []
            seen: set[str] = set()
            for score, _, slot in scored:
                text = self._slot_text[slot].decode()
                if text in seen:
                    continue
                seen.add(text)
                snippet, match = cut_snippet(text, self._locate(plan, slot, text), sentences=True)
                hits.append(self._quote_hit(slot, score, text, snippet, match))
                if len(hits) >= limit:
                    break
        return QuoteResponse(parsed.text, hits, warnings)

    def _random_quotes(self, parsed: ParsedQuery, limit: int, rng: random.Random) -> list[QuoteHit]:
        if self._quote_pool is None:
            pools: dict[int, list[int]] = {_KIND_CODE["pullquote"]: [], _KIND_CODE["answer"]: []}
            for slot, kind in enumerate(self._slot_kind):
                pool = pools.get(kind)
                if pool is not None and self._slot_post[slot] != _DEAD:
                    pool.append(slot)
            self._quote_pool = pools
        pools = self._quote_pool
        if parsed.has_filters:
            allowed = self._post_filter(parsed)
            pools = {k: [s for s in v if allowed(self._slot_post[s])] for k, v in pools.items()}
        # Pull quotes are chosen by the editors as quotable; answers only when there are none.
        pool = pools[_KIND_CODE["pullquote"]] or pools[_KIND_CODE["answer"]]
        chosen = rng.sample(pool, min(limit, len(pool))) if pool else []
        out = []
        for slot in chosen:
            text = self._slot_text[slot].decode()
            snippet, _ = cut_snippet(text, None, sentences=True)
            out.append(self._quote_hit(slot, 100.0, text, snippet, None))
        return out

    def _quote_hit(
        self,
        slot: int,
        score: float,
        text: str,
        snippet: str,
        match: tuple[int, int] | None,
    ) -> QuoteHit:
        post = self._posts[self._slot_post[slot]]
        return QuoteHit(
            text=text,
            speaker=self._slot_speaker[slot] or self._interviewee(post),
            kind=_KINDS[self._slot_kind[slot]],
            post_id=post.post_id,
            title=post.title,
            source=post.source,
            published=post.published,
            url=post.url,
            score=round(score, 1),
            snippet=snippet,
            match=match,
        )

    def _interviewee(self, post: _Post) -> str | None:
        """The only speaker of a post's answers, to attribute an unattributed pull quote."""
        speakers = {
            self._slot_speaker[s] for s in post.slots if self._slot_kind[s] == _KIND_CODE["answer"]
        }
        speakers.discard(None)
        return speakers.pop() if len(speakers) == 1 else None

    # ----------------------------------------------------------------- suggestions

    def suggest(self, query: str) -> str | None:
        """The query with each word unknown to the index replaced by its closest known word
        (the most used among equally close ones), or None when nothing would change."""
        with self._lock:
            changed = False
            out: list[str] = []
            for token in query.split():
                if ":" in token or token.startswith(("-", '"', "«", "“")):
                    out.append(token)
                    continue
                norm, _ = normalize_with_offsets(token)
                parts: list[str] = []
                last = 0
                for w, a, b in word_spans(norm):
                    parts.append(norm[last:a])
                    better = self._closest(w)
                    if better is not None:
                        changed = True
                        parts.append(better)
                    else:
                        parts.append(w)
                    last = b
                parts.append(norm[last:])
                rebuilt = "".join(parts)
                out.append(rebuilt if rebuilt != norm else token)
            return " ".join(out) if changed else None

    def _closest(self, word: str) -> str | None:
        if word in STOP_WORDS or any(f in self._postings for f in _plural_forms(word)):
            return None
        edits = max_edits(word)
        near = self._near(word, edits) if edits else []
        if not near:
            return None
        closest = near[0][1]
        ties = [w for w, d in near if d == closest]
        return max(ties, key=lambda w: (len(self._postings[w]), w))

    # ----------------------------------------------------------------- persistence

    def save(self, path: Path, *, stamp: str | None = None) -> None:
        """Write the index to `path` atomically; `stamp` (e.g. a store version) is kept so
        `load` can tell a stale file."""
        with self._lock:
            vocab = list(self._postings)
            flat = array("I")
            bounds = array("Q", [0])
            for w in vocab:
                flat.extend(self._postings[w])
                bounds.append(len(flat))
            posts = [
                (
                    p.post_id,
                    p.source,
                    p.title,
                    p.author,
                    p.published.isoformat() if p.published else None,
                    p.url,
                    list(p.slots),
                )
                for p in self._posts.values()
            ]
            state = {
                "version": _VERSION,
                "stamp": stamp,
                "slot_post": self._slot_post.tobytes(),
                "slot_kind": bytes(self._slot_kind),
                "slot_speaker": self._slot_speaker,
                "slot_text": self._slot_text,
                "slot_norm": self._slot_norm,
                "dead": sorted(self._dead),
                "posts": posts,
                "passages": self._passages,
                "vocab": "\n".join(vocab),
                "flat": flat.tobytes(),
                "bounds": bounds.tobytes(),
            }
            data = marshal.dumps(state)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "wb") as f:
            f.write(_FORMAT + b"\n")
            f.write(data)
        os.replace(tmp, path)

    @classmethod
    def load(
        cls, path: Path, *, stamp: str | None = None, tz: tzinfo | None = None
    ) -> SearchIndex | None:
        """The index saved at `path`, or None when missing, corrupt, of another format
        version, or saved with another `stamp` (when one is given)."""
        try:
            raw = Path(path).read_bytes()
            header = _FORMAT + b"\n"
            if not raw.startswith(header):
                return None
            # marshal, not pickle: a tampered file can fail to load but cannot run code.
            state = marshal.loads(raw[len(header) :])
            if not isinstance(state, dict) or state.get("version") != _VERSION:
                return None
            if stamp is not None and state.get("stamp") != stamp:
                return None
            return cls._from_state(state, tz)
        except Exception:  # any unreadable file just means "rebuild from the store"
            return None

    @classmethod
    def _from_state(cls, state: dict, tz: tzinfo | None) -> SearchIndex:
        index = cls(tz=tz)
        index._slot_post = array("q")
        index._slot_post.frombytes(state["slot_post"])
        index._slot_kind = bytearray(state["slot_kind"])
        index._slot_speaker = list(state["slot_speaker"])
        index._slot_text = list(state["slot_text"])
        index._slot_norm = list(state["slot_norm"])
        n = len(index._slot_post)
        columns = (index._slot_kind, index._slot_speaker, index._slot_text, index._slot_norm)
        if any(len(c) != n for c in columns):
            raise ValueError("columns of different lengths")
        index._dead = set(state["dead"])
        index._titles = {
            slot
            for slot, kind in enumerate(index._slot_kind)
            if kind == _TITLE and slot not in index._dead
        }
        for post_id, source, title, author, published, url, slots in state["posts"]:
            when = datetime.fromisoformat(published) if published else None
            index._posts[post_id] = _Post(post_id, source, title, author, when, url, tuple(slots))
            index._sources[source] += 1
        index._passages = int(state["passages"])
        vocab = state["vocab"].split("\n") if state["vocab"] else []
        flat = array("I")
        flat.frombytes(state["flat"])
        bounds = array("Q")
        bounds.frombytes(state["bounds"])
        if len(bounds) != len(vocab) + 1 or (bounds and bounds[-1] != len(flat)):
            raise ValueError("postings do not match the vocabulary")
        postings = index._postings
        for i, w in enumerate(vocab):
            postings[w] = flat[bounds[i] : bounds[i + 1]]
            index._bucket(w)
        return index


# --------------------------------------------------------------------- helpers


_source_key = lru_cache(maxsize=4096)(source_key)


def _phrase_words(parsed: ParsedQuery) -> list[str]:
    return list(dict.fromkeys(w for p in parsed.phrases for w in p if w not in STOP_WORDS))


def _at_least(sets: list[set[int]], need: int) -> set[int]:
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


def _best_spelling(term: Term) -> set[int]:
    """Slots holding the term exactly, else its closest near spellings (ties together)."""
    if term.exact or not term.fuzzy:
        return term.exact
    top = term.fuzzy[0][0]
    return set().union(*(found for q, found in term.fuzzy if q == top))


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
