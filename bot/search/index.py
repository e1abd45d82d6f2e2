"""SearchIndex: passages indexed from posts in a file of their own, answering search, quote
and suggest, and kept up to date in place."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, tzinfo
from pathlib import Path

import numpy as np

from bot.models import IndexedPost
from bot.names import Catalogue, catalogue
from bot.search.abbreviations import widen
from bot.search.blocks import MAX_RESULTS, query_blocks, results
from bot.search.contents import Contents
from bot.search.hits import search_hits
from bot.search.index_file import IndexFile, PostRecord
from bot.search.post_ranking import Ranked, rank_posts
from bot.search.query import ParsedQuery, parse_query
from bot.search.query_filters import (
    allowed_posts,
    excluded_posts,
    phrase_slots,
    phrase_words,
    source_warnings,
)
from bot.search.quotes import QUOTE_CANDIDATES, QuoteView, best_quotes, random_quotes
from bot.search.resolved import ResolvedQuery, Term, resolve_query
from bot.search.results import QuoteHit, QuoteResponse, SearchResponse
from bot.search.shortlist import Evidence, gather, shortlist
from bot.search.tally import FIELD_WEIGHT, Shared, ShortlistView
from bot.search.vocabulary import closest_word, resolve_term, respell

# Resolved query words are kept until the next update, within this much memory.
_TERM_CACHE_BYTES = 64 << 20
_FIELD_OF_KIND = {code: code + 1 for code in range(1, 5)}  # paragraph.. -> field 2..5


class SearchIndex:
    """An inverted index of passages on disk (or in memory), with fuzzy query expansion."""

    def __init__(self, file: IndexFile, *, tz: tzinfo | None = None) -> None:
        self.tz = tz or UTC
        self._lock = threading.RLock()
        self._c = Contents(file)
        self._terms: dict[tuple[str, bool], Term] = {}
        self._terms_bytes = 0
        self._source_urls: dict[str, str | None] = {}  # for source: by domain
        self._catalogue: dict[str, frozenset[str]] | None = None
        self._view: ShortlistView | None = None  # what the shortlist reads, until an update

    # ----------------------------------------------------------------- opening

    @classmethod
    def build(
        cls, posts: Iterable[IndexedPost], *, tz: tzinfo | None = None, path: Path | None = None
    ) -> SearchIndex:
        """A new index of `posts` (deleted or empty ones skipped), in a new file at `path`
        (replacing any) or in memory."""
        if path is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        file = IndexFile(path)
        index = cls(file, tz=tz)
        with file.bulk():
            index.update(posts)
        return index

    @classmethod
    def open(cls, path: Path, *, tz: tzinfo | None = None) -> SearchIndex | None:
        """The index in the file at `path`, or None when missing, corrupt or of another
        format version."""
        if not Path(path).exists():
            return None
        try:
            file = IndexFile(path)
        except Exception:  # any unreadable file just means "rebuild from the store"
            return None
        index = cls(file, tz=tz)
        try:
            index._c.load()
        except Exception:
            file.close()
            return None
        return index

    def close(self) -> None:
        """Close the index's file."""
        with self._lock:
            self._c.file.close()

    @property
    def stamp(self) -> str | None:
        """What the last update was stamped with (e.g. a store position)."""
        with self._lock:
            return self._c.file.meta("stamp")

    def __len__(self) -> int:
        """The number of searchable passages, titles not counted."""
        return self._c.passages

    @property
    def post_count(self) -> int:
        """The number of posts in the index."""
        return len(self._c.post_no)

    def warm(self) -> None:
        """Compute now what the first query would (slot arrays, the sources' aliases, the
        sorted vocabulary), so that it pays no more than the next one."""
        with self._lock:
            self._c.live_count()
            self._shortlist_view()
            self._source_catalogue()
            self._c.endings("a", 0)

    # ----------------------------------------------------------------- updating

    def update(self, posts: Iterable[IndexedPost], *, stamp: str | None = None) -> None:
        """Add posts, replace those with a known post_id, remove deleted or emptied ones;
        written in one transaction with `stamp`."""
        with self._lock:
            self._terms.clear()
            self._terms_bytes = 0
            self._catalogue = None
            self._view = None
            try:
                self._c.update(posts, stamp)
            except BaseException:
                # The file was rolled back: what is in memory must follow it.
                self._c.load()
                raise

    # ----------------------------------------------------------------- query words

    def _term(self, word: str, fuzzy: bool = True) -> Term:
        """Resolve one query word (cached until the next update)."""
        key = (word, fuzzy)
        term = self._terms.get(key)
        if term is None:
            term = resolve_term(word, self._c, fuzzy=fuzzy)
            if self._terms_bytes + term.nbytes > _TERM_CACHE_BYTES:
                self._terms.clear()
                self._terms_bytes = 0
            self._terms[key] = term
            self._terms_bytes += term.nbytes
        return term

    def _resolve(self, parsed: ParsedQuery) -> ResolvedQuery:
        """Resolve a parsed query's words into weighted terms, phrase words exact only."""
        terms = [self._term(word, fuzzy=True) for word in parsed.terms]
        # « IA » meets « intelligence artificielle », and back.
        terms = widen(terms, lambda word: self._term(word, fuzzy=False))
        for word in phrase_words(parsed):
            if all(t.word != word for t in terms):
                terms.append(self._term(word, fuzzy=False))
        return resolve_query(terms, parsed, max(1, self._c.live_count()))

    def _exact(self, word: str) -> np.ndarray:
        # Without near spellings, a word's slots are those of its plural forms.
        return self._term(word, fuzzy=False).slots

    def _allowed(self, parsed: ParsedQuery) -> np.ndarray:
        """By post_no: live posts that pass the query's filters and quoted phrases."""
        excluded = np.empty(0, dtype=np.int64)
        if parsed.excluded_words or parsed.excluded_phrases:
            excluded = excluded_posts(parsed, self._exact, self._c.slot_post.values, self._texts)
        allowed = allowed_posts(
            parsed,
            self._c.post_alive.values,
            self._c.post_src.values,
            self._c.post_ts.values,
            self._c.source_names,
            self._source_catalogue(),
            self.tz,
            excluded,
        )
        for phrase in parsed.phrases:
            held = np.zeros_like(allowed)
            held[self._c.slot_post.values[phrase_slots(phrase, self._exact, self._texts)]] = True
            allowed &= held
        return allowed

    def _texts(self, slots: list[int]) -> dict[int, tuple[str | None, str]]:
        return self._c.file.texts(slots)

    # ----------------------------------------------------------------- search

    def search(self, query: str, *, limit: int = 5, offset: int = 0) -> SearchResponse:
        """Posts matching `query`, best first, one per post with its best passages: the
        slice offset..offset+limit of one list, the same whichever page is asked first, and
        MAX_RESULTS long at most."""
        parsed = parse_query(query)
        warnings = list(parsed.warnings)
        if parsed.empty:
            return SearchResponse(parsed.text, [], 0, warnings, empty_query=True)
        offset, limit = max(0, offset), max(0, limit)
        with self._lock:
            if parsed.sources or parsed.excluded_sources:
                warnings += source_warnings(parsed, self._source_catalogue())
            resolved = self._resolve(parsed)
            if not resolved.terms:
                return SearchResponse(parsed.text, [], 0, warnings)
            shared = Shared()  # what the subsets of its words, if searched, read again
            live = max(1, self._c.live_count())
            blocks = query_blocks(
                resolved, parsed, live, lambda q, n: self._ranked(q, parsed, n, shared)
            )
            # One post more than the page: whether a next page exists.
            found, exhaustive = results(blocks, min(offset + limit + 1, MAX_RESULTS))
            if len(found) > MAX_RESULTS:
                found, exhaustive = found[:MAX_RESULTS], False
            hits = search_hits(resolved, found[offset : offset + limit], query, self._c)
        return SearchResponse(parsed.text, hits, len(found), warnings, exhaustive=exhaustive)

    def _ranked(
        self, resolved: ResolvedQuery, parsed: ParsedQuery, k: int, shared: Shared
    ) -> tuple[Evidence, list[Ranked]]:
        ev = self._evidence(resolved, parsed, k, shared)
        short = shortlist(ev, k, self._c.post_ts.values)
        ranked = rank_posts(
            resolved,
            short,
            ev,
            self._c.post_first.values,
            self._c.post_len.values,
            self._c.slot_field.values,
            self._texts,
        )
        return ev, ranked

    def _evidence(
        self,
        resolved: ResolvedQuery,
        parsed: ParsedQuery,
        k: int,
        shared: Shared | None = None,
        *,
        headed: bool = True,
    ) -> Evidence:
        # Dead slots are out of the postings already: only filters need a mask.
        allowed = None
        if parsed.has_filters or parsed.phrases:
            # The same filters for every subset of the query's words: computed once.
            allowed = shared.allowed if shared and shared.allowed is not None else None
            allowed = self._allowed(parsed) if allowed is None else allowed
            if shared is not None:
                shared.allowed = allowed
        return gather(resolved, self._shortlist_view(), allowed, k, shared, headed=headed)

    def _shortlist_view(self) -> ShortlistView:
        """The columns the shortlist reads, bundled once until the next update."""
        if self._view is None:
            self._view = ShortlistView(
                slot_post=self._c.slot_posts(),
                slot_field=self._c.slot_field.values,
                slot_weight=self._c.slot_weights(FIELD_WEIGHT),
                post_first=self._c.post_first.values,
                post_len=self._c.post_len.values,
            )
        return self._view

    def _records(self, post_nos: list[int]) -> dict[int, PostRecord]:
        return self._c.file.post_records(post_nos)

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
            self._catalogue = catalogue((name, urls.get(name)) for name in self._live_sources())
        return self._catalogue

    def _live_sources(self) -> list[str]:
        alive = self._c.post_alive.values.astype(bool)
        used = np.unique(self._c.post_src.values[alive])
        return [self._c.source_names[int(c)] for c in used]

    # ----------------------------------------------------------------- quotes

    def quote(
        self, query: str, *, limit: int = 1, rng: random.Random | None = None
    ) -> QuoteResponse:
        """Passages matching `query`, the interviewee's words first; with no words, a random
        pull quote (drawn with `rng`)."""
        parsed = parse_query(query)
        warnings = list(parsed.warnings)
        with self._lock:
            if parsed.sources or parsed.excluded_sources:
                warnings += source_warnings(parsed, self._source_catalogue())
            if parsed.empty:
                hits = self._random_quotes(parsed, limit, rng or random.Random())
                return QuoteResponse(parsed.text, hits, warnings, empty_query=True, random=True)
            resolved = self._resolve(parsed)
            if not resolved.terms:
                return QuoteResponse(parsed.text, [], warnings)
            # A quote is a passage alone: its post's title does not speak in it.
            ev = self._evidence(resolved, parsed, QUOTE_CANDIDATES, headed=False)
            hits = best_quotes(resolved, ev, limit, self._quote_view())
        return QuoteResponse(parsed.text, hits, warnings)

    def _quote_view(self) -> QuoteView:
        return QuoteView(
            slot_post=self._c.slot_post.values,
            slot_kind=self._c.slot_kind.values,
            post_first=self._c.post_first.values,
            post_len=self._c.post_len.values,
            texts=self._texts,
            records=self._records,
        )

    def _random_quotes(self, parsed: ParsedQuery, limit: int, rng: random.Random) -> list[QuoteHit]:
        allowed = (
            self._allowed(parsed) if parsed.has_filters else self._c.post_alive.values.astype(bool)
        )
        return random_quotes(allowed, limit, rng, self._quote_view())

    # ----------------------------------------------------------------- suggestions

    def suggest(self, query: str) -> str | None:
        """The query with each word unknown to the index replaced by its closest known word
        (the most used among equally close ones), or None when nothing would change or the
        respelled query would find nothing either."""
        with self._lock:
            respelled = respell(query, lambda w: closest_word(w, self._c))
            if respelled is None or not self.search(respelled, limit=1).hits:
                return None
            return respelled
