"""The store: the only package that talks to a database (SQLite or PostgreSQL)."""

from bot.store.chats import ChatStore
from bot.store.fanout import FanoutStore
from bot.store.leases import LeaseStore
from bot.store.outbox import OutboxStore
from bot.store.pages import PageStore
from bot.store.posts import PostStore, Upserted
from bot.store.queries import QueryStore
from bot.store.sources import SourceStore
from bot.store.topics import TopicStore
from bot.store.transaction import Transaction, TransactionStore
from bot.store.transfer import TransferError, TransferStore


class Store(
    PostStore,
    TopicStore,
    ChatStore,
    OutboxStore,
    SourceStore,
    QueryStore,
    TransactionStore,
    TransferStore,
    LeaseStore,
    PageStore,
    FanoutStore,
):
    """Typed queries over one database; `async with Store.open(path_or_url) as store`."""


__all__ = ["Store", "Transaction", "TransferError", "Upserted"]
