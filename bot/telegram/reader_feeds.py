"""/subscribe URL from any reader (OPEN_SOURCES=1): find the feed, add it, subscribe."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import render
from bot.filters import FilterError, parse_filter
from bot.i18n import text
from bot.ingest.discovery import FeedLink
from bot.ingest.feed_finder import find_feeds
from bot.ingest.fetch import check_public, make_client
from bot.models import Chat, Source
from bot.names import MAX_NAME_CHARS, clean_name, feed_name
from bot.polling.adding import add_sources
from bot.telegram.channels import target_chat, where
from bot.telegram.context import Pressed, Said, Turn, on_button
from bot.telegram.services import Context, Services, services_of

log = logging.getLogger(__name__)

FOUND_PATTERN = r"^fd:(\d{1,2})$"
_FOUND = "found_feeds"  # chat_data: the feeds last offered as buttons, and their filters


def is_url(word: str) -> bool:
    """Whether /subscribe's first word is an address rather than a source's name."""
    return word.lower().startswith(("http://", "https://"))


async def subscribe_url(said: Said, context: Context) -> None:
    """`/subscribe URL [FILTERS]`: the feed at URL (or the site's) added and followed here."""
    lang = said.lang
    url, rest = said.args[0], said.args[1:]
    target = await target_chat(said, context)
    if target is None:
        return
    try:
        filters = parse_filter(" ".join(rest)).describe()
    except FilterError as exc:
        await said.reply(text(lang, "bad_filter", error=render.escape(exc.message(lang))))
        return
    services = services_of(context)
    if await _limit_reached(said, services):
        return
    if not await _public(said, services, url):
        return
    async with make_client(timeout=15.0, policy=services.address_policy) as client:
        found = await find_feeds(client, url, tz=services.settings.tz)
    if not found:
        await said.reply(text(lang, "open_no_feed", url=render.escape(url[:200])))
        return
    if len(found) == 1:
        await _follow(said, services, target, found[0], filters)
        return
    if context.chat_data is not None:
        context.chat_data[_FOUND] = ([link.url for link in found], filters)
    buttons = [
        [InlineKeyboardButton(render.shorten(link.title or link.url, 60), callback_data=f"fd:{n}")]
        for n, link in enumerate(found)
    ]
    await said.reply(text(lang, "open_pick_feed", count=len(found)), InlineKeyboardMarkup(buttons))


@on_button
async def found_button(pressed: Pressed, context: Context) -> None:
    """A press on one of the feeds a page announced: follow that one."""
    offered = (context.chat_data or {}).get(_FOUND)
    number = int(pressed.match.group(1))
    if offered is None or number >= len(offered[0]):
        await pressed.query.answer(text(pressed.lang, "expired"), show_alert=True)
        return
    await pressed.query.answer()
    target = await target_chat(pressed, context)
    if target is None:
        return
    services = services_of(context)
    if await _limit_reached(pressed, services):
        return
    urls, filters = offered
    if not await _public(pressed, services, urls[number]):
        return
    async with make_client(timeout=15.0, policy=services.address_policy) as client:
        found = await find_feeds(client, urls[number], tz=services.settings.tz)
    if not found:
        await pressed.reply(text(pressed.lang, "open_no_feed", url=render.escape(urls[number])))
        return
    await _follow(pressed, services, target, found[0], filters)


async def _limit_reached(turn: Turn, services: Services) -> bool:
    """Answer a reader past their limit, or a bot past its total; True when answered."""
    settings = services.settings
    user_id = turn.user.id if turn.user is not None else turn.chat.id
    if user_id in settings.admin_ids:
        return False
    if await services.store.count_added_by(user_id) >= settings.open_sources_per_user:
        await turn.reply(text(turn.lang, "open_user_limit", limit=settings.open_sources_per_user))
        return True
    if await services.store.count_added_by() >= settings.open_sources_max:
        await turn.reply(text(turn.lang, "open_total_limit", limit=settings.open_sources_max))
        return True
    return False


async def _public(turn: Turn, services: Services, url: str) -> bool:
    """Whether `url` may be fetched for a reader (the address guard of /addsource)."""
    if services.address_policy is None:
        return True
    refusal = await check_public(url, services.address_policy)
    if refusal is None:
        return True
    host = render.escape(refusal.host[:100])
    if refusal.kind == "scheme":
        await turn.reply(text(turn.lang, "open_no_feed", url=render.escape(url[:200])))
    elif refusal.kind == "numeric":
        await turn.reply(text(turn.lang, "source_odd_host", host=host))
    elif refusal.kind == "unresolved":
        await turn.reply(text(turn.lang, "source_unresolved", host=host))
    else:
        url_shown = render.escape(url[:200])
        await turn.reply(
            text(turn.lang, "source_not_public", url=url_shown, address=refusal.address)
        )
    return False


async def _follow(
    turn: Turn, services: Services, target: Chat, link: FeedLink, filters: str
) -> None:
    """Add the feed under the rules of /addsource (unless it is polled already), subscribe."""
    lang, store = turn.lang, services.store
    name = clean_name(feed_name(link.title, link.url) or "")[:MAX_NAME_CHARS] or _host(link.url)
    [addition] = await add_sources(
        store, [Source(name, link.url)], interval=services.settings.poll_interval, origin="telegram"
    )
    if addition.verdict in ("lookalike", "url_change", "twice"):
        # A source of that very name polls another URL: `other` is then that URL.
        taken = name if addition.verdict == "url_change" else addition.other or name
        other = render.escape(taken)
        await turn.reply(text(lang, "open_name_taken", name=render.escape(name), other=other))
        return
    shown = addition.other if addition.verdict == "same_url" else name
    source = await store.source_by_name(shown or name)
    if source is None:  # removed meanwhile
        await turn.reply(text(lang, "open_no_feed", url=render.escape(link.url)))
        return
    if addition.applies:
        if turn.user is not None:
            await store.mark_added_by(source.id, turn.user.id)
        services.poller.sources_changed()
        log.info("source %r (%s) brought by user %s", name, link.url, turn.user and turn.user.id)
    await store.subscribe(target.id, source.id, filters, thread_id=target.thread_id)
    note = text(lang, "with_filters", filters=render.escape(filters)) if filters else ""
    key = "open_added" if addition.applies else "subscribed"
    here = where(lang, target, turn.chat.id)  # « ici », or the channel configured from here
    await turn.reply(text(lang, key, source=render.escape(source.name), filters=note, where=here))


def _host(url: str) -> str:
    return (urlsplit(url).hostname or url)[:MAX_NAME_CHARS]
