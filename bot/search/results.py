"""What search and quote return: hits and responses, plain frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.search.query import QueryWarning


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One post found by `search`: its best passage cut as a snippet, or two of its passages
    joined by " … " when the query's words stand apart."""

    post_id: int
    title: str
    source: str
    author: str | None
    published: datetime | None
    url: str | None
    score: float
    snippet: str
    match: list[tuple[int, int]]  # [start, end) of each match in `snippet`, to bold
    kind: str  # the first passage shown's kind; "title" only for a post that is only a title
    speaker: str | None
    missing: tuple[str, ...] = ()  # the query's words the post holds nowhere, as typed


@dataclass(frozen=True, slots=True)
class SearchResponse:
    """A page of search results; `total` counts the matching posts, for paging.

    When `exhaustive` is False the query was so broad that only the shortlist (the
    candidates with the most evidence) was ranked, and `total` counts those (show it as
    "50+", say).
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
