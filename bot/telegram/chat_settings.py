"""Chat settings: quiet hours, digests, link previews, time zone, and /status."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import render
from bot.delivery.digests import ScheduleError, parse_schedule, release_digest
from bot.i18n import text
from bot.models import Chat
from bot.telegram.channels import chat_label, target_chat, where
from bot.telegram.context import (
    Pressed,
    Said,
    Turn,
    nav_markup,
    on_button,
    on_message,
    remember_chat,
    show_page,
)
from bot.telegram.paging import page_of
from bot.telegram.services import Context, services_of
from bot.times import parse_range, show_schedule, show_time

STATUS_PAGE_SIZE = 10
STATUS_PAGE_PATTERN = r"^st:(\d{1,5})$"
# Argument words, in either language and any case: French ones are shown, English kept.
OFF = ("off", "non", "aucun", "aucune", "arret", "arrêt", "stop", "fin")
ON = ("on", "oui")
NOW = ("now", "maintenant")


@on_message
async def quiet(said: Said, context: Context) -> None:
    """`/quiet 22h-7h` (any form bot.times reads) or `/quiet non` / `off`."""
    lang = said.lang
    args = said.args
    off = len(args) == 1 and args[0].lower() in OFF
    window = None if off else parse_range(args)
    if window is None and not off:
        await said.reply(text(lang, "usage_quiet"))
        return
    target = await target_chat(said, context)
    if target is None:
        return
    store = services_of(context).store
    if window is None:
        await store.update_settings(target, quiet_start=None, quiet_end=None)
        await said.reply(text(lang, "quiet_off"))
        return
    start, end = window
    stored = {"quiet_start": start.strftime("%H:%M"), "quiet_end": end.strftime("%H:%M")}
    await store.update_settings(target, **stored)
    shown = {"start": show_time(start, lang), "end": show_time(end, lang)}
    await said.reply(text(lang, "quiet_on", **shown))


@on_message
async def digest(said: Said, context: Context) -> None:
    """`/digest quotidien 8h`, `/digest hebdo lundi 8h`, `/digest non`, `/digest maintenant`
    (or `daily 08:00`, `weekly mon 08:00`, `off`, `now`)."""
    lang = said.lang
    args = said.args
    if not args:
        await said.reply(text(lang, "usage_digest"))
        return
    target = await target_chat(said, context)
    if target is None:
        return
    store = services_of(context).store
    action = args[0].lower()
    now = datetime.now(UTC)
    if action in OFF and len(args) == 1:
        await store.update_settings(target, digest=None)
        await said.reply(text(lang, "digest_off"))
    elif action in NOW and len(args) == 1:
        services = services_of(context)
        count = await release_digest(services.store, target, now, services.sender.wake.set)
        key = "digest_sent" if count else "digest_empty"
        if target.id != said.chat.id or not count:
            await said.reply(text(lang, key, count=count))
    else:
        try:
            schedule = parse_schedule(args)
        except ScheduleError as exc:
            await said.reply(text(lang, "bad_schedule", error=render.escape(exc.message(lang))))
            return
        await store.update_settings(target, digest=schedule, last_digest_at=now.isoformat())
        tz = target.timezone or services_of(context).settings.timezone
        shown = show_schedule(schedule, lang)
        here = where(lang, target, said.chat.id)
        await said.reply(text(lang, "digest_on", schedule=shown, tz=render.escape(tz), where=here))


@on_message
async def previews(said: Said, context: Context) -> None:
    """`/previews oui|non` (or `on|off`): link previews under pushed posts (off by default)."""
    lang = said.lang
    args = [a.lower() for a in said.args]
    if len(args) != 1 or args[0] not in ON + OFF:
        await said.reply(text(lang, "usage_previews"))
        return
    target = await target_chat(said, context)
    if target is None:
        return
    on = args[0] in ON
    await services_of(context).store.update_settings(target, link_previews=int(on))
    here = where(lang, target, said.chat.id)
    await said.reply(text(lang, "previews_on" if on else "previews_off", where=here))


@on_message
async def timezone(said: Said, context: Context) -> None:
    """`/timezone Area/City`: for quiet hours, digests and dates."""
    lang = said.lang
    args = said.args
    if len(args) != 1:
        await said.reply(text(lang, "usage_timezone"))
        return
    try:
        zone = ZoneInfo(args[0])
    except (ZoneInfoNotFoundError, ValueError):
        await said.reply(text(lang, "bad_timezone", tz=render.escape(args[0][:60])))
        return
    target = await target_chat(said, context)
    if target is None:
        return
    await services_of(context).store.update_chat(target.id, timezone=zone.key)
    await said.reply(text(lang, "timezone_set", tz=zone.key))


@on_message
async def status(said: Said, context: Context) -> None:
    """`/status`: polling at a glance, failing sources first, then this chat's deliveries."""
    await _status_page(said, context, 0)


@on_button
async def status_button(pressed: Pressed, context: Context) -> None:
    """A ◀ or ▶ press under /status: that page in place."""
    await pressed.query.answer()
    await _status_page(pressed, context, int(pressed.match.group(1)))


async def _status_page(turn: Turn, context: Context, number: int) -> None:
    services = services_of(context)
    here: Chat = await remember_chat(turn, context)
    chat = (await services.store.chat(here.manages) if here.manages else None) or here
    lang, tz = turn.lang, here.zone(services.settings.tz)
    # Readers first see their own: subscriptions, what waits, how it is sent; the table of
    # sources, which only the operator can act on, is for ADMIN_IDS.
    admin = turn.user is not None and turn.user.id in services.settings.admin_ids
    counts = await services.store.outbox_counts(chat.id)
    blocks = [
        render.status_chat(
            await services.store.subscriptions(chat.id, chat.thread_id),
            chat=chat,
            label=chat_label(lang, chat, here.id),
            pending=sum(count for key, count in counts.items() if key.startswith("pending_")),
            given_up=counts.get("given_up", 0),
            lang=lang,
        )
    ]
    polled = await services.store.polled_sources()
    # Failing sources first: they are what someone running /status is looking for.
    ordered = sorted(polled, key=lambda source: not source.failing)
    page = page_of(ordered, number, STATUS_PAGE_SIZE)
    blocks.append(
        render.status_message(
            page.items,
            polled=len(polled),
            failing=sum(source.failing for source in polled),
            page=page.number,
            pages=page.pages,
            lang=lang,
            tz=tz,
            table=admin,
        )
    )
    # Full articles (fulltext-fetch): the sources of this page whose pages were tried.
    names = {source.name for source in page.items}
    fulltext = {
        name: entry
        for name, entry in (await services.store.fulltext_counts()).items()
        if name in names
    }
    if fulltext:
        blocks.append(render.fulltext_status(fulltext, lang=turn.lang))
    markup = nav_markup("st:", page.number, page.pages) if admin else None
    await show_page(turn, "\n\n".join(blocks), markup)
