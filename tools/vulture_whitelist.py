"""Names vulture finds unused in bot/ that stay, each with why (`make lint` runs vulture
over bot/ with this file). Never run; mypy checks that every name here still exists."""

# ruff: noqa: B018

import logging

import aiosqlite

from bot.delivery.planning import plan_deliveries
from bot.delivery.sender import Sender
from bot.filters import Filter
from bot.i18n import ADMIN_COMMANDS
from bot.ingest.fetch import _PublicOnly
from bot.ingest.lanes import FetchLanes
from bot.ingest.page import Page
from bot.models import Chat, IndexedPassage, Lease
from bot.search.index import SearchIndex
from bot.search.live import Searcher
from bot.store.posts import PostStore
from bot.store.transaction import Transaction
from bot.telegram.chat_lanes import ChatLanes
from bot.telegram.limiter import GateLimiter
from bot.telegram.webhook_server import GuardedServer

# Called by the libraries: overrides of their interfaces, attributes they read.
_PublicOnly.connect_unix_socket  # httpcore's AsyncNetworkBackend
ChatLanes.do_process_update  # PTB's BaseUpdateProcessor
ChatLanes.shutdown
GateLimiter.process_request  # PTB's BaseRateLimiter
GateLimiter.shutdown
GuardedServer.add_sockets  # tornado's TCPServer
aiosqlite.Connection.row_factory  # read by aiosqlite for every row
logging.LogRecord.levelname  # read by the log formatter (log_noise.py lowers it)

# Fields of records: part of what the record is, whether or not bot/ reads each one.
IndexedPassage.passage_id  # the stored passage's id, beside its text
Chat.paused_at  # when a forum topic was paused (closed or deleted), read by its tests
Lease.acquired_at  # when the holder took the lease (shown by tests/test_leadership.py)
Page.body_html  # the extracted article as HTML, its structure checked by tests/test_pages.py

# The in-memory statement of the delivery rules: tests/test_push.py and test_feed_delivery.py
# hold the rules to it, and benchmarks/store_bench.py measures the SQL fan-out against it.
plan_deliveries
# A whole fan-out written in one statement: benchmarks/push_bench.py's baseline.
Transaction.expand_fanout

# State read back by the tests without reaching into private attributes.
Sender.sent  # pushes sent (tests/test_sender.py, benchmarks/push_bench.py)
Filter.is_empty  # a filter without terms (tests/test_filters.py)
FetchLanes.is_slow  # which lane a source waits for (tests/test_lanes.py)
SearchIndex.post_count  # posts indexed (tests/test_search.py)
PostStore.count_posts  # posts stored (tests/test_store.py and five more)
Searcher.beside  # a searcher whose index sits beside a SQLite file (test_live_search.py)

# Read by tests/test_layers.py and test_catalogue.py: the admin commands the README lists.
ADMIN_COMMANDS
