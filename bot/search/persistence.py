"""The index saved to one file and loaded back: marshal, never pickle, written atomically."""

from __future__ import annotations

import marshal
import os
import threading
from array import array
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from bot.search.slots import TITLE, Columns, PostRecord
from bot.search.vocabulary import NearSpellings

_FORMAT = b"relais-search-index"
_VERSION = 1


class Loaded(NamedTuple):
    """An index's storage read back, with what is derived from it rebuilt."""

    columns: Columns
    dead: set[int]
    titles: set[int]
    posts: dict[int, PostRecord]
    sources: Counter[str]
    passages: int
    postings: dict[str, array[int]]
    spellings: NearSpellings


def encode_index(
    *,
    stamp: str | None,
    columns: Columns,
    dead: set[int],
    posts: Iterable[PostRecord],
    passages: int,
    postings: dict[str, array[int]],
) -> bytes:
    """The file's body for an index's storage (to take under the index's lock)."""
    vocab = list(postings)
    flat = array("I")
    bounds = array("Q", [0])
    for w in vocab:
        flat.extend(postings[w])
        bounds.append(len(flat))
    saved_posts = [
        (
            p.post_id,
            p.source,
            p.title,
            p.author,
            p.published.isoformat() if p.published else None,
            p.url,
            list(p.slots),
        )
        for p in posts
    ]
    state = {
        "version": _VERSION,
        "stamp": stamp,
        "slot_post": columns.post.tobytes(),
        "slot_kind": bytes(columns.kind),
        "slot_speaker": columns.speaker,
        "slot_text": columns.text,
        "slot_norm": columns.norm,
        "dead": sorted(dead),
        "posts": saved_posts,
        "passages": passages,
        "vocab": "\n".join(vocab),
        "flat": flat.tobytes(),
        "bounds": bounds.tobytes(),
    }
    return marshal.dumps(state)


def write_index(path: Path, data: bytes) -> None:
    """Write `data` from `encode_index` to `path` atomically (a temporary file replaced)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "wb") as f:
        f.write(_FORMAT + b"\n")
        f.write(data)
    os.replace(tmp, path)


def read_index(path: Path, stamp: str | None = None) -> Loaded | None:
    """The storage saved at `path`, or None when missing, corrupt, of another format
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
        return _from_state(state)
    except Exception:  # any unreadable file just means "rebuild from the store"
        return None


def _from_state(state: dict) -> Loaded:
    """Rebuild the storage from a decoded file; raises when its parts do not fit."""
    slot_post = array("q")
    slot_post.frombytes(state["slot_post"])
    columns = Columns(
        post=slot_post,
        kind=bytearray(state["slot_kind"]),
        speaker=list(state["slot_speaker"]),
        text=list(state["slot_text"]),
        norm=list(state["slot_norm"]),
    )
    n = len(columns.post)
    if any(len(c) != n for c in (columns.kind, columns.speaker, columns.text, columns.norm)):
        raise ValueError("columns of different lengths")
    dead = set(state["dead"])
    titles = {slot for slot, kind in enumerate(columns.kind) if kind == TITLE and slot not in dead}
    posts: dict[int, PostRecord] = {}
    sources: Counter[str] = Counter()
    for post_id, source, title, author, published, url, slots in state["posts"]:
        when = datetime.fromisoformat(published) if published else None
        posts[post_id] = PostRecord(post_id, source, title, author, when, url, tuple(slots))
        sources[source] += 1
    passages = int(state["passages"])
    vocab = state["vocab"].split("\n") if state["vocab"] else []
    flat = array("I")
    flat.frombytes(state["flat"])
    bounds = array("Q")
    bounds.frombytes(state["bounds"])
    if len(bounds) != len(vocab) + 1 or (bounds and bounds[-1] != len(flat)):
        raise ValueError("postings do not match the vocabulary")
    postings: dict[str, array[int]] = {}
    spellings = NearSpellings()
    for i, w in enumerate(vocab):
        postings[w] = flat[bounds[i] : bounds[i + 1]]
        spellings.add(w)
    return Loaded(columns, dead, titles, posts, sources, passages, postings, spellings)
