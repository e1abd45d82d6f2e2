"""Plan the deliveries new posts owe to subscribers; tell quiet hours."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.filters import FilterError, document, parse_filter
from bot.models import Chat, Post, Subscription

log = logging.getLogger(__name__)


# New posts one poll may push to a chat one by one; the rest are counted in one message
# ("… and N more from SOURCE"). A feed that suddenly lists 20,000 entries must not queue
# 20,000 messages per subscriber (5.5 hours of them).
PUSH_CAP = 10
_OLDEST = datetime.min.replace(tzinfo=UTC)


def plan_deliveries(
    new_posts: Sequence[tuple[int, Post]],
    subscriptions: Sequence[Subscription],
    delivered: Mapping[int, Collection[int]] | None = None,
    *,
    cap: int = PUSH_CAP,
) -> list[tuple[int, int, str]]:
    """(chat_id, post_id, kind) owed for new posts: one per chat and post that passes.

    `delivered` gives, per post, the chats already owed the same article through another
    source: they are not owed it again. Kinds: "digest" for chats in digest mode; "push"
    for the `cap` newest posts of the chat, in the order they were published; "more" for
    the others, sent as one summary.
    """
    delivered = delivered or {}
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
        already = delivered.get(post_id, ())
        owed.extend(
            (chat, post_id, "digest" if digest else "push")
            for chat, digest in matched.items()
            if chat not in already
        )
    return owed if len(new_posts) < 2 else _order_and_cap(owed, new_posts, cap)


def match_filters(
    new_posts: Sequence[tuple[int, Post]], filters: Collection[str]
) -> list[tuple[int, int, str]]:
    """(post_id, rank, filter) for each subscription filter that lets a new post through.

    Rank 0 is the newest post (posts without a date come after the dated ones, in the
    feed's order): the store owes each chat its newest posts one by one, up to the cap.
    What is matched here is each distinct filter once, whatever the number of chats.
    """
    parsed = []
    for text in filters:
        try:
            parsed.append((text, parse_filter(text)))
        except FilterError:
            # Filters are checked when written; one that no longer parses matches nothing.
            log.warning("stored filter %r no longer parses; its subscriptions get nothing", text)
    newest_first = sorted(new_posts, key=lambda item: item[1].published or _OLDEST, reverse=True)
    rank = {post_id: number for number, (post_id, _) in enumerate(newest_first)}
    matches: list[tuple[int, int, str]] = []
    for post_id, post in new_posts:
        doc = document(post.title, "\n".join(p.text for p in post.passages))
        matches += [(post_id, rank[post_id], text) for text, flt in parsed if flt.matches(doc)]
    return matches


def _order_and_cap(
    owed: list[tuple[int, int, str]], new_posts: Sequence[tuple[int, Post]], cap: int
) -> list[tuple[int, int, str]]:
    """Each chat's pushes oldest first (it reads them in order), past `cap` as "more"."""
    # A stable sort: posts without a date keep the feed's order, after the dated ones.
    newest_first = sorted(new_posts, key=lambda item: item[1].published or _OLDEST, reverse=True)
    rank = {post_id: number for number, (post_id, _) in enumerate(newest_first)}
    pushes: dict[int, list[int]] = {}
    ordered: list[tuple[int, int, str]] = []
    for chat, post_id, kind in owed:
        if kind == "push":
            pushes.setdefault(chat, []).append(post_id)
        else:
            ordered.append((chat, post_id, kind))
    for chat, post_ids in pushes.items():
        post_ids.sort(key=rank.__getitem__)
        ordered += [(chat, post_id, "push") for post_id in reversed(post_ids[:cap])]
        ordered += [(chat, post_id, "more") for post_id in post_ids[cap:]]
    return ordered


def in_quiet_hours(chat: Chat, now: datetime, default_tz: ZoneInfo) -> bool:
    """True when the chat's local time falls inside its quiet hours."""
    if not chat.quiet_start or not chat.quiet_end:
        return False
    local = now.astimezone(chat.zone(default_tz)).time()
    start, end = time.fromisoformat(chat.quiet_start), time.fromisoformat(chat.quiet_end)
    if start <= end:
        return start <= local < end
    return local >= start or local < end
