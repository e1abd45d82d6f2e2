"""What every handler needs: the services, the reader's language, the chat, long replies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.i18n import language
from bot.models import Chat
from bot.render import split_blocks

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
    messages = split_blocks(["\n".join(lines)])
    for text in messages[:-1]:
        await update.effective_message.reply_text(text)
    return await update.effective_message.reply_text(messages[-1], reply_markup=reply_markup)
