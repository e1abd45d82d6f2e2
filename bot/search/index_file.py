"""The index's own SQLite file: posts, passage texts, postings in parts, columns in chunks.

Private to the search package and used from worker threads with the standard sqlite3
module (the store's aiosqlite database is another file). Every update is one transaction,
position included, so a crash leaves the file as it was before or after, never between.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from bot.search.columns import Column

FORMAT = "relais-search-index/5"
PARTS_BEFORE_MERGE = 12  # a stem's postings are merged into one row past this many parts

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE posts (
    post_no INTEGER PRIMARY KEY, post_id INTEGER NOT NULL, source TEXT NOT NULL,
    title TEXT NOT NULL, author TEXT, published TEXT, url TEXT);
CREATE TABLE slots (slot INTEGER PRIMARY KEY, speaker TEXT, text TEXT NOT NULL);
CREATE TABLE columns (name TEXT, chunk INTEGER, data BLOB NOT NULL,
    PRIMARY KEY (name, chunk)) WITHOUT ROWID;
CREATE TABLE postings (stem TEXT, part INTEGER, slots BLOB NOT NULL, pos BLOB NOT NULL,
    PRIMARY KEY (stem, part)) WITHOUT ROWID;
CREATE TABLE stems (stem TEXT PRIMARY KEY, parts INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE words (word TEXT PRIMARY KEY, uses INTEGER NOT NULL) WITHOUT ROWID;
"""


# post_no, post_id, source, title, author, published (ISO 8601), url
PostRow = tuple[int, int, str, str, str | None, str | None, str | None]


@dataclass(frozen=True, slots=True)
class PostRecord:
    """What the index file keeps of a post for its hits."""

    post_id: int
    source: str
    title: str
    author: str | None
    published: datetime | None
    url: str | None


