"""What the index holds, in memory and in its file: slot and post columns, vocabulary,
and how changes are applied to both in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import numpy as np

from bot.models import IndexedPost
from bot.search.columns import Column
from bot.search.index_file import PARTS_BEFORE_MERGE, IndexFile, PostRow
from bot.search.kinds import KIND_CODE, TITLE, TITLE_FIELD, field_of
from bot.search.postings import Tokenizer
from bot.search.vocabulary import NearSpellings, plural_forms

_BATCH_SLOTS = 100_000  # slots tokenized before their postings are written out
# A stem's postings gather over an update's batches until they hold this many entries:
# most stems are rare, and a row each per batch was most of the rows written.
_GATHER = 256


class Contents:
    """Slots (a post's title and passages, numbered as added, a post's consecutive) and
    posts (numbered as added; a replaced post is a new one), kept in numpy columns saved in
    chunks, with the vocabulary and the file they live in. Not thread safe: the index
    holds the lock."""

    def __init__(self, file: IndexFile) -> None:
        self.file = file
        self.reset()

    def reset(self) -> None:
        """Empty in-memory state, as for an empty file."""
        self.slot_post = Column("slot_post", "u4")
        self.slot_kind = Column("slot_kind", "u1")
        self.slot_field = Column("slot_field", "u1")
        self.post_id = Column("post_id", "i8")
        self.post_src = Column("post_src", "u2")
        self.post_ts = Column("post_ts", "f8", fill=np.nan)
        self.post_first = Column("post_first", "u4")
        self.post_len = Column("post_len", "u4")
        self.post_alive = Column("post_alive", "u1")
        self.columns = (
            *(self.slot_post, self.slot_kind, self.slot_field, self.post_id),
            *(self.post_src, self.post_ts, self.post_first, self.post_len, self.post_alive),
        )
        self.post_no: dict[int, int] = {}  # post_id -> post_no of the live posts
        self.source_names: list[str] = []
        self.source_code: dict[str, int] = {}
        self.uses: dict[str, int] = {}  # word -> times it stood in a passage when added
        self.parts: dict[str, int] = {}  # stem -> parts its postings are stored in
        self.spellings = NearSpellings()
        self.live: np.ndarray | None = None  # by slot: its post is live
        self.live_count_: int | None = None
        self.slot_posts_: np.ndarray | None = None
        self.slot_weights_: np.ndarray | None = None
        self.passages = 0
        self.generation = 0  # updates written to the file, by any process

    def load(self) -> None:
        """Read what is kept in memory back from the file; raises when it does not fit."""
        self.reset()
        file = self.file
        self.generation = file.meta_int("generation")
        file.load_columns(self.columns)
        n_slots, n_posts = self.slot_post.size, self.post_id.size
        if {self.slot_kind.size, self.slot_field.size} != {n_slots} or {
            c.size for c in self.columns[3:]
        } != {n_posts}:
            raise ValueError("columns of different lengths")
        self.source_names = file.meta_names("sources")
        self.source_code = {name: i for i, name in enumerate(self.source_names)}
        alive = np.flatnonzero(self.post_alive.values)
        self.post_no = dict(zip(self.post_id.values[alive].tolist(), alive.tolist(), strict=True))
        self.passages = file.meta_int("passages")
        self.uses, self.parts = file.vocabulary()
        self.spellings.add_many(self.uses)  # in order: sorted in one pass
        if n_slots and int(self.slot_post.values.max()) >= n_posts:
            raise ValueError("a slot points past the posts")

    def update(self, posts: Iterable[IndexedPost], stamp: str | None) -> None:
        """Apply changes and `stamp` in one transaction (raises, rolled back, on failure)."""
        with self.file.transaction():
            if self.file.meta_int("generation") != self.generation:
                self.load()  # another process wrote the file since: start from its state
            self.touched: set[str] = set()  # stems whose part count changed
            self.tokenizer = Tokenizer()
            self.gathered: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
            pending: list[IndexedPost] = []
            size = 0
            for post in posts:
                pending.append(post)
                size += len(post.passages) + 1
                if size >= _BATCH_SLOTS:
                    self._apply(pending)
                    pending, size = [], 0
            self._apply(pending)
            self._write({root: _joined(pieces) for root, pieces in self.gathered.items()})
            used = self.tokenizer.used()
            for word, uses in used.items():
                known = self.uses.get(word)
                if known is None:
                    self.spellings.add(word)
                self.uses[word] = used[word] = (known or 0) + uses
            self.file.save_vocabulary(used, self.touched, self.parts)
            self.file.save_columns(self.columns)
            self.file.set_meta(sources=self.source_names, passages=self.passages)
            self.generation += 1
            self.file.set_meta(generation=self.generation)
            if stamp is not None:
                self.file.set_meta(stamp=stamp)
            self.live = self.live_count_ = None
            self.slot_posts_ = self.slot_weights_ = None

    def _apply(self, posts: list[IndexedPost]) -> None:
        """Apply one batch of changes (inside the update's transaction)."""
        posts = list({post.post_id: post for post in posts}.values())  # the last version
        removed = [self._remove(post.post_id) for post in posts]
        removed_nos = [no for no in removed if no is not None]
        if removed_nos:
            ranges = [
                (
                    int(self.post_first.values[no]),
                    int(self.post_first.values[no] + self.post_len.values[no]),
                )
                for no in removed_nos
            ]
            self.file.remove_posts(removed_nos, ranges)
        first_slot = self.slot_post.size
        batch = _Batch(first_slot, self.post_id.size)
        for post in posts:
            if post.deleted or (not post.passages and not post.title_norm.strip()):
                continue
            batch.add(post, self._source(post.source))
            self.post_no[post.post_id] = batch.next_post - 1
        self.passages += batch.passages
        for column, values in zip(self.columns, batch.columns(), strict=True):
            column.append(values)
        rows, texts, norms = batch.rows, batch.texts, batch.norms
        self.file.add_posts(rows, texts)
        written = {}
        for root, (slots, pos) in self.tokenizer.postings(norms, first_slot).items():
            pieces = self.gathered.setdefault(root, [])
            if len(slots) + sum(len(s) for s, _ in pieces) >= _GATHER:
                pieces.append((slots, pos))
                written[root] = _joined(self.gathered.pop(root))
            else:
                # Copied: a slice would keep the whole batch's arrays alive.
                pieces.append((slots.copy(), pos.copy()))
        self._write(written)

    def _write(self, by_stem: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        """Append a part to each stem's postings; merge those in too many parts."""
        self.file.add_postings(by_stem, self.parts)
        self.touched.update(by_stem)
        crowded = [r for r in by_stem if self.parts[r] > PARTS_BEFORE_MERGE]
        if crowded:
            live = self.live_slots()
            for root in crowded:
                self.file.merge_postings(root, live, self.parts)

    def _source(self, name: str) -> int:
        code = self.source_code.get(name)
        if code is None:
            code = self.source_code[name] = len(self.source_names)
            self.source_names.append(name)
        return code

    def _remove(self, post_id: int) -> int | None:
        no = self.post_no.pop(post_id, None)
        if no is None:
            return None
        self.post_alive.overwrite([no], 0)
        first, count = int(self.post_first.values[no]), int(self.post_len.values[no])
        titles = int(np.count_nonzero(self.slot_field.values[first : first + count] == TITLE_FIELD))
        self.passages -= count - titles
        self.live = self.live_count_ = None
        return no

    def live_count(self) -> int:
        """The number of live slots (cached until the next update)."""
        if self.live_count_ is None:
            self.live_count_ = int(self.live_slots().sum())
        return self.live_count_

    def live_slots(self) -> np.ndarray:
        """By slot: True when its post is live (cached until the next update)."""
        if self.live is None or len(self.live) != self.slot_post.size:
            self.live = self.post_alive.values.astype(bool)[self.slot_post.values]
        return self.live

    def slot_posts(self) -> np.ndarray:
        """The post_no of each slot as intp, numpy's index type (cached until the next
        update): indexing with another type converts the index array every time."""
        if self.slot_posts_ is None or len(self.slot_posts_) != self.slot_post.size:
            self.slot_posts_ = self.slot_post.values.astype(np.intp)
        return self.slot_posts_

    def slot_weights(self, by_field: np.ndarray) -> np.ndarray:
        """`by_field`'s weight of each slot's field (cached until the next update)."""
        if self.slot_weights_ is None or len(self.slot_weights_) != self.slot_field.size:
            self.slot_weights_ = by_field.astype(np.float32)[self.slot_field.values]
        return self.slot_weights_

    def words_of(self, root: str) -> list[str]:
        """The known words of a stem (its singular and plural forms), alphabetically."""
        return [w for w in plural_forms(root) if w in self.uses]

    def uses_of(self, word: str) -> int:
        """How many times `word` stood in a passage when added (0: unknown)."""
        return self.uses.get(word, 0)

    def near(self, word: str, edits: int) -> list[tuple[str, int]]:
        """Known words within `edits` of `word`, closest first."""
        return self.spellings.near(word, edits)

    def endings(self, word: str, edits: int) -> list[tuple[str, int]]:
        """Known words that `word` begins or that begin with it, within `edits` letters."""
        return self.spellings.endings(word, edits)

    def starting(self, prefix: str, limit: int) -> list[str]:
        """Up to `limit` known words beginning with `prefix`, alphabetically."""
        return self.spellings.starting(prefix, limit)

    def fetch(self, stems: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """stem -> (live slots holding one of its words, where one first stands in each),
        for stems with postings."""
        found = self.file.postings(stems)
        if self.live_count() == self.slot_post.size:
            return found  # nothing removed: no slot to mask out
        live = self.live_slots()
        out = {}
        for word, (slots, pos) in found.items():
            keep = live[slots]
            out[word] = (slots[keep], pos[keep])
        return out


class _Batch:
    """New posts of one batch, gathered column by column to be appended at once."""

    def __init__(self, first_slot: int, first_post: int) -> None:
        self.next_slot, self.next_post = first_slot, first_post
        self.passages = 0
        self.slot_post: list[int] = []
        self.slot_kind: list[int] = []
        self.slot_field: list[int] = []
        self.post_id: list[int] = []
        self.post_src: list[int] = []
        self.post_ts: list[float] = []
        self.post_first: list[int] = []
        self.post_len: list[int] = []
        self.rows: list[PostRow] = []  # for the file's posts table
        self.texts: list[tuple[int, str | None, str]] = []
        self.norms: list[str] = []

    def add(self, post: IndexedPost, source: int) -> None:
        """Number the post and its slots (title first, when it has one)."""
        no, first = self.next_post, self.next_slot
        kinds, fields = [], []
        if post.title_norm.strip():
            kinds.append(TITLE)
            fields.append(TITLE_FIELD)
            self.texts.append((first, None, post.title))
            self.norms.append(post.title_norm)
        for i, passage in enumerate(post.passages):
            code = KIND_CODE.get(passage.kind, KIND_CODE["paragraph"])
            kinds.append(code)
            fields.append(field_of(code, i))
            self.texts.append((first + len(kinds) - 1, passage.speaker, passage.text))
            self.norms.append(passage.norm)
        self.passages += len(post.passages)
        self.slot_post += [no] * len(kinds)
        self.slot_kind += kinds
        self.slot_field += fields
        self.post_id.append(post.post_id)
        self.post_src.append(source)
        self.post_ts.append(_timestamp(post.published))
        self.post_first.append(first)
        self.post_len.append(len(kinds))
        published = post.published.isoformat() if post.published else None
        self.rows.append(
            (no, post.post_id, post.source, post.title, post.author, published, post.url)
        )
        self.next_post += 1
        self.next_slot += len(kinds)

    def columns(self) -> tuple[Sequence[float], ...]:
        """The values to append, in the order of `Contents.columns`."""
        return (
            self.slot_post, self.slot_kind, self.slot_field, self.post_id, self.post_src,
            self.post_ts, self.post_first, self.post_len, [1] * len(self.post_id),
        )  # fmt: skip


def _joined(pieces: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """One stem's postings of successive batches, as one."""
    if len(pieces) == 1:
        return pieces[0]
    return np.concatenate([s for s, _ in pieces]), np.concatenate([p for _, p in pieces])


def _timestamp(published: datetime | None) -> float:
    if published is None:
        return float("nan")
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    return published.timestamp()
