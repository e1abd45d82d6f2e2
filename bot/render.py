"""Telegram HTML: result pages, quotes, source lists, /status, pushes and digest lines;
escaping, bolding, sizes."""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot import errors
from bot.i18n import TEXTS, format_date, format_datetime, text
from bot.times import parse_time, show_schedule, show_time

if TYPE_CHECKING:
    from bot.models import Chat, Delivery, SourceState, Subscription
    from bot.search import QuoteHit, SearchHit

# Telegram's limit for a message, in UTF-16 code units of the text left after entity
# parsing (tags dropped, `&amp;` one character), as for captions: an emoji past U+FFFF
# counts two (telegram.md; the fake Bot API counts the same way).
MAX_MESSAGE = 4096
MAX_TITLE = 200
MAX_SNIPPET = 320
# Names and errors in lists are cut, so a page of a fixed number of lines always fits.
MAX_NAME = 60
MAX_ERROR = 150
# /status lists this many of the chat's subscriptions (the rest are in /subscriptions).
STATUS_SUBSCRIPTIONS = 10


def escape(value: str) -> str:
    """Escape text for Telegram HTML (`<`, `>`, `&` and quotes)."""
    return html.escape(value, quote=True)


def plain(html_text: str) -> str:
    """Our own HTML as plain text (tags dropped, entities decoded), for a fallback send."""
    return html.unescape(re.sub(r"<[^>]*>", "", html_text))


def utf16_units(html_text: str) -> int:
    """How long Telegram counts our HTML: its text after entity parsing, in UTF-16 units."""
    return len(plain(html_text).encode("utf-16-le")) // 2


def shorten(value: str, limit: int) -> str:
    """Cut plain text to `limit` characters at a word boundary, with an ellipsis."""
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def link(title: str, url: str | None) -> str:
    """A linked, escaped title; plain when the URL is missing or not http(s)."""
    label = escape(shorten(title, MAX_TITLE) or "…")
    if url and url.startswith(("http://", "https://")):
        return f'<a href="{escape(url)}">{label}</a>'
    return f"<b>{label}</b>"


def highlight(snippet: str, spans: Sequence[tuple[int, int]]) -> str:
    """The snippet escaped, with each matched span in bold."""
    out, at = [], 0
    for start, end in sorted(spans):
        if not (at <= start < end <= len(snippet)):
            continue  # out of range or overlapping: left plain
        out += [escape(snippet[at:start]), "<b>", escape(snippet[start:end]), "</b>"]
        at = end
    return "".join(out) + escape(snippet[at:])


_PHRASE = re.compile(r'"([^"]*)"')


def filters_text(filters: str, lang: str) -> str:
    """Subscription filters for a reply, escaped, their phrases in « » (“ ” in English)."""
    opening, closing = ("“", "”") if lang == "en" else ("«\u00a0", "\u00a0»")
    parts = _PHRASE.split(filters)  # plain text and phrases, alternating
    return "".join(
        f"{opening}{escape(part)}{closing}" if odd else escape(part)
        for odd, part in ((i % 2 == 1, part) for i, part in enumerate(parts))
    )


