"""Build the python-telegram-bot Application: builder, lifecycle, and every registration."""

from __future__ import annotations

import errno
import logging
from contextlib import AsyncExitStack
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.config import Settings
from bot.delivery.sender import FLOOD_MARGIN, Sender
from bot.i18n import COMMAND_ALIASES, COMMANDS, commands
from bot.ingest.addresses import AddressPolicy
from bot.ingest.fetch import make_client
from bot.ingest.pages import PageFetcher
from bot.leader import LeaseRefused
from bot.polling.fulltext import PageWorker
from bot.polling.poller import Poller, sync_sources
from bot.ratelimit import FloodGate
from bot.search import Searcher
from bot.sourcelist.sources_file import parse_sources
from bot.store import Store
from bot.telegram import (
    admin,
    channels,
    chat_settings,
    handlers,
    jobs,
    languages,
    leading,
    reader_feeds,
    subscriptions,
    topics,
    webhook_server,
)
from bot.telegram.alerts import AdminAlerts
from bot.telegram.chat_lanes import ChatLanes
from bot.telegram.limiter import GateLimiter
from bot.telegram.send import make_send
from bot.telegram.services import CONTEXT_TYPES, Jobs, RelaisApp, Services, opened

log = logging.getLogger(__name__)

# Why a webhook server cannot bind its port: taken, not an address of this host, privileged.
_CANNOT_LISTEN = (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES)


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    address_policy: AddressPolicy | None = None,
    gate: FloodGate | None = None,
) -> RelaisApp:
    """The bot, ready for `run_polling`; `request` replaces the HTTP transport (tests), and
    `address_policy` the rule for sources added from Telegram (tests count 127.0.0.2 public).

    One gate holds every message the bot sends: replies and edits through PTB's rate
    limiter, pushes and digests through the sender, which shares it. `gate` replaces
    Telegram's limits (tests that do not measure pacing).
    """
    if not settings.bot_token:
        raise ValueError("BOT_TOKEN is not set")
    if gate is None:
        gate = FloodGate(margin=FLOOD_MARGIN)
    policy = None if settings.allow_private_sources else address_policy or AddressPolicy()
    builder = (
        Application.builder()
        # bot_data is a BotState, and handlers and jobs take a Context that says so.
        .context_types(CONTEXT_TYPES)
        .job_queue(Jobs())
        .token(settings.bot_token)
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                tzinfo=settings.tz,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        # Retries wait out RetryAfter instead of dropping a reply.
        .rate_limiter(GateLimiter(gate, max_retries=3))
        # Updates side by side, but one chat's in a lane of its own (see chat_lanes).
        .concurrent_updates(ChatLanes())
        .post_init(partial(_post_init, settings=settings, gate=gate, policy=policy))
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app = builder.build()
    _register(app)
    return app


def _register(app: RelaisApp) -> None:
    """Every handler, in one place."""
    commands = {
        "start": handlers.start,
        "help": handlers.help_command,
        "search": handlers.search,
        "quote": handlers.quote,
        "sources": handlers.sources,
        "subscribe": subscriptions.subscribe,
        "unsubscribe": subscriptions.unsubscribe,
        "subscriptions": subscriptions.subscriptions,
        "filter": subscriptions.filter_command,
        "quiet": chat_settings.quiet,
        "digest": chat_settings.digest,
        "timezone": chat_settings.timezone,
        "previews": chat_settings.previews,
        "status": chat_settings.status,
        "channel": channels.channel_command,
        "language": languages.language_command,
        "addsource": admin.add_source,
        "removesource": admin.remove_source,
        "export": admin.export,
    }
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback))
    for alias, name in COMMAND_ALIASES.items():
        app.add_handler(CommandHandler(alias, commands[name]))
    # Set-up only (an operator finding the id ADMIN_IDS wants): in no menu and no /help.
    app.add_handler(CommandHandler("id", handlers.whoami, filters.ChatType.PRIVATE))
    private = filters.ChatType.PRIVATE
    app.add_handler(
        MessageHandler(private & filters.StatusUpdate.CHAT_SHARED, channels.chat_shared)
    )
    app.add_handler(MessageHandler(private & filters.FORWARDED, channels.forwarded_from_channel))
    topic_events = (
        filters.StatusUpdate.FORUM_TOPIC_CREATED
        | filters.StatusUpdate.FORUM_TOPIC_EDITED
        | filters.StatusUpdate.FORUM_TOPIC_CLOSED
        | filters.StatusUpdate.FORUM_TOPIC_REOPENED
    )
    app.add_handler(MessageHandler(topic_events, topics.topic_event))
    app.add_handler(
        MessageHandler(private & filters.Document.FileExtension("opml"), admin.import_opml)
    )
    # Words alone in a private chat are a search; edits, forwards and inline results are not.
    words = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND & ~filters.VIA_BOT
    app.add_handler(MessageHandler(private & words & ~filters.FORWARDED, handlers.search_words))
    app.add_handler(CallbackQueryHandler(handlers.page, pattern=handlers.PAGE_PATTERN))
    paged = (
        (handlers.sources_button, handlers.SOURCES_PAGE_PATTERN),
        (chat_settings.status_button, chat_settings.STATUS_PAGE_PATTERN),
        (subscriptions.subscriptions_button, subscriptions.SUBSCRIPTIONS_PAGE_PATTERN),
    )
    for callback, pattern in paged:
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    app.add_handler(
        CallbackQueryHandler(subscriptions.remove_button, pattern=subscriptions.UNSUBSCRIBE_PATTERN)
    )
    app.add_handler(
        CallbackQueryHandler(languages.language_button, pattern=languages.LANGUAGE_PATTERN)
    )
    app.add_handler(
        CallbackQueryHandler(
            subscriptions.unsubscribe_all_button, pattern=subscriptions.UNSUBSCRIBE_ALL_PATTERN
        )
    )
    app.add_handler(
        CallbackQueryHandler(reader_feeds.found_button, pattern=reader_feeds.FOUND_PATTERN)
    )
    app.add_handler(CallbackQueryHandler(handlers.stale_button))
    app.add_handler(InlineQueryHandler(handlers.inline))
    app.add_handler(ChatMemberHandler(handlers.membership, ChatMemberHandler.MY_CHAT_MEMBER))
    # Last: any other command gets a hint (CommandHandlers above take theirs first).
    app.add_handler(MessageHandler(filters.COMMAND, handlers.unknown_command))
    app.add_error_handler(handlers.on_error)


