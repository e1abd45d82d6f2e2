"""The store: the only package that talks to SQLite (through aiosqlite)."""

from bot.names import source_key
from bot.store.outbox import OutboxStore
from bot.store.posts import Planner, PostStore
from bot.store.queries import QueryStore
from bot.store.sources import SourceStore


class Store(PostStore, OutboxStore, SourceStore, QueryStore):
    """Typed queries over one SQLite file; use `async with Store.open(path) as store`."""


__all__ = ["Planner", "Store", "source_key"]
