"""Reading commands: /start, /help, /search and its pages, /quote, /sources, inline mode; the
bot's membership changes, unknown commands and errors."""

from __future__ import annotations

import html
import logging
import math
import re
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from telegram import (
    ChatMember,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)

from bot import render
from bot.i18n import text
from bot.search import IndexRebuilding, small_talk
from bot.telegram.context import (
    Pressed,
    Said,
    Turn,
    chat_lang,
    lang_of,
    nav_markup,
    on_button,
    on_message,
    remember_chat,
    show_page,
    zone_of,
)
from bot.telegram.languages import language_buttons
from bot.telegram.paging import page_of
from bot.telegram.services import Context, Services, services_of

if TYPE_CHECKING:
    from bot.search import SearchResponse

log = logging.getLogger(__name__)

PAGE_SIZE = 5
HELP_PAYLOAD = "aide"  # /start aide: the help, from the button of an empty inline query
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


@on_message
async def start(said: Said, context: Context) -> None:
    """Welcome (and resume a chat that had blocked the bot); `/start q_<words>` searches."""
    before = await services_of(context).store.chat(said.chat.id)
    await remember_chat(said, context)
    payload = said.args[0] if said.args else ""
    # Telegram's links carry 64 characters, but anyone can type a longer /start.
    query, cut = _query(payload[2:].replace("_", " ").replace("-", " ").split())
    if payload.startswith("q_") and query:
        if cut:
            await said.reply(text(said.lang, "truncated", limit=MAX_QUERY))
        await _send_search(said, context, query)
        return
    if said.user is not None:
        # How an operator finds the id ADMIN_IDS wants (or sends /id in private).
        log.info("/start from Telegram user %d in chat %d", said.user.id, said.chat.id)
    if payload == HELP_PAYLOAD:
        await _help(said, context)
        return
    key = "welcome_back" if before is not None and not before.active else "welcome"
    names = await services_of(context).store.source_names()
    welcome = text(said.lang, key, relayed=render.relayed(names, said.lang))
    welcome = f"{welcome}\n\n{text(said.lang, 'welcome_language')}"
    await said.reply(welcome, language_buttons())


@on_message
async def whoami(said: Said, context: Context) -> None:
    """`/id` in private: the writer's user id (what ADMIN_IDS lists) and the chat's id."""
    user_id = said.user.id if said.user is not None else said.chat.id
    await said.reply(text(said.lang, "your_id", user=user_id, chat=said.chat.id))


async def membership(update: Update, context: Context) -> None:
    """The bot was blocked, removed, added or unblocked: the chat follows."""
    change = update.my_chat_member
    if change is None:
        return
    status = change.new_chat_member.status
    store = services_of(context).store
    if status in (ChatMember.LEFT, ChatMember.BANNED):
        if await store.chat(change.chat.id) is not None:
            await store.update_chat(change.chat.id, active=0)
        return
    title = change.chat.title or change.chat.full_name or change.chat.username
    await store.upsert_chat(change.chat.id, type=change.chat.type, title=title)
    added = change.old_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED)
    if added and change.chat.type in ("group", "supergroup"):
        # Said once, when added: what the admins can do and how everyone starts.
        lang = await chat_lang(update, context, change.chat.id)
        await context.bot.send_message(change.chat.id, text(lang, "group_welcome"))


@on_message
async def help_command(said: Said, context: Context) -> None:
    """The commands with examples, worded for the kind of chat; the admin part for admins."""
    await _help(said, context)


async def _help(said: Said, context: Context) -> None:
    lang = said.lang
    kind = "private" if said.chat.type == "private" else "group"
    # In a forum, commands apply to the topic they are sent in (issue 19): say so there only.
    forum = kind == "group" and bool(said.chat.is_forum)
    admins = services_of(context).settings.admin_ids
    parts = {
        "search": text(lang, f"help_search_{kind}"),
        "where": text(lang, "help_where_topic" if forum else f"help_where_{kind}"),
        "channel": text(lang, "help_channel_private") if kind == "private" else "",
        "topics": text(lang, "help_topics") if forum else "",
        "language": text(lang, "help_language"),
        "aliases": text(lang, "help_aliases"),
        "admin": text(lang, "help_admin") if said.user and said.user.id in admins else "",
    }
    bot = html.escape(context.bot.username or "relais_bot")
    await said.reply(text(lang, "help", bot=bot, **parts))


