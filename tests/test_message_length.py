"""Messages measured as Telegram counts them: UTF-16 code units of the text after entity
parsing, like captions. An emoji past U+FFFF is one code point and two units, so a count in
code points lets through messages Telegram refuses."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import render
from bot.delivery import compose
from bot.models import Chat
from tests.conftest import digest_row
from tests.fakes import FakeBotAPI

FACE = "😀"  # U+1F600: one code point, two UTF-16 units


async def send(core: FakeBotAPI, chat_id: int, text: str) -> tuple[int, str]:
    """The fake's status and description for one HTML message."""
    params = {"chat_id": chat_id, "text": text, "parse_mode": "HTML"}
    status, body = await core.call(core.token, "sendMessage", params)
    return status, body.get("description", "")


async def test_the_fake_counts_utf16_units_as_telegram_does() -> None:
    core = FakeBotAPI()
    alice = core.user("Alice")
    assert await send(core, alice.id, FACE * 2048) == (200, "")  # 4096 units
    # 2049 code points, far under 4096, but 4098 units: refused.
    assert await send(core, alice.id, FACE * 2049) == (400, "Bad Request: message is too long")
    assert await send(core, alice.id, "é" * 4096) == (200, "")  # one unit each
    # Tags and entities are not counted: what counts is the text left after parsing.
    assert await send(core, alice.id, "<b>" + FACE * 2048 + "</b>&amp;") == (
        400,
        "Bad Request: message is too long",
    )
    assert core.crashes == []


async def test_long_lists_of_emoji_are_split_where_telegram_would_refuse() -> None:
    core = FakeBotAPI()
    alice = core.user("Alice")
    # 40 lines of 60 emoji: 2,439 code points (one message by a code-point count) but
    # 4,839 UTF-16 units, over Telegram's 4096.
    block = "\n".join(f"<b>{n}</b> " + FACE * 60 for n in range(40))
    messages = render.split_blocks([block])
    assert len(messages) == 2
    assert all(render.utf16_units(message) <= render.MAX_MESSAGE for message in messages)
    for message in messages:
        assert await send(core, alice.id, message) == (200, "")
    # The lines come out whole and in order.
    assert "\n".join(messages) == block


def test_digests_of_emoji_titles_fit_in_utf16_units() -> None:
    titles = [digest_row(n, title=f"{FACE * 40} {n}") for n in range(60)]
    parts = compose.digest(titles, Chat(1, "private"), ZoneInfo("Europe/Paris"))
    assert len(parts) > 1
    for outgoing, _ in parts:
        assert render.utf16_units(outgoing.html) <= render.MAX_MESSAGE
    assert sorted(i for _, ids in parts for i in ids) == list(range(60))
