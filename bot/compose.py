"""What outbox rows look like as Telegram messages: pushes, held pushes, summaries, digests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot import render
from bot.i18n import text
from bot.models import Chat, Delivery

# A digest lists at most this many posts, newest first; its last line counts the rest.
MAX_DIGEST_POSTS = 100


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


def more(counts: Mapping[str, int], chat: Chat) -> Outgoing:
    """The posts past a poll's push cap, counted per source in one message."""
    lines = [
        text(chat.language, "more_from", count=count, source=render.escape(source))
        for source, count in counts.items()
    ]
    lines.append(text(chat.language, "more_hint"))
    return Outgoing("\n".join(lines))


def digest(
    deliveries: Sequence[Delivery], chat: Chat, tz: ZoneInfo, *, limit: int = render.SAFE_MESSAGE
) -> list[tuple[Outgoing, list[int]]]:
    """A digest grouped by source, split to fit; each message with the outbox ids it carries.

    A source cut between two messages has its heading repeated; the posts past
    MAX_DIGEST_POSTS are counted in the last line and carried by the last message.
    """
    lang, zone = chat.language, chat.zone(tz)
    ordered = sorted(deliveries, key=render.newest_first, reverse=True)
    shown, rest = ordered[:MAX_DIGEST_POSTS], ordered[MAX_DIGEST_POSTS:]
    by_source: dict[str, list[Delivery]] = {}
    for delivery in shown:
        by_source.setdefault(delivery.source, []).append(delivery)
    messages: list[tuple[list[str], list[int]]] = [
        ([text(lang, "digest_header", count=len(deliveries))], [])
    ]
    for source, items in by_source.items():
        heading = f"<b>{render.escape(source)}</b>"
        for number, delivery in enumerate(items):
            line = render.digest_line(delivery, lang, zone)
            lines, ids = messages[-1]
            chunk = ["", heading, line] if number == 0 else [line]
            if len("\n".join(lines + chunk)) > limit:
                lines, ids = [heading], []
                messages.append((lines, ids))
                chunk = [line]
            lines.extend(chunk)
            ids.append(delivery.id)
    if rest:
        lines, ids = messages[-1]
        lines += ["", text(lang, "and_more", count=len(rest))]
        ids += [d.id for d in rest]
    return [(Outgoing("\n".join(lines), chat.link_previews), ids) for lines, ids in messages]
