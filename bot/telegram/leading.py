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
from bot.telegram.services import AnyApplication, opened

log = logging.getLogger(__name__)

# The leader's own tasks, by their key in bot_data.
LEADER_TASKS = ("poller_task", "sender_task")


async def take_part(app: AnyApplication, store: Store, settings: Settings) -> Leadership:
    """Join the processes sharing the database: lead, follow, or raise LeaseRefused.

    Long polling admits one process per database (two would make Telegram answer 409);
    webhook replicas elect one leader among themselves. The lease is then renewed in the
    background until `leave`.
    """
    polling = settings.webhook_url is None
    owner = Owner.this_process("polling" if polling else "webhook")
    leadership = Leadership(store, owner, on_change=partial(_changed, app))
    app.bot_data["leadership"] = leadership
    try:
        await leadership.start(exclusive=polling)
    except LeaseRefused as exc:
        exc.where = store.describe()  # a path, or a URL without its password
        raise
    app.bot_data["lease_task"] = asyncio.create_task(leadership.run(), name="leader lease")
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


async def start_leading(app: AnyApplication) -> None:
    """Start the leader's own work if this process leads (also when it becomes the leader)."""
    services = opened(app)
    if services is None or services.leadership is None or not services.leadership.leading:
        return
    if "sender_task" not in app.bot_data:
        again = await services.store.claimed_elsewhere(str(services.leadership.owner))
        if again:
            log.warning(
                "%d delivery(ies) were in flight at the previous leader: sending them again"
                " (they may arrive twice)",
                again,
            )
        task = asyncio.create_task(services.sender.run(), name="outbox sender")
        app.bot_data["sender_task"] = task
    if app.running and app.job_queue is not None:
        # The poller starts from the job queue (as at start-up), where the app runs.
        app.job_queue.run_once(jobs.start_polling, when=0, name="poll")


async def stop_leading(app: AnyApplication) -> None:
    """Stop the poller and the sender (their fetches and sends in flight end first)."""
    # Cancelling the poller cancels the fetches in flight: a slow source never holds up exit.
    for name in LEADER_TASKS:
        task: asyncio.Task[None] | None = app.bot_data.pop(name, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    services = opened(app)
    if services is not None:
        await services.sender.wait_idle()


async def leave(app: AnyApplication) -> None:
    """At shutdown: stop renewing, stop the leader's work, give the lease up."""
    task: asyncio.Task[None] | None = app.bot_data.pop("lease_task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await stop_leading(app)
    leadership: Leadership | None = app.bot_data.get("leadership")
    if leadership is not None:
        await leadership.release()


async def _changed(app: AnyApplication, leading: bool) -> None:
    if leading:
        await start_leading(app)
        return
    await stop_leading(app)
    settings: Settings = app.bot_data["settings"]
    if settings.webhook_url is None and app.running:
        # A poller that lost its lease must not keep polling Telegram beside the new one.
        log.error("another process took this database's lease: stopping")
        app.bot_data["exit_code"] = 1
        app.stop_running()
