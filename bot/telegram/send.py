"""The sender's Telegram side: one message out, Telegram's answer mapped to an outcome."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, LinkPreviewOptions
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot import render
from bot.delivery.compose import Outgoing
from bot.delivery.sender import SendFunction, SendResult
from bot.telegram.limiter import ADMITTED, NO_RETRY, GateLimiter, Limits, retry_seconds

log = logging.getLogger(__name__)

# What Telegram answers for a forum topic that is closed or no longer there.
_TOPIC_GONE = ("message thread not found", "topic_closed", "topic_deleted")


def topic_gone(error: Exception) -> bool:
    """Whether Telegram refused a message because its forum topic is closed or deleted."""
    return any(words in str(error).lower() for words in _TOPIC_GONE)


class _Refused(Exception):
    """Telegram would not take the photo; the text goes instead."""


def make_send(bot: Bot) -> SendFunction:
    """A send function for the sender: Telegram's answers mapped to outcomes.

    A photo Telegram refuses (an image URL it cannot fetch or use, a caption it will
    not take) is sent as the text message instead; HTML it cannot parse, as plain text.
    """

    async def send(chat_id: int, message: Outgoing) -> SendResult:
        limits = ADMITTED
        try:
            if message.photo:
                try:
                    await _send_photo(bot, chat_id, message)
                    return SendResult("sent")
                except _Refused as exc:
                    log.info("chat %s: photo refused (%s); sending the text", chat_id, exc)
                    # A message of its own as far as the flood limits go: the gate holds it.
                    limits = NO_RETRY
            options = LinkPreviewOptions(is_disabled=not message.previews)
            try:
                await bot.send_message(
                    chat_id,
                    message.html,
                    link_preview_options=options,
                    message_thread_id=message.thread_id or None,
                    **_limits(bot, limits),
                )
            except BadRequest as exc:
                if "parse entities" not in str(exc).lower():
                    raise
                await bot.send_message(
                    chat_id,
                    render.plain(message.html),
                    parse_mode=None,
                    link_preview_options=options,
                    message_thread_id=message.thread_id or None,
                    **_limits(bot, NO_RETRY),
                )
        except RetryAfter as exc:
            return SendResult("retry", retry_after=retry_seconds(exc))
        except Forbidden as exc:
            return SendResult("blocked", error=str(exc))
        except ChatMigrated as exc:
            return SendResult("migrated", new_chat_id=exc.new_chat_id)
        except BadRequest as exc:
            if "chat not found" in str(exc).lower():
                return SendResult("blocked", error=str(exc))
            if message.thread_id and topic_gone(exc):
                return SendResult("topic_gone", error=str(exc))
            return SendResult("failed", error=str(exc))
        except (TimedOut, NetworkError) as exc:
            return SendResult("network", error=str(exc))
        return SendResult("sent")

    return send


async def _send_photo(bot: Bot, chat_id: int, message: Outgoing) -> None:
    assert message.photo is not None
    try:
        await bot.send_photo(
            chat_id,
            message.photo,
            caption=message.caption,
            message_thread_id=message.thread_id or None,
            **_limits(bot, ADMITTED),
        )
    except BadRequest as exc:
        # "wrong file identifier/HTTP URL specified", "failed to get HTTP URL content",
        # "wrong type of the web page content", a caption refused…: the text can still go.
        if "chat not found" in str(exc).lower() or topic_gone(exc):
            raise
        raise _Refused(str(exc)) from exc


def _limits(bot: Bot, limits: Limits) -> dict[str, Any]:
    # The sender keeps its own pace and waits RetryAfter out: no hidden retries below it.
    if isinstance(getattr(bot, "rate_limiter", None), GateLimiter):
        return {"rate_limit_args": limits}
    return {}
