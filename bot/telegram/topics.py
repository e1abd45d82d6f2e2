"""Forum topics: their service messages (created, renamed, closed, reopened), admins told."""

from __future__ import annotations

import logging

from bot import render
from bot.delivery.sender import TopicPaused
from bot.i18n import text
from bot.models import Chat
from bot.telegram.alerts import message_admins
from bot.telegram.context import Said, on_message, thread_of
from bot.telegram.services import Bot, Context, RelaisApp, Services, services_of

log = logging.getLogger(__name__)


@on_message
async def topic_event(said: Said, context: Context) -> None:
    """A topic was created or renamed (its title kept), closed (paused, admins told once) or
    reopened (resumed)."""
    message = said.message
    thread = thread_of(message)
    if not thread:
        return
    store = services_of(context).store
    title = said.chat.title or said.chat.full_name or said.chat.username
    chat = await store.upsert_chat(said.chat.id, type=said.chat.type, title=title)
    if message.forum_topic_created is not None:
        await store.open_topic(chat, thread, message.forum_topic_created.name)
    elif message.forum_topic_edited is not None and message.forum_topic_edited.name:
        await store.open_topic(chat, thread)
        await store.rename_topic(chat.id, thread, message.forum_topic_edited.name)
    elif message.forum_topic_reopened is not None:
        if await store.resume_topic(chat.id, thread):
            log.info("chat %s: topic %s reopened: resumed", chat.id, thread)
            services_of(context).sender.wake.set()
            await said.reply(text(said.lang, "topic_resumed"))
    elif message.forum_topic_closed is not None and await store.pause_topic(
        chat.id, thread, "topic closed"
    ):
        log.info("chat %s: topic %s closed: paused", chat.id, thread)
        topic = await store.topic(chat, thread)
        await tell_admins(context.bot, services_of(context), topic or chat)


async def tell_admins(bot: Bot, services: Services, topic: Chat) -> None:
    """Tell ADMIN_IDS, each in their language, that a topic is paused; never raises."""
    topic_name = render.escape(topic.topic_title or f"#{topic.thread_id}")
    group = render.escape(topic.title or str(topic.id))
    await message_admins(
        bot,
        services.store,
        services.settings.admin_ids,
        lambda lang: text(lang, "topic_paused_admin", topic=topic_name, chat=group),
    )


def topic_notice(app: RelaisApp) -> TopicPaused:
    """The sender's on_topic_paused: the admins told."""

    async def paused(topic: Chat) -> None:
        await tell_admins(app.bot, services_of(app), topic)

    return paused
