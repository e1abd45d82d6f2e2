"""Subscription commands: subscribe, unsubscribe, list, test a filter, quiet hours, digests."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import render
from bot.digest import ScheduleError, parse_schedule
from bot.filters import FilterError, document, parse_filter
from bot.i18n import text
from bot.models import Chat, SourceState
from bot.telegram.channels import lang_of, remember_chat, services_of, target_chat
from bot.telegram.jobs import deliver_digest

UNSUBSCRIBE_PATTERN = r"^u:(\d+)$"


async def _source(
    update: Update, context: ContextTypes.DEFAULT_TYPE, name: str
) -> SourceState | None:
    """A source by loose name; an unknown one is answered with the known names."""
    store = services_of(context).store
    source = await store.source_by_name(name)
    if source is None:
        known = ", ".join(render.escape(n) for n in await store.source_names()) or "—"
        await update.effective_message.reply_text(
            text(lang_of(update), "unknown_source", name=render.escape(name[:60]), known=known)
        )
    return source


def _filters_note(lang: str, filters: str) -> str:
    return text(lang, "with_filters", filters=render.escape(filters)) if filters else ""


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/subscribe SOURCE|all [FILTERS]`: new posts that pass the filters come here."""
    lang = lang_of(update)
    args = context.args or []
    if not args:
        await update.effective_message.reply_text(text(lang, "usage_subscribe"))
        return
    target = await target_chat(update, context)
    if target is None:
        return
    store = services_of(context).store
    if args[0].lower() in ("all", "tout", "tous", "toutes"):
        source_id, label, rest = None, text(lang, "all_sources"), args[1:]
    else:
        found = await _named_source(update, context, args)
        if found is None:
            return
        source, rest = found
        source_id, label = source.id, render.escape(source.name)
    try:
        filters = parse_filter(" ".join(rest)).describe()
    except FilterError as exc:
        await update.effective_message.reply_text(
            text(lang, "bad_filter", error=render.escape(exc.message(lang)))
        )
        return
    created = await store.subscribe(target.id, source_id, filters)
    key = "subscribed" if created else "subscription_updated"
    await update.effective_message.reply_text(
        text(lang, key, source=label, filters=_filters_note(lang, filters))
    )


async def _named_source(
    update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]
) -> tuple[SourceState, list[str]] | None:
    """The source named by the longest run of leading words, and the words after it.

    Names may have spaces (`Le Vent Se Lève`) and bare words are filters too, so the
    longest prefix that names a known source wins.
    """
    store = services_of(context).store
    for end in range(len(args), 0, -1):
        source = await store.source_by_name(" ".join(args[:end]))
        if source is not None:
            return source, args[end:]
    name = " ".join(word for word in args if word[:1] not in '+-"«“') or args[0]
    await _source(update, context, name)
    return None


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/unsubscribe SOURCE|all`."""
    lang = lang_of(update)
    args = context.args or []
    if not args:
        await update.effective_message.reply_text(text(lang, "usage_unsubscribe"))
        return
    target = await target_chat(update, context)
    if target is None:
        return
    store = services_of(context).store
    name = " ".join(args)
    if name.lower() in ("all", "tout", "tous", "toutes"):
        removed = await store.unsubscribe(target.id, None, every=True)
        label = text(lang, "all_sources")
    else:
        source = await _source(update, context, name)
        if source is None:
            return
        removed = await store.unsubscribe(target.id, source.id)
        label = render.escape(source.name)
    key = "unsubscribed" if removed else "not_subscribed"
    await update.effective_message.reply_text(text(lang, key, source=label))


async def subscriptions(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/subscriptions`: the list, with a button to remove each."""
    lang = lang_of(update)
    target = await target_chat(update, context)
    if target is None:
        return
    subs = await services_of(context).store.subscriptions(target.id)
    if not subs:
        await update.effective_message.reply_text(text(lang, "no_subscriptions"))
        return
    title = render.escape(target.title or str(target.id))
    lines = [text(lang, "subscriptions_header", chat=title)]
    buttons = []
    for sub in subs:
        label = sub.source or text(lang, "all_sources")
        lines.append(f"• {render.escape(label)}{_filters_note(lang, sub.filters)}")
        buttons.append([InlineKeyboardButton(f"✖ {label[:40]}", callback_data=f"u:{sub.id}")])
    await update.effective_message.reply_text(
        "\n".join(lines), reply_markup=InlineKeyboardMarkup(buttons[:50])
    )


async def remove_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A ✖ press under /subscriptions."""
    query = update.callback_query
    lang = lang_of(update)
    target = await target_chat(update, context)
    if target is None:
        await query.answer()
        return
    subscription_id = int(context.matches[0].group(1))
    removed = await services_of(context).store.remove_subscription(target.id, subscription_id)
    await query.answer(text(lang, "removed") if removed else text(lang, "expired"))
    if removed:
        await subscriptions(update, context)


async def filter_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/filter test SOURCE FILTERS`: which of the last 20 posts would pass."""
    lang = lang_of(update)
    args = context.args or []
    if len(args) < 3 or args[0].lower() != "test":
        await update.effective_message.reply_text(text(lang, "usage_filter"))
        return
    found = await _named_source(update, context, args[1:])
    if found is None:
        return
    source, rest = found
    try:
        flt = parse_filter(" ".join(rest))
    except FilterError as exc:
        await update.effective_message.reply_text(
            text(lang, "bad_filter", error=render.escape(exc.message(lang)))
        )
        return
    store = services_of(context).store
    recent = await store.recent_posts(20, source_id=source.id, with_text=True)
    lines = []
    passed = 0
    for post in recent:
        ok = flt.matches(document(post["title"], post["text"]))
        passed += ok
        lines.append(f"{'✅' if ok else '❌'} {render.link(post['title'], post['url'])}")
    header = text(
        lang, "filter_header", count=len(recent), source=render.escape(source.name), passed=passed
    )
    await update.effective_message.reply_text("\n".join([header, *lines]))


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
                text(lang, "bad_schedule", error=render.escape(str(exc)))
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
    await update.effective_message.reply_text("\n".join(lines))


def _when(moment: datetime | None, tz: ZoneInfo, lang: str) -> str:
    if moment is None:
        return text(lang, "never")
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")
