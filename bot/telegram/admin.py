"""Admin commands (ADMIN_IDS only): add and remove sources, export and import OPML."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from functools import wraps

from bot import render
from bot.i18n import text
from bot.ingest.addresses import Refusal
from bot.ingest.fetch import check_public
from bot.models import Source
from bot.names import MAX_NAME_CHARS, clean_name, source_key
from bot.polling.adding import add_sources
from bot.sourcelist.opml import MAX_OPML_BYTES, from_opml, to_opml
from bot.sourcelist.rules import Addition
from bot.sourcelist.sources_file import parse_sources
from bot.telegram.context import Said, on_message, reply_lines, reply_unknown_source
from bot.telegram.services import Context, Services, services_of
from bot.telegram.subscriptions import reply_ambiguous

# Address checks of an OPML import run this many at a time (each may ask the DNS).
_CONCURRENT_CHECKS = 8


SaidHandler = Callable[[Said, Context], Awaitable[None]]


def admins_only(handler: SaidHandler) -> SaidHandler:
    """Answer anyone not in ADMIN_IDS with a refusal instead of running the command."""

    @wraps(handler)
    async def guarded(said: Said, context: Context) -> None:
        user = said.user
        if user is None or user.id not in services_of(context).settings.admin_ids:
            await said.reply(text(said.lang, "admin_only"))
            return
        await handler(said, context)

    return guarded


@on_message
@admins_only
async def add_source(said: Said, context: Context) -> None:
    """`/addsource NAME URL`: poll a new feed (its first poll only records what is there)."""
    lang = said.lang
    args = said.args
    if len(args) < 2 or not args[-1].startswith(("http://", "https://")):
        await said.reply(text(lang, "usage_addsource"))
        return
    name, url = clean_name(" ".join(args[:-1]))[:MAX_NAME_CHARS], args[-1]
    if not name:
        await said.reply(text(lang, "usage_addsource"))
        return
    services = services_of(context)
    refusal = await _address_refusal(services, url)
    if refusal is not None:
        await said.reply(_refused(lang, url, refusal))
        return
    [addition] = await add_sources(
        services.store,
        [Source(name, url)],
        interval=services.settings.poll_interval,
        origin="telegram",
    )
    if addition.applies:
        services.poller.sources_changed()
    await said.reply(_verdict(lang, addition, "source_added"))


_VERDICTS = {
    "unchanged": "source_unchanged",
    "url_change": "source_url_differs",
    "same_url": "source_same_url",
    "lookalike": "source_lookalike",
    "twice": "source_twice",
}


def _verdict(lang: str, addition: Addition, applied: str) -> str:
    """What became of one source, in the reader's language."""
    key = applied if addition.applies else _VERDICTS[addition.verdict]
    source = addition.source
    return text(
        lang,
        key,
        name=render.escape(source.name),
        url=render.escape(source.url or ""),
        other=render.escape(addition.other or ""),
    )


@on_message
@admins_only
async def remove_source(said: Said, context: Context) -> None:
    """`/removesource NAME`: stop polling it; its posts stay searchable."""
    lang = said.lang
    name = " ".join(said.args)
    if not name:
        await said.reply(text(lang, "usage_removesource"))
        return
    services = services_of(context)
    found = await services.store.find_sources(name)
    if len(found) > 1:
        await reply_ambiguous(said, name, [s.name for s in found])
        return
    if not found:
        await reply_unknown_source(said, context, name)
        return
    [source] = found
    await services.store.stop_polling(source.id)
    services.poller.sources_changed()
    answer = text(lang, "source_removed", name=render.escape(source.name))
    if source_key(source.name) in {source_key(s.name) for s in _file_sources(services)}:
        answer += text(lang, "still_in_file")
    await said.reply(answer)


def _file_sources(services: Services) -> list[Source]:
    path = services.settings.sources_file
    if not path.is_file():
        return []
    sources, _ = parse_sources(path.read_text(encoding="utf-8"), default_interval=1)
    return sources


@on_message
@admins_only
async def export(said: Said, context: Context) -> None:
    """`/export`: the polled sources as an OPML file."""
    sources = [
        Source(s.name, s.url, s.kind, s.interval)
        for s in await services_of(context).store.polled_sources()
    ]
    await said.message.reply_document(io.BytesIO(to_opml(sources)), filename="relais-sources.opml")


@on_message
@admins_only
async def import_opml(said: Said, context: Context) -> None:
    """An OPML file sent as a document: its feeds become polled sources."""
    lang = said.lang
    document = said.message.document
    if document is None:
        return
    if document.file_size and document.file_size > MAX_OPML_BYTES:
        await said.reply(text(lang, "opml_too_big", size=MAX_OPML_BYTES // 1_000_000))
        return
    data = bytes(await (await document.get_file()).download_as_bytearray())
    sources, errors = await asyncio.to_thread(from_opml, data)  # a big list: off the loop
    services = services_of(context)
    sources, refused = await _public_sources(services, sources)
    # The same rules as /addsource; a changed URL is reported, never applied from here.
    additions = await add_sources(
        services.store, sources, interval=services.settings.poll_interval, origin="telegram"
    )
    services.poller.sources_changed()
    added = sum(a.applies for a in additions)
    unchanged = sum(a.verdict == "unchanged" for a in additions)
    lines = [text(lang, "opml_imported", count=added)]
    if unchanged:
        lines.append(text(lang, "opml_unchanged", count=unchanged))
    lines += [
        f"• {_verdict(lang, a, 'source_added')}"
        for a in additions
        if not a.applies and a.verdict != "unchanged"
    ]
    if errors:
        lines.append(text(lang, "opml_errors", errors=render.escape("; ".join(errors)[:1500])))
    if refused:
        listed = "; ".join(f"{s.name} ({s.url})" for s in refused)
        lines.append(text(lang, "opml_refused", sources=render.escape(listed[:1500])))
    await reply_lines(said, lines)


async def _address_refusal(services: Services, url: str) -> Refusal | None:
    """Why a source from Telegram may not use `url` (ALLOW_PRIVATE_SOURCES=1: never)."""
    if services.address_policy is None:
        return None
    return await check_public(url, services.address_policy)


async def _public_sources(
    services: Services, sources: list[Source]
) -> tuple[list[Source], list[Source]]:
    """The sources whose addresses are public, and those refused (checked a few at a time)."""
    gate = asyncio.Semaphore(_CONCURRENT_CHECKS)

    async def refused(source: Source) -> bool:
        async with gate:
            return await _address_refusal(services, source.url or "") is not None

    verdicts = await asyncio.gather(*(refused(source) for source in sources))
    kept = [s for s, no in zip(sources, verdicts, strict=True) if not no]
    return kept, [s for s, no in zip(sources, verdicts, strict=True) if no]


def _refused(lang: str, url: str, refusal: Refusal) -> str:
    host = render.escape(refusal.host[:100])
    if refusal.kind == "numeric":
        return text(lang, "source_odd_host", host=host)
    if refusal.kind == "unresolved":
        return text(lang, "source_unresolved", host=host)
    if refusal.kind == "scheme":
        return text(lang, "usage_addsource")
    return text(lang, "source_not_public", url=render.escape(url[:200]), address=refusal.address)
