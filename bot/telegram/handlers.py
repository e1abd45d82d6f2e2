"""Thin handlers: parse the update, call the core, reply in the user's language."""

from __future__ import annotations

import html
import logging
import math
import re
from typing import TYPE_CHECKING

from telegram import (
    ChatMember,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.ext import ContextTypes

from bot import render
from bot.i18n import text
from bot.paging import page_of
from bot.telegram.context import lang_of, nav_markup, remember_chat, services_of, show_page

if TYPE_CHECKING:
    from bot.search import SearchResponse
    from bot.telegram.app import Services

log = logging.getLogger(__name__)

PAGE_SIZE = 5
MAX_QUERY = 256
MAX_SUGGESTION = 100
INLINE_PAGE = 10
SOURCES_PAGE_SIZE = 20
SOURCES_PAGE_PATTERN = r"^src:(\d{1,5})$"
# A saved search's random id (16 url-safe characters) and a page number. Older buttons
# (`s:<number>:<page>`) match nothing here and answer that the search expired.
PAGE_PATTERN = r"^q:([A-Za-z0-9_-]{16}):(\d{1,4})$"


def _query(words: list[str]) -> tuple[str, bool]:
    """The query from command arguments, cut to Telegram's inline limit; True if cut."""
    query = " ".join(words).strip()
    return (query[:MAX_QUERY], True) if len(query) > MAX_QUERY else (query, False)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome (and resume a chat that had blocked the bot); `/start q_<words>` searches."""
    before = await services_of(context).store.chat(update.effective_chat.id)
    await remember_chat(update, context)
    payload = context.args[0] if context.args else ""
    # Telegram's links carry 64 characters, but anyone can type a longer /start.
    query, cut = _query(payload[2:].replace("_", " ").replace("-", " ").split())
    if payload.startswith("q_") and query:
        if cut:
            await update.effective_message.reply_text(
                text(lang_of(update), "truncated", limit=MAX_QUERY)
            )
        await _send_search(update, context, query)
        return
    key = "welcome_back" if before is not None and not before.active else "welcome"
    await update.effective_message.reply_text(text(lang_of(update), key))


async def membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was blocked, removed, added or unblocked: the chat follows."""
    change = update.my_chat_member
    status = change.new_chat_member.status
    store = services_of(context).store
    if status in (ChatMember.LEFT, ChatMember.BANNED):
        if await store.chat(change.chat.id) is not None:
            await store.update_chat(change.chat.id, active=0)
        return
    title = change.chat.title or change.chat.full_name or change.chat.username
    await store.upsert_chat(change.chat.id, type=change.chat.type, title=title)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every command with its usage."""
    await update.effective_message.reply_text(
        text(lang_of(update), "help", bot=html.escape(context.bot.username or "relais_bot"))
    )


async def search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/search QUERY`: the first page of results, with buttons for the rest."""
    query, cut = _query(context.args or [])
    lang = lang_of(update)
    if not query:
        await update.effective_message.reply_text(text(lang, "usage_search"))
        return
    if cut:
        await update.effective_message.reply_text(text(lang, "truncated", limit=MAX_QUERY))
    await _send_search(update, context, query)


async def _send_search(update: Update, context: ContextTypes.DEFAULT_TYPE, query: str) -> None:
    lang = lang_of(update)
    services = services_of(context)
    response = await services.searcher.search(query, limit=PAGE_SIZE)
    if not response.hits:
        lines = [text(lang, "no_results", query=render.escape(render.shorten(query, 80)))]
        suggestion = await services.searcher.suggest(query)
        if suggestion:
            suggestion = render.escape(render.shorten(suggestion, MAX_SUGGESTION))
            lines.append(text(lang, "did_you_mean", suggestion=suggestion))
        lines += _warnings(response, lang)
        await update.effective_message.reply_text("\n".join(lines))
        return
    query_id = await services.store.save_query(update.effective_chat.id, query)
    body, markup = _page(query, response, 0, query_id, lang, services)
    notes = _warnings(response, lang)
    await update.effective_message.reply_text(
        "\n".join([body, "", *notes]) if notes else body, reply_markup=markup
    )


def _warnings(response: SearchResponse, lang: str) -> list[str]:
    """The query's warnings (bad date, unknown source, ...) as lines for the reader."""
    return [
        text(lang, "warning", warning=render.escape(warning.message(lang)))
        for warning in response.warnings
        if warning.code != "truncated"  # the handler already said it cut the query
    ]


def _page(
    query: str,
    response: SearchResponse,
    page: int,
    query_id: str,
    lang: str,
    services: Services,
) -> tuple[str, InlineKeyboardMarkup | None]:
    pages = max(1, math.ceil(response.total / PAGE_SIZE))
    body = render.search_page(
        query,
        response.hits,
        total=f"{response.total}" if response.exhaustive else f"{response.total}+",
        page=page,
        pages=pages,
        page_size=PAGE_SIZE,
        lang=lang,
        tz=services.settings.tz,
    )
    return body, nav_markup(f"q:{query_id}:", page, pages)


async def page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A ◀ or ▶ press: edit the message to show that page."""
    callback = update.callback_query
    lang = lang_of(update)
    services = services_of(context)
    query_id, digits = context.matches[0].groups()
    number = int(digits)
    chat = update.effective_chat
    # Only the chat that searched may page: a button forged elsewhere finds nothing.
    query = None if chat is None else await services.store.saved_query(chat.id, query_id)
    if query is None:
        await callback.answer(text(lang, "expired"), show_alert=True)
        return
    response = await services.searcher.search(query, limit=PAGE_SIZE, offset=number * PAGE_SIZE)
    if not response.hits:
        # The index changed since the message was sent: go back to the first page.
        number = 0
        response = await services.searcher.search(query, limit=PAGE_SIZE)
    await callback.answer()
    if not response.hits:
        await callback.edit_message_text(
            text(lang, "no_results", query=render.escape(render.shorten(query, 80)))
        )
        return
    body, markup = _page(query, response, number, query_id, lang, services)
    await show_page(update, body, markup)


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button this version of the bot does not know (an old message): say so."""
    await update.callback_query.answer(text(lang_of(update), "expired"), show_alert=True)


async def quote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/quote [QUERY]`: the best matching passage, or a random pull quote."""
    query, cut = _query(context.args or [])
    lang = lang_of(update)
    services = services_of(context)
    if cut:
        await update.effective_message.reply_text(text(lang, "truncated", limit=MAX_QUERY))
    response = await services.searcher.quote(query, limit=1)
    if not response.hits:
        key = "no_quote" if query else "no_posts"
        await update.effective_message.reply_text(
            text(lang, key, query=render.escape(render.shorten(query, 80)))
        )
        return
    await update.effective_message.reply_text(
        render.quote_message(response.hits[0], lang=lang, tz=services.settings.tz)
    )


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/sources`: the sources with their post counts and latest post, a page at a time."""
    await _sources_page(update, context, 0)


async def sources_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A ◀ or ▶ press under /sources: that page in place."""
    await update.callback_query.answer()
    await _sources_page(update, context, int(context.matches[0].group(1)))


async def _sources_page(update: Update, context: ContextTypes.DEFAULT_TYPE, number: int) -> None:
    services = services_of(context)
    rows = await services.store.sources_overview()
    page = page_of(rows, number, SOURCES_PAGE_SIZE)
    body = render.sources_message(
        page.items,
        lang=lang_of(update),
        tz=services.settings.tz,
        total=len(rows),
        page=page.number,
        pages=page.pages,
    )
    await show_page(update, body, nav_markup("src:", page.number, page.pages))


async def inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Inline mode: `@bot words` offers results as articles to share, paged by offset."""
    inline_query = update.inline_query
    query = inline_query.query.strip()[:MAX_QUERY]
    # The offset is ours (next_offset) but comes back from the client: read it defensively.
    offset = int(inline_query.offset) if re.fullmatch(r"\d{1,4}", inline_query.offset) else 0
    if not query:
        await inline_query.answer([], cache_time=5)
        return
    services = services_of(context)
    lang = lang_of(update)
    response = await services.searcher.search(query, limit=INLINE_PAGE, offset=offset)
    results = []
    for hit in response.hits:
        message = render.search_result(hit, lang=lang, tz=services.settings.tz)
        results.append(
            InlineQueryResultArticle(
                id=str(hit.post_id),
                title=render.shorten(hit.title, 100),
                description=render.shorten(f"{hit.source} · {hit.snippet}", 200),
                url=hit.url if hit.url and hit.url.startswith("http") else None,
                input_message_content=InputTextMessageContent(message),
            )
        )
    more = offset + len(results) < response.total and results
    await inline_query.answer(
        results, next_offset=str(offset + len(results)) if more else "", cache_time=30
    )


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command we do not have: a hint in private chats or when addressed to us."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0]
    addressed = "@" in command
    if addressed and command.split("@", 1)[1].lower() != (context.bot.username or "").lower():
        return  # meant for another bot in the group
    if message.chat.type != "private" and not addressed:
        return
    await message.reply_text(text(lang_of(update), "unknown_command"))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log any exception with its update, and apologise in the chat it came from."""
    log.error("error while handling %r", update, exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text(lang_of(update), "error"))
        elif update.effective_message is not None:
            await update.effective_message.reply_text(text(lang_of(update), "error"))
    except Exception:  # the apology itself failed (chat gone, network): logging is enough
        log.warning("could not apologise for an error", exc_info=True)
