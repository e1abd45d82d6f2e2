"""What outbox rows look like as Telegram messages: pushes, held pushes, summaries, digests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from bot import render
from bot.i18n import text
from bot.models import Chat, Delivery

# A digest lists at most this many posts, newest first; its last line counts the rest.
MAX_DIGEST_POSTS = 100


# Telegram's caption limit, in UTF-16 code units of the text left after entity parsing.
MAX_CAPTION = 1024


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to send: Telegram HTML, with or without a link preview.

    With `photo` (an image URL), it goes as that photo with `caption`, and `html` is the
    text to send instead when Telegram refuses the image.
    """

    html: str
    previews: bool = False
    photo: str | None = None
    caption: str = ""
    thread_id: int = 0  # the forum topic it goes to (0: the chat itself)


def push(delivery: Delivery, chat: Chat, tz: ZoneInfo) -> Outgoing:
    """A pushed post as its own message: a photo with its caption when it has a lead image."""
    lang, zone = chat.language, chat.zone(tz)
    html = render.push_message(delivery, lang=lang, tz=zone)
    image = delivery.image
    if not image or not image.startswith(("http://", "https://")):
        return Outgoing(html, chat.link_previews)
    return Outgoing(html, chat.link_previews, photo=image, caption=caption(delivery, lang, zone))


def caption(delivery: Delivery, lang: str, tz: ZoneInfo, limit: int = MAX_CAPTION) -> str:
    """The push's content as a photo caption, its snippet (then hashtags) cut to fit."""
    html = render.push_message(delivery, lang=lang, tz=tz)
    if render.utf16_units(html) <= limit:
        return html
    bare = replace(delivery, snippet="", hashtags=())
    html = render.push_message(bare, lang=lang, tz=tz)
    room = limit - render.utf16_units(html) - 1  # the snippet's own line break
    # The longest cut of the snippet that fits: a character is one or two UTF-16 units.
    low, high = 0, min(len(delivery.snippet), render.MAX_SNIPPET)
    while low < high:
        size = (low + high + 1) // 2
        if render.utf16_units(render.escape(render.shorten(delivery.snippet, size))) <= room:
            low = size
        else:
            high = size - 1
    if low == 0:
        return html
    snippet = render.shorten(delivery.snippet, low)
    return render.push_message(replace(bare, snippet=snippet), lang=lang, tz=tz)


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
    deliveries: Sequence[Delivery], chat: Chat, tz: ZoneInfo, *, limit: int = render.MAX_MESSAGE
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
            if render.utf16_units("\n".join(lines + chunk)) > limit:
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
