"""The bot's running parts (store, searcher, poller, sender), the state PTB keeps for us as
`bot_data`, and the typed context that reaches both (as PTB's examples/contexttypesbot.py)."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.config import Settings
from bot.delivery.sender import Sender
from bot.ingest.addresses import AddressPolicy
from bot.leader import Leadership
from bot.polling.poller import Poller
from bot.search import Searcher
from bot.store import Store
from bot.telegram.limiter import Limits

if TYPE_CHECKING:
    from bot.telegram.alerts import AdminAlerts


@dataclass(slots=True)
class Services:
    """What handlers and jobs need, opened in post_init and closed in post_shutdown."""

    settings: Settings
    store: Store
    searcher: Searcher
    poller: Poller
    sender: Sender
    # What sources added from Telegram may reach; None when ALLOW_PRIVATE_SOURCES=1.
    address_policy: AddressPolicy | None = None
    # This process's part among those sharing the database: only the leader polls and sends.
    leadership: Leadership | None = None


@dataclass(slots=True)
class BotState:
    """The application's `bot_data`: PTB makes it empty (ContextTypes calls it without
    arguments), post_init fills it, the lease and shutdown empty it again."""

    services: Services | None = None
    # Closed by post_shutdown, also when start-up is refused before the services open.
    stack: AsyncExitStack | None = None
    # Set before the services (a refused process must give nothing up it never held).
    leadership: Leadership | None = None
    alerts: AdminAlerts | None = None
    lease_task: asyncio.Task[None] | None = None
    # The leader's own tasks: None in a follower, and once stopped.
    sender_task: asyncio.Task[None] | None = None
    poller_task: asyncio.Task[None] | None = None
    # What `run` returns once the application stops (1: the lease was lost).
    exit_code: int = 0


# The bot's type names its rate limiter's per-call arguments (see limiter.GateLimiter).
Bot = ExtBot[Limits]


class Context(CallbackContext[Bot, dict[Any, Any], dict[Any, Any], BotState]):
    """A handler's or job's context: `bot_data` is the BotState."""


# PTB types a job queue by its context: ours, so that jobs take a `Context` too.
Jobs = JobQueue[Context]
RelaisApp = Application[Bot, Context, dict[Any, Any], dict[Any, Any], BotState, Jobs]
CONTEXT_TYPES = ContextTypes(context=Context, bot_data=BotState)


def opened(app: RelaisApp) -> Services | None:
    """The application's services, or None before post_init opened them (or if it failed)."""
    return app.bot_data.services


def services_of(source: Context | RelaisApp) -> Services:
    """The application's services, from a handler's or job's context or the application."""
    services = source.bot_data.services
    if services is None:
        raise RuntimeError("the bot's services are not open yet")
    return services
