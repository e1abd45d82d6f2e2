"""What every handler needs: the services, the reader's language, the chat, long replies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import render
from bot.i18n import language, text
from bot.models import Chat
from bot.spelling import close_names

if TYPE_CHECKING:
    from bot.telegram.app import Services


def services_of(context: ContextTypes.DEFAULT_TYPE) -> Services:
    """The application's services (store, searcher, sender, ...)."""
    return context.application.bot_data["services"]


def lang_of(update: Update) -> str:
    """The catalogue language of the user behind an update."""
    user = update.effective_user
    return language(user.language_code if user else None)


async def remember_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Chat:
    """Record the chat an update came from (reactivating it) and return it."""
    chat = update.effective_chat
    assert chat is not None
    title = chat.title or chat.full_name or chat.username
    return await services_of(context).store.upsert_chat(
        chat.id, type=chat.type, title=title, language=lang_of(update)
    )


async def reply_lines(
    update: Update, lines: Sequence[str], *, reply_markup: InlineKeyboardMarkup | None = None
) -> Message:
    """Reply with lines of HTML, in as many messages as Telegram's size limit needs.

    Long lists (/status, /subscriptions, /filter test) are split between lines, never
    inside one; the buttons go under the last message.
    """
    messages = render.split_blocks(["\n".join(lines)])
    for chunk in messages[:-1]:
        await update.effective_message.reply_text(chunk)
    return await update.effective_message.reply_text(messages[-1], reply_markup=reply_markup)


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


async def show_page(
    update: Update, body: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """A page as a reply to a command, or in place of the message whose button was pressed."""
    callback = update.callback_query
    if callback is None:
        return await update.effective_message.reply_text(body, reply_markup=markup)
    try:
        await callback.edit_message_text(body, reply_markup=markup)
    except BadRequest as exc:
        # Two quick presses on the same button ask for the same content twice.
        if "not modified" not in str(exc).lower():
            raise
    return None


async def reply_unknown_source(
    update: Update, context: ContextTypes.DEFAULT_TYPE, name: str
) -> None:
    """Say a source is unknown, offering a few names spelled alike, never the whole list."""
    lang = lang_of(update)
    close = close_names(name, await services_of(context).store.source_names())
    shown = render.escape(render.shorten(name, render.MAX_NAME))
    if close:
        names = ", ".join(render.escape(render.shorten(n, render.MAX_NAME)) for n in close)
        answer = text(lang, "unknown_source_close", name=shown, close=names)
    else:
        answer = text(lang, "unknown_source", name=shown)
    await update.effective_message.reply_text(answer)
