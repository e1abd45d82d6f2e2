"""Chat settings: quiet hours, digests, link previews, time zone, and /status."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Update
from telegram.ext import ContextTypes

from bot import render
from bot.digest import ScheduleError, parse_schedule
from bot.i18n import text
from bot.models import Chat
from bot.telegram.channels import target_chat
from bot.telegram.context import lang_of, remember_chat, reply_lines, services_of
from bot.telegram.jobs import deliver_digest


async def quiet(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/quiet 22:00-07:00` or `/quiet off`."""
    lang = lang_of(update)
    args = context.args or []
    window = _parse_window(args[0]) if len(args) == 1 and args[0] != "off" else None
    if not args or (args[0] != "off" and window is None):
        await update.effective_message.reply_text(text(lang, "usage_quiet"))
        return
    target = await target_chat(update, context)
    if target is None:
        return
    store = services_of(context).store
    if window is None:
        await store.update_chat(target.id, quiet_start=None, quiet_end=None)
        await update.effective_message.reply_text(text(lang, "quiet_off"))
        return
    start, end = window
    await store.update_chat(target.id, quiet_start=start, quiet_end=end)
    await update.effective_message.reply_text(text(lang, "quiet_on", start=start, end=end))


def _parse_window(value: str) -> tuple[str, str] | None:
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        return None
    return (start.strftime("%H:%M"), end.strftime("%H:%M")) if start != end else None


async def digest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/digest daily HH:MM`, `/digest weekly mon HH:MM`, `/digest off`, `/digest now`."""
    lang = lang_of(update)
    args = context.args or []
    if not args:
        await update.effective_message.reply_text(text(lang, "usage_digest"))
        return
    target = await target_chat(update, context)
    if target is None:
        return
    store = services_of(context).store
    action = args[0].lower()
    now = datetime.now(UTC)
    if action == "off":
        await store.update_chat(target.id, digest=None)
        await update.effective_message.reply_text(text(lang, "digest_off"))
    elif action == "now":
        count = await deliver_digest(context.application, target, now)
        key = "digest_sent" if count else "digest_empty"
        if target.id != update.effective_chat.id or not count:
            await update.effective_message.reply_text(text(lang, key, count=count))
    else:
        try:
            schedule = parse_schedule(args)
        except ScheduleError as exc:
            await update.effective_message.reply_text(
                text(lang, "bad_schedule", error=render.escape(exc.message(lang)))
            )
            return
        await store.update_chat(target.id, digest=schedule, last_digest_at=now.isoformat())
        tz = target.timezone or services_of(context).settings.timezone
        await update.effective_message.reply_text(
            text(lang, "digest_on", schedule=schedule, tz=render.escape(tz))
        )


async def previews(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/previews on|off`: link previews under pushed posts (off by default)."""
    lang = lang_of(update)
    args = [a.lower() for a in context.args or []]
    if args not in (["on"], ["off"]):
        await update.effective_message.reply_text(text(lang, "usage_previews"))
        return
    target = await target_chat(update, context)
    if target is None:
        return
    await services_of(context).store.update_chat(target.id, link_previews=int(args == ["on"]))
    await update.effective_message.reply_text(text(lang, f"previews_{args[0]}"))


async def timezone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/timezone Area/City`: for quiet hours, digests and dates."""
    lang = lang_of(update)
    args = context.args or []
    if len(args) != 1:
        await update.effective_message.reply_text(text(lang, "usage_timezone"))
        return
    try:
        zone = ZoneInfo(args[0])
    except (ZoneInfoNotFoundError, ValueError):
        await update.effective_message.reply_text(
            text(lang, "bad_timezone", tz=render.escape(args[0][:60]))
        )
        return
    target = await target_chat(update, context)
    if target is None:
        return
    await services_of(context).store.update_chat(target.id, timezone=zone.key)
    await update.effective_message.reply_text(text(lang, "timezone_set", tz=zone.key))


async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/status`: each source's polling, then this chat's subscriptions and waiting sends."""
    lang = lang_of(update)
    services = services_of(context)
    here: Chat = await remember_chat(update, context)
    chat = (await services.store.chat(here.manages)) if here.manages else here
    tz = services.settings.tz
    lines = [text(lang, "status_sources")]
    for source in await services.store.polled_sources():
        line = text(
            lang,
            "status_source",
            name=render.escape(source.name),
            success=_when(source.last_success, tz, lang),
            errors=source.error_count,
            next=_when(source.next_poll, tz, lang),
        )
        if source.failing:
            line += text(
                lang, "status_failing", error=render.escape((source.last_error or "")[:200])
            )
        lines.append(line)
    chat = chat or here
    subs = await services.store.subscriptions(chat.id)
    counts = await services.store.outbox_counts(chat.id)
    pending = counts.get("pending_push", 0) + counts.get("pending_digest", 0)
    lines += ["", text(lang, "status_chat", subs=len(subs), pending=pending)]
    await reply_lines(update, lines)


def _when(moment: datetime | None, tz: ZoneInfo, lang: str) -> str:
    return render.local_time(moment, tz) or text(lang, "never")
