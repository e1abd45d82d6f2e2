"""`python -m bot`: the command line (run, load, sources, stats, search, quote, fulltext)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from datetime import time as dt_time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import ConfigError, Settings
from bot.log_noise import quiet_library_noise
from bot.redaction import redact_token
from bot.render import in_zone
from bot.search import Searcher
from bot.store import Store, TransferError

# `search` and `quote` answer in a process of their own: each command imports what it
# needs in its own function, so they load no HTTP client, feed parser or page extractor
# (tests/test_cli_imports.py keeps it so).
if TYPE_CHECKING:
    from bot.polling.fulltext import PageOutcome
    from bot.polling.loader import LoadReport

SIGPIPE_EXIT = 141


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser: every command and option `python -m bot` takes."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="FILE|URL",
        help="SQLite file or postgresql:// URL (overrides DATABASE_PATH and DATABASE_URL)",
    )
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Relais: relays French news posts to Telegram and answers questions on them.",
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", parents=[common], help="run the Telegram bot (long polling, or a webhook)"
    )
    mode = run.add_mutually_exclusive_group()
    mode.add_argument(
        "--webhook", action="store_true", help="serve a webhook (needs WEBHOOK_URL, WEBHOOK_SECRET)"
    )
    mode.add_argument("--polling", action="store_true", help="long polling, whatever WEBHOOK_URL")

    load = commands.add_parser(
        "load", parents=[common], help="load Movim dumps and RSS/Atom/JSON feeds"
    )
    load.add_argument("paths", nargs="+", metavar="PATH", help="file, folder or http(s) URL")
    load.add_argument(
        "--source", metavar="NAME", help="the source of every post loaded (else the feed's title)"
    )

    sources = commands.add_parser(
        "sources", parents=[common], help="import or export the polled sources as OPML"
    )
    actions = sources.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, help_text in (
        ("import", "poll the feeds of an OPML list (same rules as /addsource)"),
        ("export", "write the polled sources as OPML (to standard output by default)"),
    ):
        command = actions.add_parser(action, parents=[common], help=help_text)
        command.add_argument(
            "file", nargs=None if action == "import" else "?", metavar="FILE", help="OPML file"
        )
    actions.choices["import"].add_argument(
        "--update-urls", action="store_true", help="apply URL changes to existing sources"
    )

    export = commands.add_parser(
        "export", parents=[common], help="write the whole database as JSON lines"
    )
    export.add_argument("file", metavar="FILE", help="JSON lines file to write")
    load_back = commands.add_parser(
        "import", parents=[common], help="load an export into an empty database"
    )
    load_back.add_argument("file", metavar="FILE", help="JSON lines file from `export`")
    load_back.add_argument(
        "--replace", action="store_true", help="delete what the database holds first"
    )

    fulltext = commands.add_parser(
        "fulltext",
        parents=[common],
        help="fetch the pages of stored teasers for their full text (resumable)",
    )
    fulltext.add_argument("--source", metavar="NAME", help="only this source's posts")
    fulltext.add_argument(
        "--since", metavar="DATE", type=_date, help="only posts published since (YYYY-MM-DD)"
    )
    fulltext.add_argument("--limit", metavar="N", type=int, help="at most N more posts")

    stats = commands.add_parser("stats", parents=[common], help="count posts and passages")
    stats.add_argument("--json", action="store_true", help="print one JSON object")

    for name, help_text in (
        ("search", "find posts (typos, accents and plurals forgiven)"),
        ("quote", "find a quote (answers and pull quotes first)"),
    ):
        command = commands.add_parser(name, parents=[common], help=help_text)
        # Any number of words: `search -clic` alone gets the empty-query answer, not usage.
        command.add_argument("query", nargs="*", metavar="QUERY", help="words")
        command.add_argument("--limit", type=int, default=5 if name == "search" else 1)
        command.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        # `search travail -clic`: a word led by "-" is the query's exclusion, not an option.
        if args.command not in ("search", "quote") or any(w.startswith("--") for w in extra):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.query = [*args.query, *extra]
    try:
        settings = Settings.from_env().with_database(args.db)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Filters on the root handlers see every record, whatever logger or level it comes from;
    # warnings go through logging too, so they are masked as well.
    redact_token(settings.bot_token, logging.getLogger().handlers)
    quiet_library_noise(logging.getLevelName(settings.log_level), logging.getLogger().handlers)
    logging.captureWarnings(True)
    # httpx logs every request at INFO: one line per long poll and per send is noise.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.command == "run":
        if args.polling:
            settings = settings.polling()
        elif args.webhook and settings.webhook_url is None:
            print(
                "configuration error: run --webhook needs WEBHOOK_URL and WEBHOOK_SECRET",
                file=sys.stderr,
            )
            return 2
        return _run(settings)
    handler = {
        "load": _load,
        "sources": _sources,
        "export": _export,
        "import": _import,
        "stats": _stats,
        "fulltext": _fulltext,
        "search": _search,
        "quote": _quote,
    }[args.command]
    try:
        code = asyncio.run(handler(settings, args))
        sys.stdout.flush()  # a pipe's buffer is written here, where its failure is caught
    except BrokenPipeError:
        # The reader went away (`... | head`): end quietly with the status of a tool
        # killed by SIGPIPE (128 + 13), and let nothing flush into the closed pipe again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return SIGPIPE_EXIT
    return code


def _run(settings: Settings) -> int:
    if not settings.bot_token:
        print(
            "BOT_TOKEN is not set: create a bot with @BotFather on Telegram (/newbot) and put "
            "its token in .env as BOT_TOKEN=123456:ABC... (see .env.example).",
            file=sys.stderr,
        )
        return 1
    from bot.telegram.app import run  # only `run` needs python-telegram-bot loaded

    return run(settings)


def _progress(done: int, total: int, name: str) -> None:
    if total < 2 or not sys.stderr.isatty():
        return
    width = 30
    filled = width * done // total
    label = name if len(name) <= 40 else "…" + name[-39:]
    end = "\n" if done == total else ""
    print(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<40}",
        end=end,
        file=sys.stderr,
        flush=True,
    )


async def _load(settings: Settings, args: argparse.Namespace) -> int:
    from bot.polling.loader import load_inputs

    async with Store.open(settings.database) as store:
        report = await load_inputs(
            store,
            args.paths,
            tz=settings.tz,
            today=datetime.now(settings.tz).date(),
            progress=_progress,
            source=args.source,
        )
    _print_load_report(report)
    return 1 if report.failed or not report.read else 0


def _print_load_report(report: LoadReport) -> None:
    for name, summary in sorted(report.per_source().items()):
        print(
            f"{name}: {summary.new} new, {summary.updated} updated, "
            f"{summary.unchanged} unchanged, {summary.skipped} skipped"
        )
    for entry in report.inputs:
        # One line per reason, with a count: a feed of 31 bad dates says it once.
        reasons = Counter(skip.reason for skip in entry.skipped)
        wheres = {skip.reason: skip.where for skip in entry.skipped}
        for reason, count in reasons.items():
            where = wheres[reason] if count == 1 else f"{count} entries"
            print(f"skipped in {entry.name} ({where}): {reason}", file=sys.stderr)
    for name, summary in sorted(report.per_source().items()):
        for reason, count in summary.skip_reasons.items():
            print(f"skipped for {name}: {count} × {reason}", file=sys.stderr)
    for entry in report.ignored:
        print(f"not an input, skipped: {entry.name}: {entry.ignored}", file=sys.stderr)
    for entry in report.failed:
        print(f"failed: {entry.name}: {entry.error}", file=sys.stderr)
    if not report.read and not report.failed:
        print("nothing to load: no dump or feed found", file=sys.stderr)
    total = len(report.inputs) - len(report.ignored)
    count = len(report.ignored)
    ignored = f", {count} other file{'s' if count > 1 else ''} skipped" if count else ""
    print(f"{report.read} of {total} inputs read{ignored}")


async def _sources(settings: Settings, args: argparse.Namespace) -> int:
    from bot.models import Source
    from bot.polling.adding import add_sources, describe
    from bot.sourcelist.opml import from_opml, to_opml

    if args.action == "export":
        async with Store.open(settings.database) as store:
            polled = await store.polled_sources()
        data = to_opml([Source(s.name, s.url, s.kind, s.interval) for s in polled])
        if args.file is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            await asyncio.to_thread(Path(args.file).write_bytes, data)
            print(f"{len(polled)} sources written to {args.file}")
        return 0
    try:
        data = await asyncio.to_thread(Path(args.file).read_bytes)
    except OSError as exc:
        print(f"failed: {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    wanted, errors = from_opml(data)
    async with Store.open(settings.database) as store:
        additions = await add_sources(
            store,
            wanted,
            interval=settings.poll_interval,
            origin="cli",
            update_urls=args.update_urls,
        )
    for addition in additions:
        print(describe(addition, update_urls=args.update_urls))
    for error in errors:
        print(f"skipped in {args.file}: {error}", file=sys.stderr)
    counts = Counter(a.verdict for a in additions)
    left = len(additions) - counts["new"] - counts["poll"] - counts["unchanged"]
    if args.update_urls:
        left -= counts["url_change"]
    print(
        f"{len(additions)} feeds: {counts['new'] + counts['poll']} added, "
        f"{counts['unchanged']} unchanged, {left} not applied, {len(errors)} unreadable"
    )
    return 1 if left or errors else 0


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    try:
        # The command is the loop's only task: a blocking write holds up nothing.
        with open(args.file, "w", encoding="utf-8") as out:  # noqa: ASYNC230
            async with Store.open(settings.database) as store:
                counts = await store.export_to(out)
    except OSError as exc:
        print(f"failed: {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"exported {counts.describe()} to {args.file}")
    return 0


async def _import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.leader import LEASE, Owner
    from bot.store.transfer import LeaseHeld, read_lines

    try:
        with open(args.file, "rb") as file:  # noqa: ASYNC230 (as in _export)
            async with Store.open(settings.database) as store:
                counts = await store.import_lines(
                    read_lines(file), replace=args.replace, unless_held=LEASE
                )
                where = store.describe()
    except OSError as exc:
        print(f"failed: {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except LeaseHeld as exc:
        holder = Owner.parse(exc.lease.owner).describe()
        print(
            f"nothing imported: a bot is running on this database ({holder}): stop it,"
            " then import (it would go on serving and sending what the import replaces)",
            file=sys.stderr,
        )
        return 1
    except TransferError as exc:
        print(f"nothing imported: {exc}", file=sys.stderr)
        return 1
    print(f"imported {counts.describe()} into {where}")
    return 0


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value}") from None


async def _fulltext(settings: Settings, args: argparse.Namespace) -> int:
    from bot.ingest.addresses import AddressPolicy
    from bot.ingest.fetch import make_client
    from bot.ingest.pages import PageFetcher
    from bot.polling.fulltext import PageWorker

    since = None
    if args.since is not None:
        since = datetime.combine(args.since, dt_time(), tzinfo=settings.tz)
    async with Store.open(settings.database) as store:
        source_id = None
        if args.source is not None:
            source = await store.source_by_name(args.source)
            if source is None:
                print(f"no source called {args.source}", file=sys.stderr)
                return 1
            source_id = source.id
        waiting = await store.want_backfill(source_id=source_id, since=since, limit=args.limit)
        counts: Counter[str] = Counter()

        def progress(outcome: PageOutcome) -> None:
            counts[outcome.result] += 1
            done = sum(counts.values())
            if sys.stderr.isatty() or done == waiting or done % 10 == 0:
                failed = done - counts["page"] - counts["paywalled"]
                line = (
                    f"fulltext: {done}/{waiting} pages, {counts['page']} completed,"
                    f" {counts['paywalled']} for subscribers, {failed} failed"
                )
                end = "\r" if sys.stderr.isatty() and done < waiting else "\n"
                print(line, end=end, file=sys.stderr, flush=True)

        async with (
            make_client(timeout=15.0) as client,
            make_client(timeout=15.0, policy=AddressPolicy()) as public_only,
        ):
            fetcher = PageFetcher(
                client,
                public_only=None if settings.allow_private_sources else public_only,
                gap=settings.page_gap,
            )
            outcomes = await PageWorker(store, fetcher).drain(
                source_id=source_id, progress=progress
            )
    failures = Counter(o.result for o in outcomes if o.result not in ("page", "paywalled"))
    print(
        f"{len(outcomes)} pages: {counts['page']} completed, {counts['paywalled']} for"
        f" subscribers, {sum(failures.values())} failed"
        + "".join(f", {code} {count}" for code, count in sorted(failures.items()))
    )
    return 0


async def _stats(settings: Settings, args: argparse.Namespace) -> int:
    async with Store.open(settings.database) as store:
        stats = await store.stats()
    if args.json:
        print(json.dumps(stats, ensure_ascii=False))
        return 0
    print(f"{stats['posts']} posts in {stats['database']}")
    for name, count in stats["sources"].items():
        print(f"  {name}: {count}")
    print("passages: " + ", ".join(f"{k} {v}" for k, v in stats["passages"].items()))
    return 0


@asynccontextmanager
async def _searcher(settings: Settings) -> AsyncIterator[Searcher]:
    async with Store.open(settings.database) as store:
        searcher = Searcher(store, settings.index_path, tz=settings.tz)
        await searcher.start()
        yield searcher


SEARCH_FIELDS = (
    "post_id", "title", "source", "author", "published", "url",
    "score", "snippet", "match", "kind", "speaker", "missing",
)  # fmt: skip
QUOTE_FIELDS = (
    "text", "speaker", "kind", "post_id", "title", "source", "published", "url", "score",
)  # fmt: skip


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 1)
    return list(value) if isinstance(value, tuple) else value


def _print_json(query: str, took: float, hits: Sequence[object], fields: Sequence[str]) -> None:
    results = [{name: _json_value(getattr(hit, name)) for name in fields} for hit in hits]
    payload = {"query": query, "took_ms": round(took, 2), "results": results}
    print(json.dumps(payload, ensure_ascii=False))


async def _ask(settings: Settings, method: str, query: str, limit: int) -> tuple[Any, float]:
    """Run `search` or `quote` on the database; the response and how long it took (ms)."""
    async with _searcher(settings) as searcher:
        started = time.perf_counter()
        response = await getattr(searcher, method)(query, limit=max(1, limit))
        took = (time.perf_counter() - started) * 1000
    for warning in response.warnings:
        print(f"note: {warning}", file=sys.stderr)
    return response, took


async def _search(settings: Settings, args: argparse.Namespace) -> int:
    query = " ".join(args.query)
    response, took = await _ask(settings, "search", query, args.limit)
    if response.empty_query:
        print("usage: python -m bot search WORDS (e.g. travail du clic)", file=sys.stderr)
        return 2
    if args.json:
        _print_json(query, took, response.hits, SEARCH_FIELDS)
        return 0
    if not response.hits:
        print(f"no results for {query!r}")
        return 0
    for rank, hit in enumerate(response.hits, start=1):
        local = in_zone(hit.published, settings.tz)
        when = local.strftime("%Y-%m-%d") if local else "?"
        print(f"{rank}. {hit.title}  [{hit.source}, {when}, score {hit.score:.0f}]")
        if hit.url:
            print(f"   {hit.url}")
        if hit.snippet:
            snippet, at = "", 0
            for start, end in hit.match:
                snippet += hit.snippet[at:start] + "**" + hit.snippet[start:end] + "**"
                at = end
            print(f"   {snippet + hit.snippet[at:]}")
        if hit.missing:
            print(f"   (without: {', '.join(hit.missing)})")
    print(f"({response.total} posts, {took:.1f} ms)")
    return 0


async def _quote(settings: Settings, args: argparse.Namespace) -> int:
    query = " ".join(args.query)
    response, took = await _ask(settings, "quote", query, args.limit)
    if args.json:
        _print_json(query, took, response.hits, QUOTE_FIELDS)
        return 0
    if not response.hits:
        print(f"no quote for {query!r}")
        return 0
    for hit in response.hits:
        print(f"« {hit.text} »")
        by = f"{hit.speaker}, " if hit.speaker else ""
        print(f"   — {by}{hit.title} ({hit.source})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
