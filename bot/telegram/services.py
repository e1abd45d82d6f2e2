"""The bot's running parts (store, searcher, poller, sender) and the one typed way to them."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext

from bot.config import Settings
from bot.delivery.sender import Sender
from bot.ingest.addresses import AddressPolicy
from bot.leader import Leadership
from bot.polling.poller import Poller
from bot.search import Searcher
from bot.store import Store

# Any bot, any context and data types: only `bot_data` is read here.
AnyApplication = Application[Any, Any, Any, Any, Any, Any]
AnyContext = CallbackContext[Any, Any, Any, Any]

_KEY = "services"


@dataclass(slots=True)
class Services:
    """What handlers and jobs need, opened in post_init and closed in post_shutdown."""

    settings: Settings
    store: Store
    searcher: Searcher
    poller: Poller
    sender: Sender
    stack: AsyncExitStack
    # What sources added from Telegram may reach; None when ALLOW_PRIVATE_SOURCES=1.
    address_policy: AddressPolicy | None = None
    # This process's part among those sharing the database: only the leader polls and sends.
    leadership: Leadership | None = None


def attach(app: AnyApplication, services: Services) -> None:
    """Make `services` what services_of answers for this application."""
    app.bot_data[_KEY] = services


def opened(app: AnyApplication) -> Services | None:
    """The application's services, or None before post_init opened them (or if it failed)."""
    services = app.bot_data.get(_KEY)
    return services if isinstance(services, Services) else None


def services_of(source: AnyContext | AnyApplication) -> Services:
    """The application's services, from a handler's or job's context or the application."""
    app = source if isinstance(source, Application) else source.application
    services = opened(app)
    if services is None:
        raise RuntimeError("the bot's services are not open yet")
    return services
