"""What every handler needs: the update narrowed once, the reader's language, the chat, replies.

A handler is written for a `Said` (a message to answer) or a `Pressed` (a button press) and
registered through `on_message` or `on_button`, which narrow the update once: an update
without a message, or a press without a chat, is answered (or left) here, never met by an
AttributeError in the handler.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    User,
)
from telegram import Chat as TelegramChat
from telegram.error import BadRequest

from bot import render
from bot.i18n import language, text
from bot.models import Chat
from bot.names import close_names
from bot.telegram.services import Context, services_of

log = logging.getLogger(__name__)

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def lang_of(update: Update) -> str:
    """The catalogue language of the user behind an update (their Telegram app's)."""
    user = update.effective_user
    return language(user.language_code if user else None)


async def chat_lang(update: Update, context: Context, chat_id: int | None) -> str:
    """The language to answer in: the one the chat chose with /langue, else the user's."""
    services = context.bot_data.services
    if chat_id is not None and services is not None:
        chat = await services.store.chat(chat_id)
        if chat is not None and chat.language_chosen:
            return chat.language
    return lang_of(update)


async def zone_of(context: Context, chat_id: int | None) -> ZoneInfo:
    """The time zone of what a chat sees: its /timezone, else the configured one."""
    services = services_of(context)
    chat = await services.store.chat(chat_id) if chat_id is not None else None
    return chat.zone(services.settings.tz) if chat is not None else services.settings.tz


@dataclass(frozen=True, slots=True)
class Said:
    """A message to answer: the message, its chat, who wrote it, in which language."""

    update: Update
    message: Message
    chat: TelegramChat
    user: User | None
    lang: str
    args: list[str]

    async def reply(self, html: str, markup: Markup | None = None) -> Message | None:
        """Reply in the chat with Telegram HTML."""
        return await self.message.reply_text(html, reply_markup=markup)


@dataclass(frozen=True, slots=True)
class Pressed:
    """A button press to answer: the query, its chat and user, and what its data matched."""

    update: Update
    query: CallbackQuery
    chat: TelegramChat
    user: User
    lang: str
    match: re.Match[str]

    async def reply(self, html: str, markup: Markup | None = None) -> Message | None:
        """A new message under the one whose button was pressed (when the bot can still see it)."""
        message = self.query.message
        if not isinstance(message, Message):
            log.info("no message to reply to under button %r", self.query.data)
            return None
        return await message.reply_text(html, reply_markup=markup)


Turn = Said | Pressed


def on_message(handler: Callable[[Said, Context], Awaitable[None]]) -> Handler:
    """`handler` for updates that carry a message; any other update is logged and left."""

    @wraps(handler)
    async def narrowed(update: Update, context: Context) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None:
            log.info("%s: update %s has no message to answer", handler.__name__, update.update_id)
            return
        lang = await chat_lang(update, context, chat.id)
        said = Said(update, message, chat, update.effective_user, lang, context.args or [])
        await handler(said, context)

    return narrowed


def on_button(handler: Callable[[Pressed, Context], Awaitable[None]]) -> Handler:
    """`handler` for button presses in a chat; a press without one (a button under an
    inline-mode message) or data its pattern does not read is answered as expired, and
    data that none of the message's own buttons carries is refused."""

    @wraps(handler)
    async def narrowed(update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            log.info("%s: update %s is no button press", handler.__name__, update.update_id)
            return
        chat = update.effective_chat
        match = context.matches[0] if context.matches else None
        if chat is None or match is None:
            await query.answer(text(lang_of(update), "expired"), show_alert=True)
            return
        if not _carries(query):
            # A client may send any data "from" any message (a forged st:0 on /help would
            # edit it into /status): only the buttons the bot put there are pressed.
            log.info("%s: data %r is on no button of its message", handler.__name__, query.data)
            lang = await chat_lang(update, context, chat.id)
            await query.answer(text(lang, "button_not_here"), show_alert=True)
            return
        lang = await chat_lang(update, context, chat.id)
        await handler(Pressed(update, query, chat, query.from_user, lang, match), context)

    return narrowed


def _carries(query: CallbackQuery) -> bool:
    """Whether the message a press came from has a button with the press's data."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return False
    return any(
        button.callback_data == query.data
        for row in message.reply_markup.inline_keyboard
        for button in row
    )


def thread_of(message: object) -> int:
    """The forum topic a message is in (supergroups, and private chats with topics since
    Bot API 9.3): its message_thread_id when it is a topic message, else 0 (the chat
    itself, or the General topic, the chat's default)."""
    if isinstance(message, Message) and message.is_topic_message and message.message_thread_id:
        return message.message_thread_id
    return 0


def topic_title(message: object) -> str | None:
    """A topic's name as a message in it shows it: it replies to the topic's first message."""
    if not isinstance(message, Message) or message.reply_to_message is None:
        return None
    created = message.reply_to_message.forum_topic_created
    return created.name if created is not None else None


async def remember_chat(turn: Turn, context: Context) -> Chat:
    """Record the chat an update came from (reactivating it) and return it; as the forum
    topic it came from when it came from one (recorded, and resumed if it was paused)."""
    chat = turn.chat
    title = chat.title or chat.full_name or chat.username
    store = services_of(context).store
    here = await store.upsert_chat(
        chat.id, type=chat.type, title=title, language=lang_of(turn.update)
    )
    message = turn.message if isinstance(turn, Said) else turn.query.message
    return await store.open_topic(here, thread_of(message), topic_title(message))


async def reply_lines(
    said: Said, lines: Sequence[str], *, reply_markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Reply with lines of HTML, in as many messages as Telegram's size limit needs.

    Long lists (/status, /subscriptions, /filter test) are split between lines, never
    inside one; the buttons go under the last message.
    """
    messages = render.split_blocks(["\n".join(lines)])
    for chunk in messages[:-1]:
        await said.reply(chunk)
    return await said.reply(messages[-1], reply_markup)


def nav_markup(
    prefix: str, page: int, pages: int, rows: Sequence[Sequence[InlineKeyboardButton]] = ()
) -> InlineKeyboardMarkup | None:
    """Buttons `rows`, then ◀ ▶ for the pages around `page` (their data: prefix + number)."""
    arrows = []
    if page > 0:
        arrows.append(InlineKeyboardButton("◀", callback_data=f"{prefix}{page - 1}"))
    if page + 1 < pages:
        arrows.append(InlineKeyboardButton("▶", callback_data=f"{prefix}{page + 1}"))
    keyboard = [*rows, arrows] if arrows else list(rows)
    return InlineKeyboardMarkup(keyboard) if keyboard else None


async def show_page(turn: Turn, body: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """A page as a reply to a command, or in place of the message whose button was pressed."""
    if isinstance(turn, Said):
        await turn.reply(body, markup)
        return
    try:
        await turn.query.edit_message_text(body, reply_markup=markup)
    except BadRequest as exc:
        # Two quick presses on the same button ask for the same content twice.
        if "not modified" not in str(exc).lower():
            raise


async def reply_unknown_source(turn: Turn, context: Context, name: str) -> None:
    """Say a source is unknown, offering a few names spelled alike, never the whole list."""
    close = close_names(name, await services_of(context).store.source_names())
    shown = render.escape(render.shorten(name, render.MAX_NAME))
    if close:
        names = ", ".join(render.escape(render.shorten(n, render.MAX_NAME)) for n in close)
        answer = text(turn.lang, "unknown_source_close", name=shown, close=names)
    else:
        answer = text(turn.lang, "unknown_source", name=shown)
    await turn.reply(answer)
