"""SearchIndex: passages indexed from posts in a file of their own, answering search, quote
and suggest, and kept up to date in place."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from functools import partial
from pathlib import Path

import numpy as np

from bot.models import IndexedPost
from bot.names import Catalogue, catalogue
from bot.search.candidates import (
    allowed_posts,
    excluded_posts,
    phrase_slots,
    phrase_words,
    source_warnings,
)
from bot.search.columns import Column
from bot.search.highlight import hit_snippet
from bot.search.query import ParsedQuery, parse_query
from bot.search.quotes import QUOTE_CANDIDATES, QuoteView, best_quotes, random_quotes
from bot.search.ranking import Plan, Term
from bot.search.results import QuoteHit, QuoteResponse, SearchHit, SearchResponse
from bot.search.retrieval import LEAD_FIELD, TITLE_FIELD, Evidence, gather, shortlist
from bot.search.scoring import SHORTLIST, Ranked, plan_query, rank_posts
from bot.search.slots import KIND_CODE, KINDS, TITLE, PostRecord
from bot.search.storage import PARTS_BEFORE_MERGE, Storage
from bot.search.tokens import batch_postings
from bot.search.vocabulary import NearSpellings, closest_word, resolve_term, respell

_TERM_CACHE = 512  # resolved query words kept until the next update
_BATCH_SLOTS = 200_000  # slots tokenized before their postings are written out
_FIELD_OF_KIND = {code: code + 1 for code in range(1, 5)}  # paragraph.. -> field 2..5


class SearchIndex:
    """An inverted index of passages on disk (or in memory), with fuzzy query expansion."""

    def __init__(self, storage: Storage, *, tz: tzinfo | None = None) -> None:
        self.tz = tz or UTC
        self._lock = threading.RLock()
        self._db = storage
        self._reset()

    def _reset(self) -> None:
        """Empty in-memory state, as for an empty file."""
        self._slot_post = Column("slot_post", "u4")
        self._slot_kind = Column("slot_kind", "u1")
        self._slot_field = Column("slot_field", "u1")
        self._post_id = Column("post_id", "i8")
        self._post_src = Column("post_src", "u2")
        self._post_ts = Column("post_ts", "f8", fill=np.nan)
        self._post_first = Column("post_first", "u4")
        self._post_len = Column("post_len", "u4")
        self._post_alive = Column("post_alive", "u1")
        self._columns = (
            *(self._slot_post, self._slot_kind, self._slot_field, self._post_id),
            *(self._post_src, self._post_ts, self._post_first, self._post_len, self._post_alive),
        )
        self._post_no: dict[int, int] = {}  # post_id -> post_no of the live posts
        self._source_names: list[str] = []
        self._source_code: dict[str, int] = {}
        self._vocab: dict[str, list[int]] = {}  # word -> [passages when added, parts]
        self._spellings = NearSpellings()
        self._terms: dict[tuple[str, bool], Term] = {}
        self._source_urls: dict[str, str | None] = {}  # for source: by domain
        self._catalogue: dict[str, frozenset[str]] | None = None
        self._live: np.ndarray | None = None  # by slot: its post is live
        self._live_count: int | None = None
        self._passages = 0
        self._generation = 0  # updates written to the file, by any process

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
        index = cls(Storage(path), tz=tz)
        index.update(posts)
        return index

    @classmethod
    def open(cls, path: Path, *, tz: tzinfo | None = None) -> SearchIndex | None:
        """The index in the file at `path`, or None when missing, corrupt or of another
        format version."""
        if not Path(path).exists():
            return None
        try:
            storage = Storage(path)
        except Exception:  # any unreadable file just means "rebuild from the store"
            return None
        index = cls(storage, tz=tz)
        try:
            index._load()
        except Exception:
            storage.close()
            return None
        return index

    def _load(self) -> None:
        """Read what is kept in memory back from the file; raises when it does not fit."""
        self._reset()
        db = self._db
        self._generation = int(db.meta_json("generation", 0))
        db.load_columns(self._columns)
        n_slots, n_posts = self._slot_post.size, self._post_id.size
        if {self._slot_kind.size, self._slot_field.size} != {n_slots} or {
            c.size for c in self._columns[3:]
        } != {n_posts}:
            raise ValueError("columns of different lengths")
        self._source_names = list(db.meta_json("sources", []))
        self._source_code = {name: i for i, name in enumerate(self._source_names)}
        alive = np.flatnonzero(self._post_alive.values)
        self._post_no = dict(zip(self._post_id.values[alive].tolist(), alive.tolist(), strict=True))
        self._passages = int(db.meta_json("passages", 0))
        for word, used, parts in db.vocabulary():
            self._vocab[word] = [used, parts]
            self._spellings.add(word)
        if n_slots and int(self._slot_post.values.max()) >= n_posts:
            raise ValueError("a slot points past the posts")

    def close(self) -> None:
        """Close the index's file."""
        with self._lock:
            self._db.close()

    @property
    def stamp(self) -> str | None:
        """What the last update was stamped with (e.g. a store position)."""
        with self._lock:
            return self._db.meta("stamp")

    def __len__(self) -> int:
        """The number of searchable passages, titles not counted."""
        return self._passages

    @property
    def post_count(self) -> int:
        """The number of posts in the index."""
        return len(self._post_no)

    # ----------------------------------------------------------------- updating

    def update(self, posts: Iterable[IndexedPost], *, stamp: str | None = None) -> None:
        """Add posts, replace those with a known post_id, remove deleted or emptied ones;
        written in one transaction with `stamp`."""
        with self._lock:
            try:
                self._update(posts, stamp)
            except BaseException:
                # The file was rolled back: what is in memory must follow it.
                self._load()
                raise

    def _update(self, posts: Iterable[IndexedPost], stamp: str | None) -> None:
        with self._db.transaction():
            if int(self._db.meta_json("generation", 0)) != self._generation:
                self._load()  # another process wrote the file since: start from its state
            pending: list[IndexedPost] = []
            size = 0
            for post in posts:
                pending.append(post)
                size += len(post.passages) + 1
                if size >= _BATCH_SLOTS:
                    self._apply(pending)
                    pending, size = [], 0
            self._apply(pending)
            self._db.save_columns(self._columns)
            self._db.set_meta(sources=self._source_names, passages=self._passages)
            self._generation += 1
            self._db.set_meta(generation=self._generation)
            if stamp is not None:
                self._db.set_meta(stamp=stamp)
            self._terms.clear()
            self._catalogue = None
            self._live = self._live_count = None

    def _apply(self, posts: list[IndexedPost]) -> None:
        """Apply one batch of changes (inside the update's transaction)."""
        removed = [self._remove(post.post_id) for post in posts]
        removed_nos = [no for no in removed if no is not None]
        if removed_nos:
            ranges = [
                (
                    int(self._post_first.values[no]),
                    int(self._post_first.values[no] + self._post_len.values[no]),
                )
                for no in removed_nos
            ]
            self._db.remove_posts(removed_nos, ranges)
        first_slot = self._slot_post.size
        norms: list[str] = []
        rows, texts = [], []
        for post in posts:
            if post.deleted or (not post.passages and not post.title_norm.strip()):
                continue
            rows.append(self._add(post, norms, texts))
        self._db.add_posts(rows, texts)
        arrays = batch_postings(norms, first_slot)
        for word in arrays:
            if word not in self._vocab:
                self._spellings.add(word)
        self._db.add_postings(arrays, self._vocab)
        crowded = [w for w in arrays if self._vocab[w][1] > PARTS_BEFORE_MERGE]
        if crowded:
            live = self._live_slots()
            for word in crowded:
                self._db.merge_postings(word, live, self._vocab)

    def _add(self, post: IndexedPost, norms: list[str], texts: list) -> tuple:
        first = self._slot_post.size
        no = self._post_id.size
        entries: list[tuple[int, int, str | None, str, str]] = []
        if post.title_norm.strip():
            entries.append((TITLE, TITLE_FIELD, None, post.title, post.title_norm))
        for i, passage in enumerate(post.passages):
            code = KIND_CODE.get(passage.kind, KIND_CODE["paragraph"])
            field = LEAD_FIELD if i == 0 else _FIELD_OF_KIND[code]
            entries.append((code, field, passage.speaker, passage.text, passage.norm))
        self._passages += len(post.passages)
        for offset, (_, _, speaker, text, norm) in enumerate(entries):
            texts.append((first + offset, speaker, text))
            norms.append(norm)
        self._slot_post.append([no] * len(entries))
        self._slot_kind.append([e[0] for e in entries])
        self._slot_field.append([e[1] for e in entries])
        code = self._source_code.get(post.source)
        if code is None:
            code = self._source_code[post.source] = len(self._source_names)
            self._source_names.append(post.source)
        self._post_id.append([post.post_id])
        self._post_src.append([code])
        self._post_ts.append([_timestamp(post.published)])
        self._post_first.append([first])
        self._post_len.append([len(entries)])
        self._post_alive.append([1])
        self._post_no[post.post_id] = no
        published = post.published.isoformat() if post.published else None
        return (no, post.post_id, post.source, post.title, post.author, published, post.url)

    def _remove(self, post_id: int) -> int | None:
        no = self._post_no.pop(post_id, None)
        if no is None:
            return None
        self._post_alive.set([no], 0)
        first, count = int(self._post_first.values[no]), int(self._post_len.values[no])
        titles = int(
            np.count_nonzero(self._slot_field.values[first : first + count] == TITLE_FIELD)
        )
        self._passages -= count - titles
        self._live = self._live_count = None
        return no

    def _live_slots(self) -> np.ndarray:
        """By slot: True when its post is live (cached until the next update)."""
        if self._live is None or len(self._live) != self._slot_post.size:
            self._live = self._post_alive.values.astype(bool)[self._slot_post.values]
        return self._live

    # ----------------------------------------------------------------- query words

    def _fetch(self, words_: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        live = self._live_slots()
        out = {}
        for word, (slots, pos) in self._db.postings(words_).items():
            keep = live[slots]
            out[word] = (slots[keep], pos[keep])
        return out

    def _term(self, word: str, fuzzy: bool = True) -> Term:
        """Resolve one query word (cached until the next update)."""
        key = (word, fuzzy)
        term = self._terms.get(key)
        if term is None:
            term = resolve_term(
                word, self._vocab.__contains__, self._spellings, self._fetch, fuzzy=fuzzy
            )
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
        if self._live_count is None:
            self._live_count = max(1, int(self._live_slots().sum()))
        return plan_query(terms, parsed, self._live_count)

    def _exact(self, word: str) -> np.ndarray:
        return self._term(word, fuzzy=False).exact

    def _allowed(self, parsed: ParsedQuery) -> np.ndarray:
        """By post_no: live posts that pass the query's filters and quoted phrases."""
        excluded = np.empty(0, dtype=np.int64)
        if parsed.excluded_words or parsed.excluded_phrases:
            excluded = excluded_posts(parsed, self._exact, self._slot_post.values, self._texts)
        allowed = allowed_posts(
            parsed,
            self._post_alive.values,
            self._post_src.values,
            self._post_ts.values,
            self._source_names,
            self._source_catalogue(),
            self.tz,
            excluded,
        )
        for phrase in parsed.phrases:
            held = np.zeros_like(allowed)
            held[self._slot_post.values[phrase_slots(phrase, self._exact, self._texts)]] = True
            allowed &= held
        return allowed

    def _texts(self, slots: list[int]) -> dict[int, tuple[str | None, str]]:
        return self._db.texts(slots)

    # ----------------------------------------------------------------- search

    def search(self, query: str, *, limit: int = 5, offset: int = 0) -> SearchResponse:
        """Posts matching `query`, best first, one per post with its best passages."""
        parsed = parse_query(query)
        warnings = list(parsed.warnings)
        if parsed.empty:
            return SearchResponse(parsed.text, [], 0, warnings, empty_query=True)
        offset, limit = max(0, offset), max(0, limit)
        with self._lock:
            warnings += source_warnings(parsed, self._source_catalogue())
            plan = self._plan(parsed)
            if not plan.terms:
                return SearchResponse(parsed.text, [], 0, warnings)
            k = max(SHORTLIST, offset + limit)
            ev = self._evidence(plan, parsed, k)
            short = shortlist(ev, k, self._post_ts.values)
            ranked = rank_posts(
                plan,
                short,
                ev,
                self._post_first.values,
                self._post_len.values,
                self._slot_field.values,
                self._texts,
            )
            exhaustive = len(ev.candidates) <= k
            hits = self._hits(plan, ev, ranked[offset : offset + limit])
        return SearchResponse(parsed.text, hits, len(ranked), warnings, exhaustive=exhaustive)

    def _evidence(self, plan: Plan, parsed: ParsedQuery, k: int) -> Evidence:
        # Dead slots are out of the postings already: only filters need a mask.
        allowed = self._allowed(parsed) if parsed.has_filters or parsed.phrases else None
        return gather(
            plan,
            self._slot_post.values,
            self._slot_field.values,
            self._post_first.values,
            self._post_len.values,
            allowed,
            k,
        )

    def _hits(self, plan: Plan, ev: Evidence, ranked: list[Ranked]) -> list[SearchHit]:
        records = self._records([r.post_no for r in ranked])
        hits = []
        for r in ranked:
            first = int(self._post_first.values[r.post_no])
            end = first + int(self._post_len.values[r.post_no])
            snippet, spans, slot = hit_snippet(plan, r.slot, first, end, ev, self._texts)
            post = records.get(r.post_no)
            if post is None:  # removed by another process since this one last updated
                continue
            hits.append(
                SearchHit(
                    post_id=post.post_id,
                    title=post.title,
                    source=post.source,
                    author=post.author,
                    published=post.published,
                    url=post.url,
                    score=round(r.score, 1),
                    snippet=snippet,
                    match=spans,
                    kind=KINDS[int(self._slot_kind.values[slot])],
                    speaker=self._texts([slot]).get(slot, (None, ""))[0],
                )
            )
        return hits

    def _records(self, post_nos: list[int]) -> dict[int, PostRecord]:
        rows = self._db.post_rows(post_nos)
        return {no: PostRecord.from_row(row) for no, row in rows.items()}

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
        alive = self._post_alive.values.astype(bool)
        used = np.unique(self._post_src.values[alive])
        return [self._source_names[int(c)] for c in used]

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
            ev = self._evidence(plan, parsed, QUOTE_CANDIDATES)
            hits = best_quotes(plan, ev, limit, self._quote_view())
        return QuoteResponse(parsed.text, hits, warnings)

    def _quote_view(self) -> QuoteView:
        return QuoteView(
            slot_post=self._slot_post.values,
            slot_kind=self._slot_kind.values,
            post_first=self._post_first.values,
            post_len=self._post_len.values,
            texts=self._texts,
            records=self._records,
        )

    def _random_quotes(self, parsed: ParsedQuery, limit: int, rng: random.Random) -> list[QuoteHit]:
        allowed = (
            self._allowed(parsed) if parsed.has_filters else self._post_alive.values.astype(bool)
        )
        return random_quotes(allowed, limit, rng, self._quote_view())

    # ----------------------------------------------------------------- suggestions

    def suggest(self, query: str) -> str | None:
        """The query with each word unknown to the index replaced by its closest known word
        (the most used among equally close ones), or None when nothing would change."""
        with self._lock:
            used = partial(_used, self._vocab)
            return respell(query, lambda w: closest_word(w, used, self._spellings))


def _used(vocab: dict[str, list[int]], word: str) -> int:
    entry = vocab.get(word)
    return entry[0] if entry else 0


def _timestamp(published: datetime | None) -> float:
    if published is None:
        return float("nan")
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    return published.timestamp()
