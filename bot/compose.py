"""What outbox rows look like as Telegram messages: pushes and held pushes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot import render
from bot.models import Chat, Delivery


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to send: Telegram HTML, with or without a link preview."""

    html: str
    previews: bool = False


def push(delivery: Delivery, chat: Chat, tz: ZoneInfo) -> Outgoing:
    """A pushed post as its own message."""
    html = render.push_message(delivery, lang=chat.language, tz=chat.zone(tz))
    return Outgoing(html, chat.link_previews)


def held(deliveries: Sequence[Delivery], chat: Chat, tz: ZoneInfo) -> Outgoing:
    """Pushes held during quiet hours, released as one message."""
    html = render.held_message(deliveries, lang=chat.language, tz=chat.zone(tz))
    return Outgoing(html, chat.link_previews)