@on_message
async def search(said: Said, context: Context) -> None:
    """`/search QUERY`: the first page of results, with buttons for the rest."""
    if not said.args:
        await said.reply(text(said.lang, "usage_search"))
        return
    await _search_words(said, context, said.args)


@on_message
async def search_words(said: Said, context: Context) -> None:
    """Words written to the bot in a private chat, with no command: searched as /search,
    unless they are small talk (a greeting, thanks, « ok », a question about the bot)."""
    written = said.message.text or ""
    talk = small_talk(written)
    if talk == "help":
        await _help(said, context)
    elif talk is not None:
        await said.reply(text(said.lang, f"talk_{talk}"))
    else:
        await _search_words(said, context, written.split())


async def _search_words(said: Said, context: Context, words: list[str]) -> None:
    query, cut = _query(words)
    if not query:
        return
    if cut:
        await said.reply(text(said.lang, "truncated", limit=MAX_QUERY))
    await _send_search(said, context, query)


async def _send_search(said: Said, context: Context, query: str) -> None:
    lang = said.lang
    services = services_of(context)
    response = await services.searcher.search(query, limit=PAGE_SIZE)
    if not response.hits:
        lines = [text(lang, "no_results", query=render.escape(render.shorten(query, 80)))]
        suggestion = await services.searcher.suggest(query)
        if suggestion:
            suggestion = render.escape(render.shorten(suggestion, MAX_SUGGESTION))
            lines.append(text(lang, "did_you_mean", suggestion=suggestion))
        lines += _warnings(response, lang)
        await said.reply("\n".join(lines))
        return
    # Saved only behind ◀ ▶ buttons: one page has none, and a write waits for the store's.
    saved = response.total > PAGE_SIZE
    query_id = await services.store.save_query(said.chat.id, query) if saved else ""
    tz = await zone_of(context, said.chat.id)
    body, markup = await _page(query, response, 0, query_id, lang, tz, services)
    notes = _warnings(response, lang)
    await said.reply("\n".join([body, "", *notes]) if notes else body, markup)


def _warnings(response: SearchResponse, lang: str) -> list[str]:
    """The query's warnings (bad date, unknown source, ...) as lines for the reader."""
    return [
        text(lang, "warning", warning=render.escape(warning.message(lang)))
        for warning in response.warnings
        if warning.code != "truncated"  # the handler already said it cut the query
    ]


async def _page(
    query: str,
    response: SearchResponse,
    page: int,
    query_id: str,
    lang: str,
    tz: ZoneInfo,
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
        tz=tz,
        locked=await services.store.paywalled_posts([hit.post_id for hit in response.hits]),
    )
    return body, nav_markup(f"q:{query_id}:", page, pages)


@on_button
async def page(pressed: Pressed, context: Context) -> None:
    """A ◀ or ▶ press: edit the message to show that page."""
    callback = pressed.query
    lang = pressed.lang
    services = services_of(context)
    query_id, digits = pressed.match.groups()
    number = int(digits)
    # Only the chat that searched may page: a button forged elsewhere finds nothing.
    query = await services.store.saved_query(pressed.chat.id, query_id)
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
    tz = await zone_of(context, pressed.chat.id)
    body, markup = await _page(query, response, number, query_id, lang, tz, services)
    await show_page(pressed, body, markup)


async def stale_button(update: Update, context: Context) -> None:
    """A button this version of the bot does not know (an old message): say so."""
    if update.callback_query is not None:
        await update.callback_query.answer(text(lang_of(update), "expired"), show_alert=True)


@on_message
async def quote(said: Said, context: Context) -> None:
    """`/quote [QUERY]`: the best matching passage, or a random pull quote."""
    query, cut = _query(said.args)
    lang = said.lang
    services = services_of(context)
    if cut:
        await said.reply(text(lang, "truncated", limit=MAX_QUERY))
    response = await services.searcher.quote(query, limit=1)
    if not response.hits:
        key = "no_quote" if query else "no_posts"
        await said.reply(text(lang, key, query=render.escape(render.shorten(query, 80))))
        return
    tz = await zone_of(context, said.chat.id)
    await said.reply(render.quote_message(response.hits[0], lang=lang, tz=tz))


