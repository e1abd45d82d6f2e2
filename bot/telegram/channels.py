"""Which chat a command configures, and who may: group admins, channel admins from private."""

from __future__ import annotations

import logging

from telegram import (
    ChatAdministratorRights,
    ChatMember,
    KeyboardButton,
    KeyboardButtonRequestChat,
    MessageOriginChannel,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import ChatID
from telegram.error import TelegramError

from bot import render
from bot.i18n import text
from bot.models import Chat
from bot.telegram.context import Said, Turn, on_message, remember_chat
from bot.telegram.services import Context, services_of

log = logging.getLogger(__name__)

REQUEST_CHANNEL = 1
_ADMINS = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


async def _is_admin(context: Context, chat_id: int, user_id: int) -> bool:
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        log.info("admin check in %s failed: %s", chat_id, exc)
        return False
    return member.status in _ADMINS


async def target_chat(turn: Turn, context: Context) -> Chat | None:
    """The chat whose settings a command changes, after checking the user may; else None.

    In a group: the group, for its admins (an anonymous admin counts). In a private chat:
    the channel the user picked with /channel (checked again now), else the chat itself.
    A refusal has already been answered.
    """
    lang = turn.lang
    here = await remember_chat(turn, context)
    if here.type in ("group", "supergroup"):
        user = turn.user
        anonymous = (
            isinstance(turn, Said)
            and user is not None
            and user.id == ChatID.ANONYMOUS_ADMIN
            and turn.message.sender_chat is not None
            and turn.message.sender_chat.id == here.id
        )
        if anonymous or (user and await _is_admin(context, here.id, user.id)):
            return here
        await turn.reply(text(lang, "admins_only"))
        return None
    if here.type == "private" and here.manages is not None:
        store = services_of(context).store
        channel = await store.chat(here.manages)
        if channel is not None and await _is_admin(context, channel.id, here.id):
            return channel
        await store.update_chat(here.id, manages=None)
        title = render.escape(channel.title if channel and channel.title else str(here.manages))
        await turn.reply(text(lang, "channel_not_admin", title=title))
        return None
    return here


def where(lang: str, target: Chat, here_id: int) -> str:
    """Where a setting applies, for a reply: « ici », or the channel configured from here."""
    if target.id == here_id:
        return text(lang, "where_here")
    title = render.escape(render.shorten(target.title or str(target.id), render.MAX_NAME))
    return text(lang, "where_channel", title=title)


def chat_name(target: Chat) -> str:
    """A chat's name for a header, « Groupe › Sujet » for a forum topic (HTML-escaped)."""
    name = render.shorten(target.title or str(target.id), render.MAX_NAME)
    if target.thread_id:
        topic = target.topic_title or f"#{target.thread_id}"
        name = f"{name} › {render.shorten(topic, render.MAX_NAME)}"
    return render.escape(name)


def chat_label(lang: str, target: Chat, here_id: int) -> str:
    """What /status calls the chat: « Cette conversation » (« Ce sujet » in a forum topic),
    or the channel by its name."""
    if target.id == here_id:
        return text(lang, "this_topic" if target.thread_id else "this_chat")
    title = render.escape(render.shorten(target.title or str(target.id), render.MAX_NAME))
    return text(lang, "this_channel", title=title)


async def shown_chat(turn: Turn, context: Context) -> Chat | None:
    """The chat whose settings a read-only command shows: in a group, the group, for every
    member; elsewhere as target_chat (a channel only to its admins)."""
    here = await remember_chat(turn, context)
    if here.type in ("group", "supergroup"):
        return here
    return await target_chat(turn, context)


@on_message
async def channel_command(said: Said, context: Context) -> None:
    """`/channel`: pick a channel to configure from here; `/channel @name`; `/channel fin`
    (or `off`)."""
    lang = said.lang
    here = await remember_chat(said, context)
    if here.type != "private":
        # The button to pick a channel exists only in a private chat.
        await said.reply(text(lang, "channel_from_private"))
        return
    args = said.args
    if args and args[0].lower() in ("off", "stop", "fin", "non", "aucun"):
        await services_of(context).store.update_chat(here.id, manages=None)
        await said.reply(text(lang, "channel_off"), ReplyKeyboardRemove())
        return
    if args and args[0].startswith("@"):
        await select_channel(said, context, args[0])
        return
    request = KeyboardButtonRequestChat(
        request_id=REQUEST_CHANNEL,
        chat_is_channel=True,
        bot_is_member=True,
        bot_administrator_rights=_post_rights(),
        request_title=True,
        request_username=True,
    )
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(text(lang, "channel_button"), request_chat=request)]],
        one_time_keyboard=True,
        resize_keyboard=True,
    )
    await said.reply(text(lang, "channel_pick"), keyboard)


def _post_rights() -> ChatAdministratorRights:
    """The one right the bot needs in a channel: posting."""
    return ChatAdministratorRights(
        **{**ChatAdministratorRights.no_rights().to_dict(), "can_post_messages": True}
    )


@on_message
async def chat_shared(said: Said, context: Context) -> None:
    """The user picked a channel with the /channel button."""
    shared = said.message.chat_shared
    if shared is not None:
        await select_channel(said, context, shared.chat_id)


@on_message
async def forwarded_from_channel(said: Said, context: Context) -> None:
    """The user forwarded a channel post: that channel is the one to configure."""
    origin = said.message.forward_origin
    if isinstance(origin, MessageOriginChannel):
        await select_channel(said, context, origin.chat.id)


async def select_channel(said: Said, context: Context, ref: int | str) -> None:
    """Check the user is an admin of the channel and the bot may post; then switch to it."""
    await remember_chat(said, context)
    lang = said.lang
    user = said.user
    try:
        info = await context.bot.get_chat(ref)
    except TelegramError:
        await said.reply(text(lang, "channel_unknown"))
        return
    title = render.escape(info.title or info.username or str(info.id))
    if user is None or not await _is_admin(context, info.id, user.id):
        await said.reply(text(lang, "channel_not_admin", title=title))
        return
    try:
        me = await context.bot.get_chat_member(info.id, context.bot.id)
    except TelegramError:
        me = None
    can_post = me is not None and (
        me.status == ChatMember.OWNER or getattr(me, "can_post_messages", False)
    )
    if not can_post:
        await said.reply(text(lang, "channel_bot_cannot_post", title=title))
        return
    store = services_of(context).store
    await store.upsert_chat(info.id, type=info.type, title=info.title, language=lang)
    await store.update_chat(user.id, manages=info.id)
    await said.reply(text(lang, "channel_set", title=title), ReplyKeyboardRemove())