class IndexFile:
    """One index file (or an in-memory database when `path` is None)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.db = sqlite3.connect(
            ":memory:" if path is None else str(path), check_same_thread=False, isolation_level=None
        )
        if path is not None:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
        # The page cache is what stays resident: postings are read, used and dropped.
        self.db.execute("PRAGMA cache_size=-8000")
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master")}
        if not tables:
            self.db.executescript(_SCHEMA)
            self.set_meta(format=FORMAT)
        elif self.meta("format") != FORMAT:
            raise ValueError("not a search index of this version")

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    # ------------------------------------------------------------------ small values

    def meta(self, key: str) -> str | None:
        """One stored setting, None when unset."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def meta_int(self, key: str) -> int:
        """One setting stored as a JSON number, 0 when unset."""
        value = self.meta(key)
        return 0 if value is None else int(json.loads(value))

    def meta_names(self, key: str) -> list[str]:
        """One setting stored as a JSON list of strings, empty when unset."""
        value = self.meta(key)
        return [] if value is None else [str(name) for name in json.loads(value)]

    def set_meta(self, **values: object) -> None:
        """Store settings (JSON for anything but a str)."""
        self.db.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in values.items()],
        )

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Write without a journal or syncs (a new file: if this fails, it is rebuilt)."""
        if self.path is None:
            yield
            return
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        try:
            yield
        finally:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside is written together or not at all."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # ------------------------------------------------------------------ columns

    def save_columns(self, columns: Iterable[Column]) -> None:
        """Write the chunks of each column that changed since it was last saved."""
        for column in columns:
            if column.dirty:
                self.db.executemany(
                    "INSERT OR REPLACE INTO columns VALUES (?, ?, ?)",
                    [(column.name, n, data) for n, data in column.chunks(column.dirty)],
                )
                column.dirty.clear()

    def load_columns(self, columns: Iterable[Column]) -> None:
        """Read each column back; raises when one is torn."""
        for column in columns:
            rows = self.db.execute(
                "SELECT chunk, data FROM columns WHERE name = ?", (column.name,)
            ).fetchall()
            column.load(rows)

    # ------------------------------------------------------------------ posts and texts

    def add_posts(self, rows: list[PostRow], slots: list[tuple[int, str | None, str]]) -> None:
        """Store posts (post_no, post_id, source, title, author, published, url) and the
        texts of their slots (slot, speaker, text)."""
        self.db.executemany("INSERT OR REPLACE INTO posts VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        self.db.executemany("INSERT OR REPLACE INTO slots VALUES (?, ?, ?)", slots)

    def remove_posts(self, post_nos: list[int], slot_ranges: list[tuple[int, int]]) -> None:
        """Forget removed posts and the texts of their slots ([first, end) ranges)."""
        self.db.executemany("DELETE FROM posts WHERE post_no = ?", [(n,) for n in post_nos])
        self.db.executemany("DELETE FROM slots WHERE slot >= ? AND slot < ?", slot_ranges)

    def post_records(self, post_nos: Iterable[int]) -> dict[int, PostRecord]:
        """post_no -> what is kept of the post, for the posts still there."""
        wanted = list(set(post_nos))
        out: dict[int, PostRecord] = {}
        for i in range(0, len(wanted), 500):
            part = wanted[i : i + 500]
            marks = ",".join("?" * len(part))
            for no, post_id, source, title, author, published, url in self.db.execute(
                f"SELECT * FROM posts WHERE post_no IN ({marks})", part
            ).fetchall():
                when = datetime.fromisoformat(published) if published else None
                out[no] = PostRecord(post_id, source, title, author, when, url)
        return out

    def texts(self, slots: Iterable[int]) -> dict[int, tuple[str | None, str]]:
        """slot -> (speaker, text) of live slots."""
        wanted = list(set(slots))
        out: dict[int, tuple[str | None, str]] = {}
        for i in range(0, len(wanted), 500):
            part = wanted[i : i + 500]
            marks = ",".join("?" * len(part))
            for slot, speaker, text in self.db.execute(
                f"SELECT slot, speaker, text FROM slots WHERE slot IN ({marks})", part
            ):
                out[slot] = (speaker, text)
        return out

    # ------------------------------------------------------------------ postings

    def vocabulary(self) -> tuple[dict[str, int], dict[str, int]]:
        """word -> times it was used, of every known word (in alphabetical order), and
        stem -> parts, of every stem with postings. Each table is read as two joined
        strings (words and stems are letters and digits only), one row each: a row per
        word was most of the time an index took to open."""
        return self._pairs("word", "uses", "words"), self._pairs("stem", "parts", "stems")

    def _pairs(self, key: str, value: str, table: str) -> dict[str, int]:
        # Both aggregates take the rows in one scan, in the same (key) order.
        keys, values = self.db.execute(
            f"SELECT group_concat({key}, ' '), group_concat({value}, ' ') FROM {table}"
        ).fetchone()
        if not keys:
            return {}
        return dict(zip(keys.split(" "), map(int, values.split(" ")), strict=True))

    def add_postings(
        self, by_stem: dict[str, tuple[np.ndarray, np.ndarray]], parts: dict[str, int]
    ) -> None:
        """Append a part to each stem's postings (from `postings.batch_postings`); `parts`
        (stem -> parts) is updated here and saved by `save_vocabulary`."""
        rows = []
        # In key order, the rows fill the table's B-tree page after page: a third of the
        # time of inserting them as they come.
        for root, (slots, pos) in sorted(by_stem.items()):
            part = parts.get(root, 0)
            rows.append((root, part, slots.tobytes(), pos.tobytes()))
            parts[root] = part + 1
        self.db.executemany("INSERT INTO postings VALUES (?, ?, ?, ?)", rows)

    def save_vocabulary(
        self, words: dict[str, int], stems: Iterable[str], parts: dict[str, int]
    ) -> None:
        """Write the use counts of `words` and the part counts of `stems`."""
        self.db.executemany("INSERT OR REPLACE INTO words VALUES (?, ?)", words.items())
        self.db.executemany(
            "INSERT OR REPLACE INTO stems VALUES (?, ?)", [(r, parts[r]) for r in stems]
        )

    def postings(self, stems: Iterable[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """stem -> (slots holding a word of it, ascending, dead ones included; where one
        first stands in each), for the stems with postings. Slots come as intp, numpy's own
        index type: indexing with anything else converts the index array on every use."""
        wanted = list(set(stems))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        parts: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
        for word, slots, pos in self.db.execute(
            f"SELECT stem, slots, pos FROM postings WHERE stem IN ({marks}) ORDER BY stem, part",
            wanted,
        ):
            found = (np.frombuffer(slots, dtype=np.uint32), np.frombuffer(pos, dtype=np.uint16))
            parts.setdefault(word, []).append(found)
        return {
            w: (p[0][0].astype(np.intp), p[0][1])
            if len(p) == 1
            else (
                np.concatenate([a for a, _ in p], dtype=np.intp),
                np.concatenate([b for _, b in p]),
            )
            for w, p in parts.items()
        }

    def merge_postings(self, root: str, live: np.ndarray, parts: dict[str, int]) -> None:
        """Replace a stem's parts by one holding only its `live` slots (a mask by slot)."""
        found = self.postings([root]).get(root)
        if found is None:
            return
        slots, pos = found
        keep = live[slots]
        row = (root, slots[keep].astype(np.uint32).tobytes(), pos[keep].tobytes())
        self.db.execute("DELETE FROM postings WHERE stem = ?", (root,))
        self.db.execute("INSERT INTO postings VALUES (?, 0, ?, ?)", row)
        parts[root] = 1