@on_message
async def sources(said: Said, context: Context) -> None:
    """`/sources`: the sources with their post counts and latest post, a page at a time."""
    await _sources_page(said, context, 0)


@on_button
async def sources_button(pressed: Pressed, context: Context) -> None:
    """A ◀ or ▶ press under /sources: that page in place."""
    await pressed.query.answer()
    await _sources_page(pressed, context, int(pressed.match.group(1)))


async def _sources_page(turn: Turn, context: Context, number: int) -> None:
    services = services_of(context)
    rows = render.listed_sources(await services.store.sources_overview())
    page = page_of(rows, number, SOURCES_PAGE_SIZE)
    body = render.sources_message(
        page.items,
        lang=turn.lang,
        tz=await zone_of(context, turn.chat.id),
        total=len(rows),
        page=page.number,
        pages=page.pages,
    )
    await show_page(turn, body, nav_markup("src:", page.number, page.pages))


async def inline(update: Update, context: Context) -> None:
    """Inline mode: `@bot words` offers results as articles to share, paged by offset."""
    inline_query = update.inline_query
    if inline_query is None:
        return
    query = inline_query.query.strip()[:MAX_QUERY]
    # The offset is ours (next_offset) but comes back from the client: read it defensively.
    offset = int(inline_query.offset) if re.fullmatch(r"\d{1,4}", inline_query.offset) else 0
    # Inline mode has no chat: the user's private chat with the bot holds their choices.
    user_id = inline_query.from_user.id
    lang = await chat_lang(update, context, user_id)
    if not query:
        # No words yet: a hint above the (empty) results, opening the bot's help.
        hint = InlineQueryResultsButton(text(lang, "inline_hint"), start_parameter=HELP_PAYLOAD)
        await inline_query.answer([], cache_time=5, is_personal=True, button=hint)
        return
    services = services_of(context)
    tz = await zone_of(context, user_id)
    response = await services.searcher.search(query, limit=INLINE_PAGE, offset=offset)
    results = []
    locked = await services.store.paywalled_posts([hit.post_id for hit in response.hits])
    for hit in response.hits:
        message = render.search_result(hit, lang=lang, tz=tz, locked=hit.post_id in locked)
        results.append(
            InlineQueryResultArticle(
                id=str(hit.post_id),
                title=render.shorten(hit.title, 100),
                description=render.shorten(
                    " · ".join(filter(None, (hit.source, hit.snippet))), 200
                ),
                url=hit.url if hit.url and hit.url.startswith("http") else None,
                input_message_content=InputTextMessageContent(message),
            )
        )
    more = offset + len(results) < response.total and results
    # Personal: the dates are in the user's zone and language.
    await inline_query.answer(
        results,
        next_offset=str(offset + len(results)) if more else "",
        cache_time=30,
        is_personal=True,
    )


@on_message
async def unknown_command(said: Said, context: Context) -> None:
    """A command we do not have: a hint in private chats or when addressed to us."""
    message = said.message
    if not message.text:
        return
    command = message.text.split()[0]
    addressed = "@" in command
    if addressed and command.split("@", 1)[1].lower() != (context.bot.username or "").lower():
        return  # meant for another bot in the group
    if message.chat.type != "private" and not addressed:
        return
    await said.reply(text(said.lang, "unknown_command"))


async def on_error(update: object, context: Context) -> None:
    """Log any exception with its update, and apologise in the chat it came from."""
    key = "error"
    if isinstance(context.error, IndexRebuilding):  # expected, and said in the log already
        key = "index_rebuilding"
    else:
        log.error("error while handling %r", update, exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text(lang_of(update), key))
        elif update.effective_message is not None:
            await update.effective_message.reply_text(text(lang_of(update), key))
    except Exception:  # the apology itself failed (chat gone, network): logging is enough
        log.warning("could not apologise for an error", exc_info=True)
