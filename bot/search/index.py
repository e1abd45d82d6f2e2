"""SearchIndex: passages indexed from posts, kept up to date, answering search, quote, suggest."""

from __future__ import annotations

import random
import threading
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, tzinfo
from functools import partial
from pathlib import Path

from bot.models import IndexedPost
from bot.names import Catalogue, catalogue
from bot.search.candidates import (
    excluded_posts,
    matching_slots,
    phrase_words,
    post_filter,
    source_warnings,
)
from bot.search.highlight import locate
from bot.search.persistence import encode_index, read_index, write_index
from bot.search.query import ParsedQuery, parse_query
from bot.search.quotes import best_quotes, quote_pools, random_quotes
from bot.search.ranking import Plan, Term
from bot.search.results import QuoteHit, QuoteResponse, SearchHit, SearchResponse
from bot.search.scoring import Scorer, plan_query, rank_posts, score_slot, shortlist, slot_scorer
from bot.search.slots import KIND_CODE, KINDS, TITLE, Columns, PostRecord
from bot.search.snippet import cut_snippet
from bot.search.vocabulary import NearSpellings, closest_word, resolve_term, respell
from bot.text import STOP_WORDS, words

_TERM_CACHE = 512  # resolved query words kept until the next update


class SearchIndex:
    """An in-memory inverted index of passages with fuzzy query expansion."""

    def __init__(self, *, tz: tzinfo | None = None) -> None:
        self.tz = tz or UTC
        self._lock = threading.RLock()
        self._slots = Columns()  # one slot per passage, titles included (kind code TITLE)
        self._dead: set[int] = set()
        self._posts: dict[int, PostRecord] = {}
        self._postings: dict[str, array[int]] = {}
        self._spellings = NearSpellings()
        self._terms: dict[tuple[str, bool], Term] = {}
        self._sources: Counter[str] = Counter()
        self._source_urls: dict[str, str | None] = {}  # for source: by domain
        self._catalogue: dict[str, frozenset[str]] | None = None
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
            self._catalogue = None
            if len(self._dead) > 1000 and len(self._dead) > len(self._slots) // 4:
                self._compact()

    def set_source_urls(self, urls: Mapping[str, str | None]) -> None:
        """Each source's polled URL (from the store), so `source:` also knows its domain."""
        with self._lock:
            if urls != self._source_urls:
                self._source_urls = dict(urls)
                self._catalogue = None

    def _source_catalogue(self) -> Catalogue:
        """Each indexed source's name with its aliases (built once per change)."""
        if self._catalogue is None:
            urls = self._source_urls
            self._catalogue = catalogue((name, urls.get(name)) for name in self._sources)
        return self._catalogue

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
            slot = self._add_slot(post.post_id, TITLE, None, post.title, post.title_norm)
            self._titles.add(slot)
            slots.append(slot)
        for passage in post.passages:
            code = KIND_CODE.get(passage.kind, KIND_CODE["paragraph"])
            slots.append(
                self._add_slot(post.post_id, code, passage.speaker, passage.text, passage.norm)
            )
            self._passages += 1
        self._posts[post.post_id] = PostRecord(
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
        slot = self._slots.append(post_id, kind, speaker, text, norm)
        postings = self._postings
        for word in set(words(norm)):
            if word in STOP_WORDS:
                continue
            posting = postings.get(word)
            if posting is None:
                posting = postings[word] = array("I")
                self._spellings.add(word)
            posting.append(slot)
        return slot

    def _remove(self, post_id: int) -> None:
        post = self._posts.pop(post_id, None)
        if post is None:
            return
        self._sources[post.source] -= 1
        if self._sources[post.source] <= 0:
            del self._sources[post.source]
        # Postings keep dead slots (cheap appends, no rewrites); queries skip them.
        for slot in post.slots:
            if self._slots.kind[slot] != TITLE:
                self._passages -= 1
            self._slots.clear(slot)
            self._dead.add(slot)
            self._titles.discard(slot)

    def _compact(self) -> None:
        """Rebuild without dead slots once they are a quarter of the index."""
        fresh = SearchIndex(tz=self.tz)
        old = self._slots
        for post in self._posts.values():
            slots = []
            for slot in post.slots:
                kind = old.kind[slot]
                new = fresh._add_slot(
                    post.post_id, kind, old.speaker[slot], old.text[slot].decode(), old.norm[slot]
                )
                if kind == TITLE:
                    fresh._titles.add(new)
                slots.append(new)
            fresh._posts[post.post_id] = replace(post, slots=tuple(slots))
        # Sources and the passage count are unchanged; caches were cleared by `update`.
        self._slots, self._dead, self._titles = fresh._slots, fresh._dead, fresh._titles
        self._posts, self._postings = fresh._posts, fresh._postings
        self._spellings = fresh._spellings

    # ----------------------------------------------------------------- query words

    def _term(self, word: str, fuzzy: bool = True) -> Term:
        """Resolve one query word (cached until the next update)."""
        key = (word, fuzzy)
        term = self._terms.get(key)
        if term is not None:
            return term
        term = resolve_term(word, self._postings, self._spellings, self._dead, fuzzy=fuzzy)
        if len(self._terms) >= _TERM_CACHE:
            self._terms.clear()
        self._terms[key] = term
        return term

    def _plan(self, parsed: ParsedQuery) -> Plan:
        """Resolve a parsed query's words into weighted terms, phrase words exact only."""
        terms = [self._term(word, fuzzy=True) for word in parsed.terms]
        for word in phrase_words(parsed):
            if all(t.word != word for t in terms):
                terms.append(self._term(word, fuzzy=False))
        live = max(1, len(self._slots) - len(self._dead))
        return plan_query(terms, parsed, live)

    # ----------------------------------------------------------------- candidates

    def _candidates(self, plan: Plan, parsed: ParsedQuery) -> set[int]:
        """Slots holding enough query words, narrowed by phrases and filters."""
        cand = matching_slots(plan, parsed, self._slots.norm)
        if parsed.has_filters:
            allowed = self._post_filter(parsed)
            slot_post = self._slots.post
            cand = {s for s in cand if allowed(slot_post[s])}
        return cand

    def _post_filter(self, parsed: ParsedQuery) -> Callable[[int], bool]:
        """A memoized post_id -> bool for the query's source, date and exclusion filters."""
        exact_term = partial(self._term, fuzzy=False)
        excluded = excluded_posts(parsed, exact_term, self._slots.post, self._slots.norm)
        return post_filter(parsed, self._posts, excluded, self.tz, self._source_catalogue())

    # ----------------------------------------------------------------- search

    def search(self, query: str, *, limit: int = 5, offset: int = 0) -> SearchResponse:
        """Posts matching `query`, best first, one per post with its best passage."""
        parsed = parse_query(query)
        warnings = list(parsed.warnings)
        if parsed.empty:
            return SearchResponse(parsed.text, [], 0, warnings, empty_query=True)
        with self._lock:
            warnings += source_warnings(parsed, self._source_catalogue())
            plan = self._plan(parsed)
            if not plan.terms:
                return SearchResponse(parsed.text, [], 0, warnings)
            cand = self._candidates(plan, parsed)
            score_of, cap = self._scorer(plan)
            slots, exhaustive = shortlist(plan, cand, cap, self._titles)
            ranked = rank_posts(slots, score_of, self._slots.post, self._posts)
            page = ranked[max(0, offset) : max(0, offset) + max(0, limit)]
            hits = [self._hit(plan, score, post_id, slot) for score, post_id, slot in page]
        return SearchResponse(parsed.text, hits, len(ranked), warnings, exhaustive=exhaustive)

    def _hit(self, plan: Plan, score: float, post_id: int, slot: int) -> SearchHit:
        post = self._posts[post_id]
        text = self._slots.text[slot].decode()
        snippet, match = cut_snippet(text, locate(plan, self._slots.norm[slot], text))
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
            kind=KINDS[self._slots.kind[slot]],
            speaker=self._slots.speaker[slot],
        )

    def _score(self, plan: Plan, slot: int) -> float | None:
        """The full score of a slot: its text scanned for the query words."""
        return score_slot(plan, self._slots.norm, self._slots.kind, slot)

    def _scorer(self, plan: Plan) -> tuple[Scorer, int]:
        """How to score this query's candidates, and how many can be afforded."""
        return slot_scorer(plan, self._slots.norm, self._slots.kind, self._titles)

    # ----------------------------------------------------------------- quotes

    def quote(
        self, query: str, *, limit: int = 1, rng: random.Random | None = None
    ) -> QuoteResponse:
        """Passages matching `query`, the interviewee's words first; with no words, a random
        pull quote (drawn with `rng`)."""
        parsed = parse_query(query)
        warnings = list(parsed.warnings)
        with self._lock:
            warnings += source_warnings(parsed, self._source_catalogue())
            if parsed.empty:
                hits = self._random_quotes(parsed, limit, rng or random.Random())
                return QuoteResponse(parsed.text, hits, warnings, empty_query=True, random=True)
            plan = self._plan(parsed)
            if not plan.terms:
                return QuoteResponse(parsed.text, [], warnings)
            cand = self._candidates(plan, parsed) - self._titles
            score_of, cap = self._scorer(plan)
            slots, _ = shortlist(plan, cand, cap, self._titles)
            hits = best_quotes(plan, slots, score_of, limit, self._slots, self._posts)
        return QuoteResponse(parsed.text, hits, warnings)

    def _random_quotes(self, parsed: ParsedQuery, limit: int, rng: random.Random) -> list[QuoteHit]:
        if self._quote_pool is None:
            self._quote_pool = quote_pools(self._slots)
        allowed = self._post_filter(parsed) if parsed.has_filters else None
        return random_quotes(self._quote_pool, allowed, limit, rng, self._slots, self._posts)

    # ----------------------------------------------------------------- suggestions

    def suggest(self, query: str) -> str | None:
        """The query with each word unknown to the index replaced by its closest known word
        (the most used among equally close ones), or None when nothing would change."""
        with self._lock:
            return respell(query, lambda w: closest_word(w, self._postings, self._spellings))

    # ----------------------------------------------------------------- persistence

    def save(self, path: Path, *, stamp: str | None = None) -> None:
        """Write the index to `path` atomically; `stamp` (e.g. a store version) is kept so
        `load` can tell a stale file."""
        with self._lock:
            data = encode_index(
                stamp=stamp,
                columns=self._slots,
                dead=self._dead,
                posts=self._posts.values(),
                passages=self._passages,
                postings=self._postings,
            )
        write_index(path, data)

    @classmethod
    def load(
        cls, path: Path, *, stamp: str | None = None, tz: tzinfo | None = None
    ) -> SearchIndex | None:
        """The index saved at `path`, or None when missing, corrupt, of another format
        version, or saved with another `stamp` (when one is given)."""
        loaded = read_index(path, stamp)
        if loaded is None:
            return None
        index = cls(tz=tz)
        index._slots, index._dead, index._titles = loaded.columns, loaded.dead, loaded.titles
        index._posts, index._sources = loaded.posts, loaded.sources
        index._postings, index._spellings = loaded.postings, loaded.spellings
        index._passages = loaded.passages
        return index
