"""Ruling on a large OPML: `rule_on_additions` against the function it replaced.

The outlines are generated (seeded): names of two to four words drawn from a list, each at
its own feed URL, some listed twice or spelled one letter off, as exported lists have them.
The baseline is the rule as it stood before issue 20 (each outline compared with every
name so far, in Python), kept below; both must give the same verdicts. Prints the time of
each for 1,000, 3,000 and 6,000 outlines (best of 3 for the new one, one run of the old).

Then the bot itself (built as `run` builds it, on the in-process fake Bot API): an admin
sends the 6,000-outline list, another chat sends /help just after; how long that /help
waited at worst (one every 0.2 s for the whole import), with the rule as it is, and with
the old rule called on the event loop as it was.

    .venv/bin/python benchmarks/opml_rules_bench.py
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from ipaddress import ip_network
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.ingest.addresses import AddressPolicy  # noqa: E402
from bot.models import Source  # noqa: E402
from bot.names import lookalike, source_key  # noqa: E402
from bot.polling import adding  # noqa: E402
from bot.ratelimit import FloodGate  # noqa: E402
from bot.sourcelist.opml import to_opml  # noqa: E402
from bot.sourcelist.rules import Addition, _same_url, rule_on_additions  # noqa: E402
from bot.telegram.app import build_application  # noqa: E402
from tests.fakes import FakeBotAPI, FakeRequest  # noqa: E402

WORDS = (
    "actu blog carnet chronique climat code culture débat dossier écho économie enquête"
    " europe fil forum gazette histoire horizon idée info journal lettre libre local"
    " marché média monde nature note nouvelle observatoire opinion page parole planète"
    " podcast politique presse quartier radio récit regard revue science semaine signal"
    " société sport terrain tribune veille vert ville voix web"
).split()
SIZES = (1_000, 3_000, 6_000)


def outlines(count: int, seed: int = 20) -> list[Source]:
    """`count` outlines; one in fifty repeats an earlier name, one in fifty is one letter off."""
    rng = random.Random(seed)
    made: list[Source] = []
    for n in range(count):
        roll = rng.random()
        if made and roll < 0.02:
            name = rng.choice(made).name
        elif made and roll < 0.04:
            base = rng.choice(made).name
            cut = rng.randrange(len(base))
            name = base[:cut] + base[cut + 1 :]
        else:
            name = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 4))).capitalize()
        made.append(Source(name, f"https://feeds.example.org/{n}.xml"))
    return made


def old_rule(wanted: Sequence[Source], existing: Sequence[Source]) -> list[Addition]:
    """rule_on_additions before issue 20: the look-alike test scans every name so far."""
    by_key = {source_key(s.name): s for s in existing}
    by_url = {_same_url(s.url): s for s in existing if s.url}
    met: dict[str, str] = {}
    additions: list[Addition] = []
    for source in wanted:
        key, url = source_key(source.name), _same_url(source.url)
        there = by_key.get(key)
        earlier = met.get(key)
        if earlier is not None and earlier.casefold() != source.name.casefold():
            addition = Addition(source, "lookalike", earlier)
        elif earlier is not None:
            addition = Addition(source, "twice")
        elif there is not None and there.name.casefold() == source.name.casefold():
            source = replace(source, name=there.name)
            if there.url is None:
                addition = Addition(source, "poll")
            elif _same_url(there.url) == url:
                addition = Addition(source, "unchanged")
            else:
                addition = Addition(source, "url_change", there.url)
        elif (other := lookalike(source.name, [s.name for s in by_key.values()])) is not None:
            addition = Addition(source, "lookalike", other)
        elif url in by_url:
            addition = Addition(source, "same_url", by_url[url].name)
        elif url in met:
            addition = Addition(source, "twice")
        else:
            addition = Addition(source, "new")
        additions.append(addition)
        met.setdefault(key, source.name)
        met.setdefault(url, source.name)
        if addition.applies:
            by_key[key] = by_url[url] = replace(there or source, url=source.url)
    return additions


class _OnTheLoop:
    """What add_sources did before: the rule called right there, on the event loop."""

    @staticmethod
    async def to_thread(function: Callable[..., Any], *args: Any) -> Any:
        return function(*args)


async def help_wait(before: bool, count: int = 6_000) -> tuple[float, float]:
    """Seconds the other chat's /help waited, and the OPML import took, through the bot."""
    from telegram import Update

    if before:
        adding.rule_on_additions = old_rule  # type: ignore[assignment]
        adding.asyncio = _OnTheLoop  # type: ignore[assignment]
    core = FakeBotAPI()
    policy = AddressPolicy(also_public=(ip_network("127.0.0.2/32"),))
    wanted = [Source(s.name, f"http://127.0.0.2:9/{n}.xml") for n, s in enumerate(outlines(count))]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            bot_token=core.token,
            database_path=Path(tmp) / "relais.sqlite3",
            telegram_api_url="http://fake.invalid",
            admin_ids=frozenset({4242}),
            sources_file=Path(tmp) / "none.toml",
        )
        gate = FloodGate(per_chat_interval=0.0)  # replies back to back, as the tests have it
        app = build_application(
            settings, request=FakeRequest(core), gate=gate, address_policy=policy
        )
        async with app:
            init, stop, shutdown = app.post_init, app.post_stop, app.post_shutdown
            assert init is not None
            assert stop is not None
            assert shutdown is not None
            await init(app)
            admin, reader = core.user("Admin", user_id=4242), core.user("Lectrice", user_id=7)
            document = core.document(admin, "big.opml", to_opml(wanted))
            started = time.perf_counter()
            importing = asyncio.create_task(app.process_update(Update.de_json(document, app.bot)))
            waits = []
            # /help from another chat every 0.2 s for the whole import, each timed from the
            # moment it was due: a blocked event loop delays the asking too, as it would
            # delay reading the update from Telegram, and that delay is the user's wait.
            due = time.perf_counter()
            while not importing.done():
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                await app.process_update(Update.de_json(core.command(reader, "/help"), app.bot))
                answered = time.perf_counter()
                waits.append(answered - due)
                due = max(due + 0.2, answered)
            await importing
            took = time.perf_counter() - started
            waited = max(waits)
            await stop(app)
        await shutdown(app)
    if before:
        adding.rule_on_additions = rule_on_additions
        adding.asyncio = asyncio
    return waited, took


def main() -> None:
    existing = [Source("Le Monde", "https://www.lemonde.fr/rss/une.xml"), Source("Numerama", None)]
    print(f"{'outlines':>8}  {'before (s)':>10}  {'after (s)':>9}  {'new':>5}  lookalikes")
    for size in SIZES:
        wanted = outlines(size)
        started = time.perf_counter()
        old = old_rule(wanted, existing)
        old_time = time.perf_counter() - started
        new_times = []
        for _ in range(3):
            started = time.perf_counter()
            after = rule_on_additions(wanted, existing)
            new_times.append(time.perf_counter() - started)
        assert after == old, "the new rule changed a verdict"
        new = sum(a.verdict == "new" for a in after)
        alike = sum(a.verdict == "lookalike" for a in after)
        print(f"{size:>8,}  {old_time:>10.2f}  {min(new_times):>9.3f}  {new:>5}  {alike}")
    print("\nanother chat's /help during a 6,000-outline OPML import, through the bot:")
    for label, before in (("before", True), ("after", False)):
        waited, took = asyncio.run(help_wait(before))
        print(f"  {label:>6}: longest /help wait {waited:.2f} s (import {took:.1f} s)")


if __name__ == "__main__":
    main()
