"""The chat's language: /langue (/language) and the two buttons under /start."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import text
from bot.models import Chat
from bot.telegram.channels import target_chat
from bot.telegram.context import Pressed, Said, Turn, on_button, on_message
from bot.telegram.services import Context, services_of

LANGUAGE_PATTERN = r"^lang:(fr|en)$"
_NAMES = {
    "fr": "fr", "francais": "fr", "français": "fr", "french": "fr",
    "en": "en", "anglais": "en", "english": "en",
}  # fmt: skip


def language_buttons() -> InlineKeyboardMarkup:
    """Two buttons to pick the chat's language, each named in its own language."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(text("fr", "language_name"), callback_data="lang:fr"),
                InlineKeyboardButton(text("en", "language_name"), callback_data="lang:en"),
            ]
        ]
    )


@on_message
async def language_command(said: Said, context: Context) -> None:
    """`/langue fr|en` (or `/language`): the chat's language, over the Telegram app's."""
    wanted = _NAMES.get(said.args[0].lower()) if len(said.args) == 1 else None
    if wanted is None:
        await said.reply(text(said.lang, "usage_language"), language_buttons())
        return
    target = await target_chat(said, context)
    if target is not None:
        await _choose(said, context, target, wanted)


@on_button
async def language_button(pressed: Pressed, context: Context) -> None:
    """A press on 🇫🇷 Français or 🇬🇧 English."""
    await pressed.query.answer()
    target = await target_chat(pressed, context)
    if target is not None:
        await _choose(pressed, context, target, pressed.match.group(1))


async def _choose(turn: Turn, context: Context, target: Chat, lang: str) -> None:
    await services_of(context).store.update_chat(target.id, language=lang, language_chosen=1)
    await turn.reply(text(lang, "language_set"))
