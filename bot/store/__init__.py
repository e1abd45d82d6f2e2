"""The store: the only package that talks to SQLite (through aiosqlite)."""

from bot.store.base import source_key
from bot.store.posts import PostStore


class Store(PostStore):
    """Typed queries over one SQLite file; use `async with Store.open(path) as store`."""


__all__ = ["Store", "source_key"]
