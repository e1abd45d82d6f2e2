"""JobQueue work: start polling, release due digests, forget old searches, prune the outbox;
notes to admins."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from bot import i18n
from bot.delivery.digests import release_due_digests
from bot.telegram.services import Context, RelaisApp, Services, services_of

log = logging.getLogger(__name__)

QUERY_LIFETIME = timedelta(days=30)
# How long a settled delivery (sent, failed, given up) stays in the outbox: longer than
# the window in which an article arriving from another source counts as delivered.
OUTBOX_RETENTION = timedelta(days=30)
# How long a feed a reader brought is still polled once no chat follows it (a reader who
# unsubscribes by mistake and comes back within it finds it as it was).
READER_SOURCE_GRACE = timedelta(days=7)


def _leads(services: Services) -> bool:
    """Whether this process runs the leader's work (it alone, among those sharing the store)."""
    return services.leadership is None or services.leadership.leading


async def start_polling(context: Context) -> None:
    """JobQueue, once (at start, and when this process becomes the leader): the poller runs
    as a task of its own until shutdown or the loss of the lease cancels it.

    Not a repeating job: each source has its own schedule, so no tick waits for a slow one.
    """
    state = context.bot_data
    services = services_of(context)
    if _leads(services) and state.poller_task is None:
        state.poller_task = asyncio.create_task(services.poller.run(), name="poller")


async def send_digests(context: Context) -> None:
    """JobQueue: release the digests that are due to the sender."""
    services = services_of(context)
    if not _leads(services):
        return
    wake = services.sender.wake.set
    await release_due_digests(services.store, datetime.now(UTC), services.settings.tz, wake)


async def forget_old_searches(context: Context) -> None:
    """JobQueue: drop searches unused for a month; their old buttons then say so."""
    services = services_of(context)
    if not _leads(services):
        return
    forgotten = await services.store.forget_queries(datetime.now(UTC) - QUERY_LIFETIME)
    if forgotten:
        log.info("forgot %d old searches", forgotten)


async def prune_outbox(context: Context) -> None:
    """JobQueue: forget deliveries settled more than OUTBOX_RETENTION ago."""
    services = services_of(context)
    if not _leads(services):
        return
    pruned = await services.store.prune_outbox(datetime.now(UTC) - OUTBOX_RETENTION)
    if pruned:
        log.info("pruned %d settled deliveries from the outbox", pruned)


async def drop_unfollowed_sources(context: Context) -> None:
    """JobQueue: stop polling the feeds readers brought that nobody follows any more."""
    services = services_of(context)
    if _leads(services):
        await drop_unfollowed(services, datetime.now(UTC))


async def drop_unfollowed(services: Services, now: datetime) -> list[str]:
    """Sources readers brought (OPEN_SOURCES) unfollowed for READER_SOURCE_GRACE: no longer
    polled (their posts stay searchable); their names."""
    dropped = await services.store.drop_unfollowed_reader_sources(now, READER_SOURCE_GRACE)
    if dropped:
        log.info("no chat follows %s any more: no longer polled", ", ".join(dropped))
        services.poller.sources_changed()
    return dropped


async def tell_admins(app: RelaisApp, key: str, **values: object) -> None:
    """A catalogue text to every admin in ADMIN_IDS, each in their language; never raises.

    A value may be a function of the language (a stored error code, rendered per admin)."""
    services = services_of(app)
    for admin in services.settings.admin_ids:
        try:
            chat = await services.store.chat(admin)
            lang = chat.language if chat else "fr"
            filled = {k: v(lang) if callable(v) else v for k, v in values.items()}
            await app.bot.send_message(admin, i18n.text(lang, key, **filled))
        except Exception as exc:
            log.warning("could not tell admin %s: %s", admin, exc)
