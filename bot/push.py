"""Plan the deliveries new posts owe to subscribers; tell quiet hours."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.filters import FilterError, document, parse_filter
from bot.models import Chat, Post, Subscription

log = logging.getLogger(__name__)


def plan_deliveries(
    new_posts: Sequence[tuple[int, Post]], subscriptions: Sequence[Subscription]
) -> list[tuple[int, int, str]]:
    """(chat_id, post_id, kind) owed for new posts: one per chat and post that passes."""
    by_filter: dict[str, list[Subscription]] = {}
    for subscription in subscriptions:
        by_filter.setdefault(subscription.filters, []).append(subscription)
    filters = {}
    for text in by_filter:
        try:
            filters[text] = parse_filter(text)
        except FilterError:
            # Filters are checked when written; one that no longer parses matches nothing.
            log.warning("stored filter %r no longer parses; its subscriptions get nothing", text)
    owed: list[tuple[int, int, str]] = []
    for post_id, post in new_posts:
        doc = document(post.title, "\n".join(p.text for p in post.passages))
        # One delivery per chat even with several matching subscriptions (a source and
        # "all"); the digest flag belongs to the chat, so any of them says the same.
        matched = {
            subscription.chat_id: subscription.digest
            for text, flt in filters.items()
            if flt.matches(doc)
            for subscription in by_filter[text]
        }
        owed.extend(
            (chat, post_id, "digest" if digest else "push") for chat, digest in matched.items()
        )
    return owed


def in_quiet_hours(chat: Chat, now: datetime, default_tz: ZoneInfo) -> bool:
    """True when the chat's local time falls inside its quiet hours."""
    if not chat.quiet_start or not chat.quiet_end:
        return False
    local = now.astimezone(chat.zone(default_tz)).time()
    start, end = time.fromisoformat(chat.quiet_start), time.fromisoformat(chat.quiet_end)
    if start <= end:
        return start <= local < end
    return local >= start or local < end
