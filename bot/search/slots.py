"""How the index stores passages: slot columns, passage kind codes and post records."""

from __future__ import annotations

import sys
from array import array
from dataclasses import dataclass, field
from datetime import UTC, datetime

KINDS = ("title", "paragraph", "question", "answer", "pullquote")
KIND_CODE = {kind: code for code, kind in enumerate(KINDS)}
TITLE = 0  # the kind code of a post's title, which is searchable like a passage
DEAD = -1  # the post_id of a removed slot, until the index is compacted


@dataclass(slots=True)
class Columns:
    """One entry per slot (a passage or a title) in parallel columns, numbered as added."""

    post: array[int] = field(default_factory=lambda: array("q"))
    kind: bytearray = field(default_factory=bytearray)
    speaker: list[str | None] = field(default_factory=list)
    text: list[bytes] = field(default_factory=list)  # UTF-8: half the size of str for French
    norm: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        """The number of slots, removed ones included."""
        return len(self.post)

    def append(self, post_id: int, kind: int, speaker: str | None, text: str, norm: str) -> int:
        """Store one slot and return its number."""
        slot = len(self.post)
        self.post.append(post_id)
        self.kind.append(kind)
        # Interned: an interview repeats its two speakers on every turn.
        self.speaker.append(sys.intern(speaker) if speaker else None)
        self.text.append(text.encode())
        self.norm.append(norm)
        return slot

    def clear(self, slot: int) -> None:
        """Empty a removed slot; its number stays taken, so postings need no rewrite."""
        self.post[slot] = DEAD
        self.text[slot] = b""
        self.norm[slot] = ""
        self.speaker[slot] = None


@dataclass(frozen=True, slots=True)
class PostRecord:
    """What the index keeps of a post: what a hit shows, and its slots."""

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
