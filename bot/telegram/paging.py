"""Long lists cut into numbered pages, for replies paged with ◀ ▶ buttons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: its items, its number (from 0) and how many pages there are."""

    items: Sequence[T]
    number: int
    pages: int


def page_of(items: Sequence[T], number: int, size: int) -> Page[T]:
    """Page `number` of `items`, `size` a page; a number past either end gives the nearest page.

    The list may have shrunk since its buttons were sent: the last page beats an empty one.
    """
    pages = max(1, -(-len(items) // size))
    number = min(max(number, 0), pages - 1)
    return Page(items[number * size : (number + 1) * size], number, pages)
