"""Passage kind codes and what the index keeps of a post."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

KINDS = ("title", "paragraph", "question", "answer", "pullquote")
KIND_CODE = {kind: code for code, kind in enumerate(KINDS)}
TITLE = 0  # the kind code of a post's title, which is searchable like a passage


@dataclass(frozen=True, slots=True)
class PostRecord:
    """What the index keeps of a post: what a hit shows, and its slots."""

    post_id: int
    source: str
    title: str
    author: str | None
    published: datetime | None
    url: str | None

    @classmethod
    def from_row(cls, row: tuple) -> PostRecord:
        """From the index file's (post_id, source, title, author, published, url)."""
        post_id, source, title, author, published, url = row
        when = datetime.fromisoformat(published) if published else None
        return cls(post_id, source, title, author, when, url)

    @property
    def timestamp(self) -> float:
        """Seconds since the epoch of `published` (naive taken as UTC), 0 when unknown."""
        published = self.published
        if published is None:
            return 0.0
        if published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        return published.timestamp()
