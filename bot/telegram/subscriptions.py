"""Subscription commands: /subscribe, /unsubscribe, the paged /subscriptions, /filter test."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import render
from bot.filters import FilterError, document, parse_filter
from bot.i18n import text
from bot.models import Chat, SourceState
from bot.names import close_names
from bot.telegram.channels import chat_name, shown_chat, target_chat, where
from bot.telegram.context import (
    Pressed,
    Said,
    Turn,
    nav_markup,
    on_button,
    on_message,
    reply_lines,
    reply_unknown_source,
    show_page,
)
from bot.telegram.paging import page_of
from bot.telegram.reader_feeds import is_url, subscribe_url
from bot.telegram.services import Context, services_of

# At most 18 digits: any such number fits SQLite's 64-bit integers; longer data is stale.
# The page the button was on follows (older buttons have none).
UNSUBSCRIBE_PATTERN = r"^u:(\d{1,18})(?::(\d{1,5}))?$"
SUBSCRIPTIONS_PAGE_PATTERN = r"^ul:(\d{1,5})$"
SUBSCRIPTIONS_PAGE_SIZE = 10
UNSUBSCRIBE_ALL_PATTERN = r"^ua:([yn])$"


async def reply_ambiguous(turn: Turn, wanted: str, names: list[str]) -> None:
    """Answer words that name several sources with their names, to pick one."""
    listed = ", ".join(render.escape(render.shorten(n, render.MAX_NAME)) for n in names[:20])
    await turn.reply(
        text(
            turn.lang,
            "ambiguous_source",
            name=render.escape(render.shorten(wanted, render.MAX_NAME)),
            names=listed + (", …" if len(names) > 20 else ""),
        )
    )


def _filters_note(lang: str, filters: str) -> str:
    shown = render.filters_text(filters, lang)
    return text(lang, "with_filters", filters=shown) if filters else ""


ALL = ("all", "tout", "tous", "toutes")


@dataclass(frozen=True, slots=True)
class _Subject:
    """What /subscribe and /unsubscribe act on."""

    chat: Chat
    source_id: int | None  # None: every source
    label: str
    rest: list[str]  # the words after the source name


async def _subject(said: Said, context: Context, usage: str) -> _Subject | None:
    """The chat to change and the source named; None once a refusal or usage is answered."""
    lang = said.lang
    args = said.args
    if not args:
        await said.reply(text(lang, usage))
        return None
    target = await target_chat(said, context)
    if target is None:
        return None
    if args[0].lower() in ALL:
        return _Subject(target, None, text(lang, "all_sources"), args[1:])
    found = await _named_source(said, context, args)
    if found is None:
        return None
    source, rest = found
    return _Subject(target, source.id, render.escape(source.name), rest)


@on_message
async def subscribe(said: Said, context: Context) -> None:
    """`/subscribe SOURCE|all [FILTERS]`: new posts that pass the filters come here."""
    lang = said.lang
    if said.args and is_url(said.args[0]) and services_of(context).settings.open_sources:
        await subscribe_url(said, context)
        return
    subject = await _subject(said, context, "usage_subscribe")
    if subject is None:
        return
    typed = " ".join(subject.rest)
    try:
        filters = parse_filter(typed).describe()
    except FilterError as exc:
        await said.reply(text(lang, "bad_filter", error=render.escape(exc.message(lang))))
        return
    # Matching reads the normalised filters; the reader gets back what they wrote.
    shown = typed if filters else ""
    store = services_of(context).store
    created = await store.subscribe(
        subject.chat.id,
        subject.source_id,
        filters,
        shown or None,
        thread_id=subject.chat.thread_id,
    )
    key = "subscribed" if created else "subscription_updated"
    note = _filters_note(lang, shown)
    here = where(lang, subject.chat, said.chat.id)
    await said.reply(text(lang, key, source=subject.label, filters=note, where=here))


async def _named_source(
    said: Said, context: Context, args: list[str]
) -> tuple[SourceState, list[str]] | None:
    """The source named by the longest run of leading words, and the words after it.

    Names may have spaces (`Le Vent Se Lève`) and bare words are filters too, so the
    longest prefix that names one known source wins. Words naming several sources get
    them listed, unless more words follow that may be a misspelled name: then the
    names spelled alike are offered instead (when there are any).
    """
    store = services_of(context).store
    for end in range(len(args), 0, -1):
        found = await store.find_sources(" ".join(args[:end]))
        last = args[end - 1]
        # Names match without their punctuation: a word of punctuation alone (« (( ») is
        # part of the name only when the name holds it, else it is a filter to check.
        if len(found) == 1:
            if any(c.isalnum() for c in last) or last in found[0].name:
                return found[0], args[end:]
            continue
        if found:
            break
    else:
        found, end = [], 0
    name = " ".join(word for word in args if word[:1] not in _FILTER_MARKS) or args[0]
    only_filters = all(word[:1] in _FILTER_MARKS for word in args[end:])
    if found and (only_filters or not close_names(name, await store.source_names())):
        await reply_ambiguous(said, " ".join(args[:end]), [s.name for s in found])
    else:
        await reply_unknown_source(said, context, name)
    return None


_FILTER_MARKS = ("+", "-", '"', "«", "“")


@on_message
async def unsubscribe(said: Said, context: Context) -> None:
    """`/unsubscribe SOURCE`; `/unsubscribe tout` (or `all`) asks first, with two buttons."""
    lang = said.lang
    subject = await _subject(said, context, "usage_unsubscribe")
    if subject is None:
        return
    store = services_of(context).store
    here = where(lang, subject.chat, said.chat.id)
    if subject.source_id is None:
        count = len(await store.subscriptions(subject.chat.id, subject.chat.thread_id))
        if not count:
            await said.reply(text(lang, "not_subscribed", source=subject.label, where=here))
            return
        buttons = [
            InlineKeyboardButton(text(lang, "unsubscribe_all_yes"), callback_data="ua:y"),
            InlineKeyboardButton(text(lang, "unsubscribe_all_no"), callback_data="ua:n"),
        ]
        question = text(lang, "unsubscribe_all_ask", count=count, where=here)
        await said.reply(question, InlineKeyboardMarkup([buttons]))
        return
    removed = await store.unsubscribe(
        subject.chat.id, subject.source_id, thread_id=subject.chat.thread_id
    )
    key = "unsubscribed" if removed else "not_subscribed"
    await said.reply(text(lang, key, source=subject.label, where=here))


@on_button
async def unsubscribe_all_button(pressed: Pressed, context: Context) -> None:
    """The answer to « Retirer tous les abonnements ? »: remove them all, or nothing."""
    lang = pressed.lang
    target = await target_chat(pressed, context)
    if target is None:
        await pressed.query.answer()
        return
    await pressed.query.answer()
    if pressed.match.group(1) == "n":
        await show_page(pressed, text(lang, "unsubscribe_all_kept"))
        return
    store = services_of(context).store
    count = await store.unsubscribe(target.id, None, every=True, thread_id=target.thread_id)
    here = where(lang, target, pressed.chat.id)
    await show_page(pressed, text(lang, "unsubscribed_all", count=count, where=here))


@on_message
async def subscriptions(said: Said, context: Context) -> None:
    """`/subscriptions`: the list, a page at a time, with a button to remove each (the
    list is for every member of a group; removing, for its admins)."""
    target = await shown_chat(said, context)
    if target is not None:
        await _subscriptions_page(said, context, target, 0)


@on_button
async def subscriptions_button(pressed: Pressed, context: Context) -> None:
    """A ◀ or ▶ press under /subscriptions: that page in place."""
    await pressed.query.answer()
    target = await shown_chat(pressed, context)
    if target is not None:
        await _subscriptions_page(pressed, context, target, int(pressed.match.group(1)))


async def _subscriptions_page(turn: Turn, context: Context, target: Chat, number: int) -> None:
    lang = turn.lang
    subs = await services_of(context).store.subscriptions(target.id, target.thread_id)
    if not subs:
        await show_page(turn, text(lang, "no_subscriptions"))
        return
    page = page_of(subs, number, SUBSCRIPTIONS_PAGE_SIZE)
    lines = [text(lang, "subscriptions_header", chat=chat_name(target))]
    buttons = []
    for sub in page.items:
        label = render.shorten(sub.source or text(lang, "all_sources"), render.MAX_NAME)
        shown = sub.shown or sub.filters
        lines.append(f"• {render.escape(label)}{_filters_note(lang, shown)}")
        data = f"u:{sub.id}:{page.number}"
        buttons.append([InlineKeyboardButton(f"✖ {render.shorten(label, 40)}", callback_data=data)])
    if page.pages > 1:
        lines += ["", text(lang, "page", page=page.number + 1, pages=page.pages)]
    markup = nav_markup("ul:", page.number, page.pages, buttons)
    await show_page(turn, "\n".join(lines), markup)


@on_button
async def remove_button(pressed: Pressed, context: Context) -> None:
    """A ✖ press under /subscriptions: remove it, and show the same page again."""
    query = pressed.query
    lang = pressed.lang
    target = await target_chat(pressed, context)
    if target is None:
        await query.answer()
        return
    subscription_id, number = pressed.match.groups()
    removed = await services_of(context).store.remove_subscription(target.id, int(subscription_id))
    await query.answer(text(lang, "removed") if removed else text(lang, "expired"))
    if removed:
        await _subscriptions_page(pressed, context, target, int(number or 0))


@on_message
async def filter_command(said: Said, context: Context) -> None:
    """`/filter test SOURCE FILTERS`: which of the last 20 posts would pass."""
    lang = said.lang
    args = said.args
    if len(args) < 3 or args[0].lower() != "test":
        await said.reply(text(lang, "usage_filter"))
        return
    found = await _named_source(said, context, args[1:])
    if found is None:
        return
    source, rest = found
    try:
        flt = parse_filter(" ".join(rest))
    except FilterError as exc:
        await said.reply(text(lang, "bad_filter", error=render.escape(exc.message(lang))))
        return
    store = services_of(context).store
    recent = await store.recent_posts(20, source_id=source.id, with_text=True)
    lines = []
    passed = 0
    for post in recent:
        ok = flt.matches(document(post["title"], post["text"]))
        passed += ok
        lines.append(f"{'✅' if ok else '❌'} {render.link(post['title'], post['url'])}")
    key = "filter_header" if passed else "filter_header_none"
    header = text(lang, key, count=len(recent), source=render.escape(source.name), passed=passed)
    await reply_lines(said, [header, *lines])