async def _post_init(
    app: RelaisApp, *, settings: Settings, gate: FloodGate, policy: AddressPolicy | None
) -> None:
    stack = AsyncExitStack()
    app.bot_data.stack = stack  # closed by post_shutdown, also when start-up is refused
    store = await stack.enter_async_context(Store.open(settings.database))
    # First of all: a process refused here must not have written anything.
    leadership = await leading.take_part(app, store, settings)
    await _configure_sources(store, settings)
    searcher = Searcher(store, _index_path(settings), tz=settings.tz)
    await searcher.start()
    client = await stack.enter_async_context(make_client(timeout=15.0))
    public_only = None
    if policy is not None:
        public_only = await stack.enter_async_context(make_client(timeout=15.0, policy=policy))
    sender = Sender(
        store,
        make_send(app.bot),
        tz=settings.tz,
        gate=gate,
        claim=leadership.claim,
        page_wait=settings.page_wait,
        on_topic_paused=topics.topic_notice(app),
    )
    fetcher = PageFetcher(client, public_only=public_only, gap=settings.page_gap)
    pages = PageWorker(store, fetcher, on_done=sender.wake.set)
    alerts = AdminAlerts(app.bot, store, settings.admin_ids)
    stack.push_async_callback(alerts.close)
    app.bot_data.alerts = alerts
    on_failing, on_recovered = alerts.callbacks()
    poller = Poller(
        store,
        client,
        public_only=public_only,
        tz=settings.tz,
        default_interval=settings.poll_interval,
        on_new=sender.wake.set,
        on_failing=on_failing,
        on_recovered=on_recovered,
        pages=pages,
    )
    app.bot_data.services = Services(settings, store, searcher, poller, sender, policy, leadership)
    for lang in COMMANDS:
        await app.bot.set_my_commands(
            [BotCommand(name, description) for name, description in commands(lang)],
            language_code=None if lang == "en" else lang,
        )
    await leading.start_leading(app)
    assert app.job_queue is not None
    # Jobs run in every process; those of the leader's only do nothing in the others.
    app.job_queue.run_once(jobs.start_polling, when=0.5, name="poll")
    app.job_queue.run_repeating(jobs.send_digests, interval=20, first=2, name="digests")
    app.job_queue.run_repeating(jobs.forget_old_searches, interval=86_400, first=60, name="gc")
    app.job_queue.run_repeating(jobs.prune_outbox, interval=86_400, first=90, name="outbox")
    app.job_queue.run_repeating(
        jobs.drop_unfollowed_sources, interval=3_600, first=120, name="unfollowed"
    )
    log.info("Relais is up as @%s with %d passages indexed", app.bot.username, len(searcher))


