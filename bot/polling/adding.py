"""Adding sources to the store under one rule set: /addsource, OPML from Telegram or the CLI."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.models import Source, SourceOrigin
from bot.sourcelist.rules import Addition, rule_on_additions
from bot.store import Store


async def add_sources(
    store: Store,
    wanted: Sequence[Source],
    *,
    interval: int,
    origin: SourceOrigin,
    update_urls: bool = False,
) -> list[Addition]:
    """Rule on each wanted source against the stored ones (rules.rule_on_additions), apply
    what applies; a changed URL only with `update_urls`. The verdicts, in order.

    `origin` says who added them (Telegram or the command line: see the address guard).
    """
    existing = [Source(s.name, s.url, s.kind) for s in await store.all_sources()]
    # In a thread: a long OPML list takes a while to rule on, and the bot's other chats
    # must be answered meanwhile (the event loop stays free).
    additions = await asyncio.to_thread(rule_on_additions, wanted, existing)
    for addition in additions:
        source = addition.source
        assert source.url is not None
        if addition.applies:
            await store.configure_source(source.name, source.url, interval=interval, origin=origin)
        elif addition.verdict == "url_change" and update_urls:
            await store.change_source_url(source.name, source.url, origin=origin)
    return additions


def describe(addition: Addition, *, update_urls: bool = False) -> str:
    """One line for the command line: what became of a source."""
    name, url, other = addition.source.name, addition.source.url, addition.other
    return {
        "new": f"added: {name} {url}",
        "poll": f"now polled: {name} {url}",
        "unchanged": f"unchanged: {name} {url}",
        "url_change": (
            f"URL changed: {name}: {other} -> {url}"
            if update_urls
            else f"URL change not applied: {name}: {other} -> {url} (--update-urls applies it)"
        ),
        "same_url": f"refused: {name}: {url} is already polled as {other}",
        "lookalike": f"refused: {name}: too close to the existing source {other}",
        "twice": f"refused: {name}: listed twice",
    }[addition.verdict]
