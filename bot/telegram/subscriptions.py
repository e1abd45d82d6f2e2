"""Subscription commands: subscribe, unsubscribe, list, test a filter, quiet hours, digests."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, Update
from telegram.ext import ContextTypes

from bot import render
from bot.filters import FilterError, document, parse_filter
from bot.i18n import text
from bot.models import Chat, SourceState
from bot.paging import page_of
from bot.spelling import close_names
from bot.telegram.channels import target_chat
from bot.telegram.context import (
    lang_of,
    nav_markup,
    reply_lines,
    reply_unknown_source,
    services_of,
    show_page,
)

# At most 18 digits: any such number fits SQLite's 64-bit integers; longer data is stale.
# The page the button was on follows (older buttons have none).
UNSUBSCRIBE_PATTERN = r"^u:(\d{1,18})(?::(\d{1,5}))?$"
SUBSCRIPTIONS_PAGE_PATTERN = r"^ul:(\d{1,5})$"
SUBSCRIPTIONS_PAGE_SIZE = 10


async def reply_ambiguous(update: Update, wanted: str, names: list[str]) -> None:
    """Answer words that name several sources with their names, to pick one."""
    listed = ", ".join(render.escape(render.shorten(n, render.MAX_NAME)) for n in names[:20])
    await update.effective_message.reply_text(
        text(
            lang_of(update),
            "ambiguous_source",
            name=render.escape(render.shorten(wanted, render.MAX_NAME)),
            names=listed + (", …" if len(names) > 20 else ""),
        )
    )


def _filters_note(lang: str, filters: str) -> str:
    return text(lang, "with_filters", filters=render.escape(filters)) if filters else ""


ALL = ("all", "tout", "tous", "toutes")


@dataclass(frozen=True, slots=True)
class _Subject:
    """What /subscribe and /unsubscribe act on."""

    chat: Chat
    source_id: int | None  # None: every source
    label: str
    rest: list[str]  # the words after the source name


async def _subject(
    update: Update, context: ContextTypes.DEFAULT_TYPE, usage: str
) -> _Subject | None:
    """The chat to change and the source named; None once a refusal or usage is answered."""
    lang = lang_of(update)
    args = context.args or []
    if not args:
        await update.effective_message.reply_text(text(lang, usage))
        return None
    target = await target_chat(update, context)
    if target is None:
        return None
    if args[0].lower() in ALL:
        return _Subject(target, None, text(lang, "all_sources"), args[1:])
    found = await _named_source(update, context, args)
    if found is None:
        return None
    source, rest = found
    return _Subject(target, source.id, render.escape(source.name), rest)


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/subscribe SOURCE|all [FILTERS]`: new posts that pass the filters come here."""
    lang = lang_of(update)
    subject = await _subject(update, context, "usage_subscribe")
    if subject is None:
        return
    try:
        filters = parse_filter(" ".join(subject.rest)).describe()
    except FilterError as exc:
        await update.effective_message.reply_text(
            text(lang, "bad_filter", error=render.escape(exc.message(lang)))
        )
        return
    store = services_of(context).store
    created = await store.subscribe(subject.chat.id, subject.source_id, filters)
    key = "subscribed" if created else "subscription_updated"
    await update.effective_message.reply_text(
        text(lang, key, source=subject.label, filters=_filters_note(lang, filters))
    )


async def _named_source(
    update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]
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
        if len(found) == 1:
            return found[0], args[end:]
        if found:
            break
    else:
        found, end = [], 0
    name = " ".join(word for word in args if word[:1] not in _FILTER_MARKS) or args[0]
    only_filters = all(word[:1] in _FILTER_MARKS for word in args[end:])
    if found and (only_filters or not close_names(name, await store.source_names())):
        await reply_ambiguous(update, " ".join(args[:end]), [s.name for s in found])
    else:
        await reply_unknown_source(update, context, name)
    return None


_FILTER_MARKS = ("+", "-", '"', "«", "“")


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/unsubscribe SOURCE|all`."""
    subject = await _subject(update, context, "usage_unsubscribe")
    if subject is None:
        return
    store = services_of(context).store
    every = subject.source_id is None
    removed = await store.unsubscribe(subject.chat.id, subject.source_id, every=every)
    key = "unsubscribed" if removed else "not_subscribed"
    await update.effective_message.reply_text(text(lang_of(update), key, source=subject.label))


async def subscriptions(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/subscriptions`: the list, a page at a time, with a button to remove each."""
    target = await target_chat(update, context)
    if target is not None:
        await _subscriptions_page(update, context, target, 0)


async def subscriptions_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A ◀ or ▶ press under /subscriptions: that page in place."""
    await update.callback_query.answer()
    target = await target_chat(update, context)
    if target is not None:
        await _subscriptions_page(update, context, target, int(context.matches[0].group(1)))


async def _subscriptions_page(
    update: Update, context: ContextTypes.DEFAULT_TYPE, target: Chat, number: int
) -> None:
    lang = lang_of(update)
    subs = await services_of(context).store.subscriptions(target.id)
    if not subs:
        await show_page(update, text(lang, "no_subscriptions"))
        return
    page = page_of(subs, number, SUBSCRIPTIONS_PAGE_SIZE)
    title = render.escape(render.shorten(target.title or str(target.id), render.MAX_NAME))
    lines = [text(lang, "subscriptions_header", chat=title)]
    buttons = []
    for sub in page.items:
        label = render.shorten(sub.source or text(lang, "all_sources"), render.MAX_NAME)
        lines.append(f"• {render.escape(label)}{_filters_note(lang, sub.filters)}")
        data = f"u:{sub.id}:{page.number}"
        buttons.append([InlineKeyboardButton(f"✖ {render.shorten(label, 40)}", callback_data=data)])
    if page.pages > 1:
        lines += ["", text(lang, "page", page=page.number + 1, pages=page.pages)]
    markup = nav_markup("ul:", page.number, page.pages, buttons)
    await show_page(update, "\n".join(lines), markup)


async def remove_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A ✖ press under /subscriptions: remove it, and show the same page again."""
    query = update.callback_query
    lang = lang_of(update)
    target = await target_chat(update, context)
    if target is None:
        await query.answer()
        return
    subscription_id, number = context.matches[0].groups()
    removed = await services_of(context).store.remove_subscription(target.id, int(subscription_id))
    await query.answer(text(lang, "removed") if removed else text(lang, "expired"))
    if removed:
        await _subscriptions_page(update, context, target, int(number or 0))


async def filter_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/filter test SOURCE FILTERS`: which of the last 20 posts would pass."""
    lang = lang_of(update)
    args = context.args or []
    if len(args) < 3 or args[0].lower() != "test":
        await update.effective_message.reply_text(text(lang, "usage_filter"))
        return
    found = await _named_source(update, context, args[1:])
    if found is None:
        return
    source, rest = found
    try:
        flt = parse_filter(" ".join(rest))
    except FilterError as exc:
        await update.effective_message.reply_text(
            text(lang, "bad_filter", error=render.escape(exc.message(lang)))
        )
        return
    store = services_of(context).store
    recent = await store.recent_posts(20, source_id=source.id, with_text=True)
    lines = []
    passed = 0
    for post in recent:
        ok = flt.matches(document(post["title"], post["text"]))
        passed += ok
        lines.append(f"{'✅' if ok else '❌'} {render.link(post['title'], post['url'])}")
    header = text(
        lang, "filter_header", count=len(recent), source=render.escape(source.name), passed=passed
    )
    await reply_lines(update, [header, *lines])
