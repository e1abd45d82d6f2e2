"""A large OPML list sent to the bot: ruled off the event loop and without comparing every
outline with every name, so the bot's other chats are answered meanwhile."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from telegram import Update

from bot.models import Source
from bot.names import Lookalikes, lookalike
from bot.polling import adding
from bot.sourcelist.opml import MAX_OPML_BYTES, to_opml
from bot.sourcelist.rules import Addition
from tests.conftest import running
from tests.fakes import FakeBotAPI, plain_words
from tests.test_source_addresses import ADMIN, TEST_POLICY, _settings

OUTLINES = 6000
WORDS = "actu blog carnet climat culture débat écho fil gazette info journal monde radio voix"


def _names(count: int, seed: int) -> list[str]:
    """Names of a few words, some repeated, one letter off, or drawn with look-alike
    letters (Cyrillic а, 0 for o, rn for m)."""
    rng = random.Random(seed)
    words = WORDS.split()
    names: list[str] = []
    for _ in range(count):
        roll = rng.random()
        if names and roll < 0.1:
            base = rng.choice(names)
            cut = rng.randrange(len(base))
            names.append(base[:cut] + base[cut + 1 :])
        elif names and roll < 0.2:
            names.append(rng.choice(names).replace("a", "а").replace("o", "0").replace("m", "rn"))
        elif names and roll < 0.25:
            names.append(rng.choice(names).upper())
        else:
            names.append(" ".join(rng.choice(words) for _ in range(rng.randint(1, 3))))
    return names


@pytest.mark.parametrize("seed", range(5))
def test_the_index_finds_what_comparing_with_every_name_finds(seed: int) -> None:
    names = _names(600, seed)
    index = Lookalikes()
    seen: list[str] = []
    for name in names:
        assert index.find(name) == lookalike(name, seen), name
        index.add(name)
        seen.append(name)


async def test_another_chat_is_answered_while_a_large_opml_is_ruled(
    core: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    order: list[str] = []
    answered = threading.Event()
    ruling = asyncio.Event()
    loop = asyncio.get_running_loop()
    real = adding.rule_on_additions

    def watched(wanted: Sequence[Source], existing: Sequence[Source]) -> list[Addition]:
        # The ruling does not end before the other chat's /help is answered: on the event
        # loop (as it was), that answer could never come, and the ruling ends first.
        order.append("ruling")
        loop.call_soon_threadsafe(ruling.set)
        answered.wait(timeout=10)
        result = real(wanted, existing)
        order.append("ruled")
        return result

    monkeypatch.setattr(adding, "rule_on_additions", watched)
    outlines = [
        Source(f"{name} {n}", f"http://127.0.0.2:9/{n}.xml")
        for n, name in enumerate(_names(OUTLINES, 20))
    ]
    opml = to_opml(outlines)
    assert len(opml) < MAX_OPML_BYTES
    async with running(_settings(core, tmp_path), core, address_policy=TEST_POLICY) as app:
        admin = core.user("Admin", user_id=ADMIN)
        reader = core.user("Lectrice", user_id=777)
        importing = asyncio.create_task(
            app.process_update(Update.de_json(core.document(admin, "big.opml", opml), app.bot))
        )
        await asyncio.wait(
            [asyncio.ensure_future(ruling.wait()), importing], return_when=asyncio.FIRST_COMPLETED
        )
        await app.process_update(Update.de_json(core.command(reader, "/help"), app.bot))
        order.append("help answered")
        answered.set()
        await importing
        help_text = [plain_words(c.text) for c in core.sent(chat_id=reader, method="sendMessage")]
        assert any("/search" in t for t in help_text)
        reply = "\n".join(
            plain_words(c.text) for c in core.sent(chat_id=admin, method="sendMessage")
        )
        assert f"{OUTLINES} sources importées" in reply
    assert order == ["ruling", "help answered", "ruled"]