def _index_path(settings: Settings) -> Path:
    """Where the search index is kept (see Settings.index_path); one file per webhook replica,
    named after its port (replicas on one host listen on different ports), since each
    follows the store on its own."""
    path = settings.index_path
    if settings.webhook_url is None:
        return path
    return path.with_name(f"{path.name.removesuffix('.index')}.{settings.port}.index")


async def _configure_sources(store: Store, settings: Settings) -> None:
    if not settings.sources_file.is_file():
        log.info(
            "no sources file at %s: nothing to poll yet (seeds/sources.toml is an example)",
            settings.sources_file,
        )
        return
    sources, errors = parse_sources(
        settings.sources_file.read_text(encoding="utf-8"), default_interval=settings.poll_interval
    )
    for error in errors:
        log.warning("%s: %s (left out)", settings.sources_file, error)
    await sync_sources(store, sources, settings.poll_interval)


async def _post_stop(app: RelaisApp) -> None:
    await leading.leave(app)


async def _post_shutdown(app: RelaisApp) -> None:
    services = opened(app)
    if services is not None:
        await services.searcher.close()
    stack, app.bot_data.stack = app.bot_data.stack, None
    if stack is not None:
        await stack.aclose()


def run(settings: Settings) -> int:
    """Serve Telegram until SIGINT or SIGTERM, by long polling or, when WEBHOOK_URL is set,
    behind a webhook; the exit code."""
    app = build_application(settings)
    soft, hard = webhook_server.raise_file_limit()
    log.debug("open files limit: %d (hard %d)", soft, hard)
    try:
        if settings.webhook_url is None:
            app.run_polling(allowed_updates=Update.ALL_TYPES)
        else:
            log.info(
                "webhook mode: listening on %s:%d, Telegram posts to %s",
                settings.webhook_listen, settings.port, _masked(settings.webhook_target),
            )  # fmt: skip
            assert settings.webhook_secret is not None  # config requires it with WEBHOOK_URL
            # Refused at the headers unless for this path with this secret; bodies, headers,
            # idle connections and their number bounded (PTB's server has no such settings).
            webhook_server.install(settings.webhook_path, settings.webhook_secret)
            app.run_webhook(
                listen=settings.webhook_listen,
                port=settings.port,
                url_path=settings.webhook_path,
                webhook_url=settings.webhook_target,
                # Checked on every request: a missing or wrong header is answered 403.
                secret_token=settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
    except LeaseRefused as exc:
        log.error("%s", leading.refusal(exc, settings))
        return 1
    except InvalidToken:
        log.error("Telegram refused BOT_TOKEN: check it with @BotFather")
        return 1
    except NetworkError as exc:
        log.error("cannot reach the Bot API at %s: %s", settings.telegram_api_url, exc)
        return 1
    except OSError as exc:
        if settings.webhook_url is None or exc.errno not in _CANNOT_LISTEN:
            raise
        log.error("cannot listen on %s:%d: %s", settings.webhook_listen, settings.port, exc)
        return 1
    return app.bot_data.exit_code


def _masked(url: str) -> str:
    """A webhook URL for the log: its path is part of the secret, so only its start shows."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path[:9]}…"
