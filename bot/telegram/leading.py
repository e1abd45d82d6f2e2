"""What only the leader runs (poller, sender, jobs), started and stopped with the lease."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import partial

from bot.config import Settings
from bot.leader import Leadership, LeaseRefused, Owner
from bot.store import Store
from bot.telegram import jobs
from bot.telegram.services import RelaisApp, opened

log = logging.getLogger(__name__)


async def take_part(app: RelaisApp, store: Store, settings: Settings) -> Leadership:
    """Join the processes sharing the database: lead, follow, or raise LeaseRefused.

    Long polling admits one process per database (two would make Telegram answer 409);
    webhook replicas elect one leader among themselves. The lease is then renewed in the
    background until `leave`.
    """
    polling = settings.webhook_url is None
    owner = Owner.this_process("polling" if polling else "webhook")
    leadership = Leadership(store, owner, on_change=partial(_changed, app, settings))
    app.bot_data.leadership = leadership
    try:
        await leadership.start(exclusive=polling)
    except LeaseRefused as exc:
        exc.where = store.describe()  # a path, or a URL without its password
        raise
    app.bot_data.lease_task = asyncio.create_task(leadership.run(), name="leader lease")
    return leadership


def refusal(exc: LeaseRefused, settings: Settings) -> str:
    """The one line a refused process exits with."""
    where = exc.where or "this database"
    if settings.webhook_url is None:
        return (
            f"another Relais process ({exc.who}) already runs on {where}: two pollers of one bot"
            " make Telegram answer 409 Conflict. Stop it first, or run replicas in webhook mode"
        )
    return (
        f"a Relais process ({exc.who}) polls Telegram for {where}: stop it before starting"
        " webhook replicas (Telegram sends updates either to a webhook or to getUpdates)"
    )


async def start_leading(app: RelaisApp) -> None:
    """Start the leader's own work if this process leads (also when it becomes the leader)."""
    services = opened(app)
    if services is None or services.leadership is None or not services.leadership.leading:
        return
    if app.bot_data.sender_task is None:
        again = await services.store.claimed_elsewhere(str(services.leadership.owner))
        if again:
            log.warning(
                "%d delivery(ies) were in flight at the previous leader: sending them again"
                " (they may arrive twice)",
                again,
            )
        task = asyncio.create_task(services.sender.run(), name="outbox sender")
        app.bot_data.sender_task = task
    if app.running and app.job_queue is not None:
        # The poller starts from the job queue (as at start-up), where the app runs.
        app.job_queue.run_once(jobs.start_polling, when=0, name="poll")


async def stop_leading(app: RelaisApp) -> None:
    """Stop the poller and the sender (their fetches and sends in flight end first)."""
    # Cancelling the poller cancels the fetches in flight: a slow source never holds up exit.
    state = app.bot_data
    tasks = state.poller_task, state.sender_task
    state.poller_task = state.sender_task = None
    for task in tasks:
        await _cancelled(task)
    services = opened(app)
    if services is not None:
        await services.sender.wait_idle()


async def leave(app: RelaisApp) -> None:
    """At shutdown: stop renewing, stop the leader's work, give the lease up."""
    task, app.bot_data.lease_task = app.bot_data.lease_task, None
    await _cancelled(task)
    await stop_leading(app)
    leadership = app.bot_data.leadership
    if leadership is not None:
        await leadership.release()


async def _cancelled(task: asyncio.Task[None] | None) -> None:
    """Cancel `task` (if any) and wait until it has ended."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _changed(app: RelaisApp, settings: Settings, leading: bool) -> None:
    if leading:
        await start_leading(app)
        return
    await stop_leading(app)
    if settings.webhook_url is None and app.running:
        # A poller that lost its lease must not keep polling Telegram beside the new one.
        log.error("another process took this database's lease: stopping")
        app.bot_data.exit_code = 1
        app.stop_running()