def in_zone(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    """A stored moment in the reader's time zone, for any value the store may hold.

    A naive moment counts as UTC. One the zone would carry past year 9999 or before year 1
    (a feed dated 31 December 9999) stays in UTC: a date a few hours off beats a crash.
    """
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(tz)
    except (OverflowError, ValueError):
        return moment


def stored_moment(value: str | None) -> datetime | None:
    """An ISO 8601 text from the database as a moment; None when absent or unreadable."""
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def local_date(moment: datetime | None, tz: ZoneInfo, lang: str) -> str:
    """A stored moment as a date in the reader's time zone and language."""
    return format_date(in_zone(moment, tz), lang)


def local_time(moment: datetime | None, tz: ZoneInfo, lang: str) -> str | None:
    """A stored moment in the reader's zone and language, `12 avril 2023 à 08:40`; None
    when absent."""
    local = in_zone(moment, tz)
    return None if local is None else format_datetime(local, lang)


def _byline(source: str, published: datetime | None, lang: str, tz: ZoneInfo) -> str:
    when = local_time(published, tz, lang) or "?"
    return "<i>" + escape(text(lang, "source_date", source=source, date=when)) + "</i>"


def search_page(
    query: str,
    hits: Sequence[SearchHit],
    *,
    total: int | str,
    page: int,
    pages: int,
    page_size: int,
    lang: str,
    tz: ZoneInfo,
    locked: Collection[int] = (),
) -> str:
    """One page of search results: numbered, linked titles, source and date, bold match;
    🔒 before the posts in `locked` (for subscribers)."""
    lines = [text(lang, "results_header", query=escape(shorten(query, 80)), total=total), ""]
    for number, hit in enumerate(hits, start=page * page_size + 1):
        result = search_result(hit, lang=lang, tz=tz, locked=hit.post_id in locked)
        lines += [f"{number}. {result}", ""]
    if pages > 1:
        lines.append(text(lang, "page", page=page + 1, pages=pages))
    return "\n".join(lines).strip()


def search_result(hit: SearchHit, *, lang: str, tz: ZoneInfo, locked: bool = False) -> str:
    """One result: linked title (🔒 when for subscribers), source and date, the snippet with
    its match in bold."""
    title = (_LOCK if locked else "") + link(hit.title, hit.url)
    lines = [title, _byline(hit.source, hit.published, lang, tz)]
    if hit.snippet:
        lines.append(highlight(hit.snippet, hit.match))
    if hit.missing:
        # The query's words this post lacks, so a partial match reads as one.
        lines.append(f"<i>{escape(text(lang, 'without_words', words=', '.join(hit.missing)))}</i>")
    return "\n".join(lines)


def quote_message(hit: QuoteHit, *, lang: str, tz: ZoneInfo) -> str:
    """A quote in a blockquote, then its speaker, the post's linked title, source and date."""
    parts = [f"<blockquote>{escape(shorten(hit.text, 3000))}</blockquote>"]
    if hit.speaker:
        parts.append(escape(text(lang, "by", speaker=hit.speaker)))
    parts.append(link(hit.title, hit.url))
    parts.append(_byline(hit.source, hit.published, lang, tz))
    return "\n".join(parts)


def listed_sources(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The sources /sources lists: not those removed (polled once, no longer polled)."""
    return [row for row in rows if row.get("url") or not row.get("last_success")]


def sources_message(
    rows: Iterable[Mapping[str, Any]],
    *,
    lang: str,
    tz: ZoneInfo,
    total: int,
    page: int = 0,
    pages: int = 1,
) -> str:
    """A page of the sources with their post counts and latest post date."""
    lines = [text(lang, "sources_header", count=total)]
    for row in rows:
        name = escape(shorten(row["name"], MAX_NAME))
        if row["posts"]:
            when = local_time(stored_moment(row["latest"]), tz, lang) or "?"
            key = "source_line_one" if row["posts"] == 1 else "source_line"
            line = text(lang, key, name=name, count=row["posts"], latest=when)
        else:
            line = text(lang, "source_line_empty", name=name)
        # Loaded from a file (a dump, a saved feed): subscribing to it brings nothing new.
        lines.append(line if row.get("url") else text(lang, "source_not_polled", line=line))
    if len(lines) == 1:
        lines.append(text(lang, "no_posts"))
    if pages > 1:
        lines += ["", text(lang, "page", page=page + 1, pages=pages)]
    return "\n".join(lines)


def status_message(
    sources: Iterable[SourceState],
    *,
    polled: int,
    failing: int,
    page: int,
    pages: int,
    lang: str,
    tz: ZoneInfo,
    table: bool = True,
) -> str:
    """/status's polling block: a summary, then (`table`, for admins) a page of sources,
    failing first."""
    lines = [text(lang, "status_sources", count=polled, failing=failing)]
    if not table:
        return lines[0]
    for source in sources:
        line = text(
            lang,
            "status_source",
            name=escape(shorten(source.name, MAX_NAME)),
            success=local_time(source.last_success, tz, lang) or text(lang, "never"),
            errors=source.error_count,
            next=local_time(source.next_poll, tz, lang) or text(lang, "never"),
        )
        if source.failing:
            error = escape(shorten(errors.describe(source.last_error, lang), MAX_ERROR))
            line += text(lang, "status_failing", error=error)
        lines.append(line)
        if source.collisions:
            name = escape(shorten(source.name, MAX_NAME))
            lines.append(text(lang, "status_collisions", name=name, count=source.collisions))
    if pages > 1:
        lines.append(text(lang, "page", page=page + 1, pages=pages))
    return "\n".join(lines)


def status_chat(
    subscriptions: Sequence[Subscription],
    *,
    chat: Chat,
    label: str,
    pending: int,
    given_up: int,
    lang: str,
) -> str:
    """/status's first block: the chat's subscriptions, what is waiting, how it is sent."""
    lines = [text(lang, "status_chat", chat=label, subs=len(subscriptions), pending=pending)]
    for sub in subscriptions[:STATUS_SUBSCRIPTIONS]:
        name = escape(shorten(sub.source or text(lang, "all_sources"), MAX_NAME))
        shown = sub.shown or sub.filters
        filters = text(lang, "with_filters", filters=filters_text(shown, lang)) if shown else ""
        lines.append(f"• {name}{filters}")
    if len(subscriptions) > STATUS_SUBSCRIPTIONS:
        lines.append(text(lang, "and_more", count=len(subscriptions) - STATUS_SUBSCRIPTIONS))
    if chat.digest:
        lines.append(text(lang, "status_digest", schedule=show_schedule(chat.digest, lang)))
    if chat.quiet_start and chat.quiet_end:
        start, end = parse_time(chat.quiet_start), parse_time(chat.quiet_end)
        if start is not None and end is not None:
            shown_window = {"start": show_time(start, lang), "end": show_time(end, lang)}
            lines.append(text(lang, "status_quiet", **shown_window))
    if given_up:
        lines.append(text(lang, "status_given_up", count=given_up))
    return "\n".join(lines)


def fulltext_status(counts: Mapping[str, Mapping[str, Any]], *, lang: str) -> str:
    """/status's block on full articles: per source, posts with their page's text, teasers,
    for subscribers, and pages failed by reason (see store.fulltext_counts)."""
    if not counts:
        return ""
    lines = [text(lang, "fulltext_header")]
    for name, entry in counts.items():
        line = text(
            lang,
            "fulltext_source",
            name=escape(shorten(name, MAX_NAME)),
            full=entry["full"],
            teasers=entry["teasers"],
            subscribers=entry["subscribers"],
        )
        if entry["waiting"]:
            line += text(lang, "fulltext_waiting", count=entry["waiting"])
        lines.append(line)
        failed: Mapping[str, int] = entry["failed"]
        if failed:
            reasons = ", ".join(
                text(lang, "fulltext_reason", reason=text(lang, key), count=count)
                for code, count in sorted(failed.items(), key=lambda item: -item[1])
                if (key := "fulltext_reason_" + code) in TEXTS["fr"]
            )
            lines.append(text(lang, "fulltext_failed", reasons=reasons))
    return "\n".join(lines)


def split_blocks(blocks: Iterable[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Join HTML blocks into as few messages as fit under `limit` (UTF-16 units, as
    Telegram counts them after entity parsing).

    A block too long on its own is split between its lines, never inside one, so no tag
    is ever cut in half.
    """
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _fit(block, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if utf16_units(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _fit(block: str, limit: int) -> list[str]:
    if utf16_units(block) <= limit:
        return [block]
    pieces: list[str] = []
    current = ""
    for line in block.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if utf16_units(candidate) <= limit or not current:
            current = candidate
        else:
            pieces.append(current)
            current = line
    pieces.append(current)
    return pieces


# A post whose page is for subscribers (a paywall): its full text could not be had.
_LOCK = "🔒 "


def push_message(delivery: Delivery, *, lang: str, tz: ZoneInfo) -> str:
    """A pushed post: linked title (🔒 for subscribers), source and date, snippet, hashtags."""
    parts = [f"{_LOCK if delivery.paywalled else ''}<b>{link(delivery.title, delivery.url)}</b>"]
    parts.append(_byline(delivery.source, delivery.published, lang, tz))
    snippet = shorten(delivery.snippet, MAX_SNIPPET)
    if snippet and snippet != shorten(delivery.title, MAX_SNIPPET):
        parts.append(escape(snippet))
    if delivery.hashtags:
        parts.append(" ".join(escape("#" + tag.replace(" ", "_")) for tag in delivery.hashtags[:8]))
    return "\n".join(parts)


def held_message(deliveries: Sequence[Delivery], *, lang: str, tz: ZoneInfo) -> str:
    """Pushes held during quiet hours, released as one message."""
    head = text(lang, "held_header", count=len(deliveries))
    lines = [head, ""] + [digest_line(d, lang, tz) for d in deliveries[:40]]
    if len(deliveries) > 40:
        lines.append(text(lang, "and_more", count=len(deliveries) - 40))
    return "\n".join(lines)


def newest_first(delivery: Delivery) -> datetime:
    """Sort key of deliveries, newest first with reverse=True: published, else queued."""
    # Naive and aware moments do not compare: a naive one is read as UTC.
    moment = delivery.published or delivery.created_at
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def digest_line(delivery: Delivery, lang: str, tz: ZoneInfo) -> str:
    """One post in a list: bullet, linked title (🔒 for subscribers), date."""
    when = escape(local_date(delivery.published, tz, lang))
    lock = _LOCK if delivery.paywalled else ""
    return f"• {lock}{link(delivery.title, delivery.url)} <i>({when})</i>"


WELCOME_NAMES = 4  # sources the welcome names; past that, a count and /sources


def relayed(names: Sequence[str], lang: str) -> str:
    """The welcome's sentence on what the bot relays: the sources it knows, or how to add some."""
    if not names:
        return text(lang, "welcome_no_sources")
    shown = [escape(name) for name in names]
    # « les articles de Numerama », but « d’Exemple »: the preposition goes with the first name.
    of = "list_of_vowel" if shown[0][:1].lower() in _VOWELS else "list_of"
    shown[0] = text(lang, of, name=shown[0])
    if len(shown) > WELCOME_NAMES + 1:
        more = len(shown) - WELCOME_NAMES
        return text(lang, "welcome_relays_more", names=", ".join(shown[:WELCOME_NAMES]), count=more)
    listed = ", ".join(shown[:-1]) + text(lang, "list_and") + shown[-1] if shown[1:] else shown[0]
    return text(lang, "welcome_relays", names=listed)


_VOWELS = frozenset("aàâeéèêëiîïoôuùûüyœh")
