"""Lists that grow with the sources fit Telegram's limit: one message, paged with ◀ ▶."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import Application

from bot.render import shorten
from bot.store import Store
from bot.telegram.services import services_of
from tests.conftest import ADMIN
from tests.fakes import FakeBotAPI, SentCall, plain_words
from tests.fakes.demo import prepare_database


def _name(n: int) -> str:
    # Some names are long and carry HTML: the page must stay under the limit all the same.
    return f"Source numéro {n} <&>" + (" avec un nom qui n’en finit pas" * 6 if n % 7 == 0 else "")


async def _build(path: Path, count: int) -> None:
    await prepare_database(path)
    async with Store.open(path) as store:
        for n in range(count):
            await store.configure_source(_name(n), f"http://127.0.0.1:9/{n}.xml", interval=300)


@pytest.fixture(scope="module", params=[105, 10_000], ids=["105 sources", "10000 sources"])
def template(request, tmp_path_factory) -> Path:
    """A database with that many polled sources, built once for the module's tests."""
    path = tmp_path_factory.mktemp("lists") / "relais.sqlite3"
    asyncio.run(_build(path, request.param))
    return path


@pytest.fixture
def app_database(template: Path, tmp_path: Path) -> Path:
    """A copy of the module's database (the job queue never runs: no polls)."""
    database = tmp_path / "relais.sqlite3"
    shutil.copyfile(template, database)
    return database


async def _say(app: Application, core: FakeBotAPI, user, command: str | dict) -> list[SentCall]:
    """What the bot sent or edited in answer to one command or button press."""
    mark = core.mark()
    update = core.command(user, command) if isinstance(command, str) else command
    await app.process_update(Update.de_json(update, app.bot))
    calls = [c for c in core.sent(user, include_failed=True) if c.seq > mark]
    sent = [c for c in calls if c.method in ("sendMessage", "editMessageText")]
    for call in sent:
        assert call.ok, call.response
        assert len(plain_words(call.text)) <= 4096
        assert "Désolé" not in plain_words(call.text)
    return sent


def _arrow(call: SentCall, arrow: str) -> str:
    [data] = [b["callback_data"] for b in call.buttons() if b["text"] == arrow]
    return data


async def test_sources_are_one_page_at_a_time(core, app) -> None:
    alice = core.user("Alice")
    store = services_of(app).store
    count = len(await store.source_names())
    pages = -(-count // 20)
    [first] = await _say(app, core, alice, "/sources")
    text = plain_words(first.text)
    assert text.startswith(f"Sources ({count})")
    assert f"Page 1/{pages}" in text
    assert text.count("\n") < 25
    [second] = await _say(app, core, alice, core.press(first, _arrow(first, "▶"), alice))
    assert second.method == "editMessageText"
    assert f"Page 2/{pages}" in plain_words(second.text)
    assert {b["text"] for b in second.buttons()} == {"◀", "▶"}
    # A button beyond the end (sent when the list was longer) shows the last page.
    stored = core._stored(core._state(None), alice.id, first.result["message_id"])
    stored["reply_markup"] = {"inline_keyboard": [[{"text": "▶", "callback_data": "src:99999"}]]}
    [last] = await _say(app, core, alice, core.press(first, "src:99999", alice))
    assert f"Page {pages}/{pages}" in plain_words(last.text)
    assert [b["text"] for b in last.buttons()] == ["◀"]


async def test_status_summarises_and_puts_failing_sources_first(core, app) -> None:
    # The table of sources is the operator's: an admin asks.
    alice = core.user("Admin", user_id=ADMIN)
    store = services_of(app).store
    polled = await store.polled_sources()
    broken = [polled[-1], polled[len(polled) // 2], polled[3]]
    for source in broken:
        await store.record_poll(
            source.id, next_poll=datetime.now(UTC), error="HTTP 500 " * 80, failing=True
        )
    [reply] = await _say(app, core, alice, "/status")
    text = plain_words(reply.text)
    assert text.startswith("Cette conversation : 0 abonnement, 0 envoi en attente\n\n")
    sources = text.split("\n\n", 1)[1]
    assert sources.startswith(f"Sources : {len(polled)} suivies, 3 en échec")
    lines = sources.splitlines()
    assert all("en échec" in line for line in lines[1:4])
    for source in broken:
        assert any(line.startswith(shorten(source.name, 60) + " :") for line in lines[1:4])
    assert "Cette conversation : 0 abonnement," in text
    reader = core.user("Lectrice")
    [seen] = await _say(app, core, reader, "/status")
    assert f"Sources : {len(polled)} suivies, 3 en échec" in plain_words(seen.text)
    assert "prochain passage" not in plain_words(seen.text)
    assert not seen.buttons()
    [page2] = await _say(app, core, alice, core.press(reply, _arrow(reply, "▶"), alice))
    assert "Page 2/" in plain_words(page2.text)
    assert "en échec :" not in plain_words(page2.text)


async def test_an_unknown_source_gets_a_few_close_names_not_the_list(core, app) -> None:
    alice, admin = core.user("Alice"), core.user("Admin", user_id=ADMIN)
    for user, command in (
        (alice, "/subscribe Source numro 43"),
        (admin, "/removesource Source numro 43"),
    ):
        [reply] = await _say(app, core, user, command)
        text = plain_words(reply.text)
        assert "Vouliez-vous dire : Source numéro 43 <&>," in text
        assert "/sources" in text
        assert text.count("Source numéro") <= 5
    [reply] = await _say(app, core, alice, "/subscribe Tartiflette")
    assert plain_words(reply.text) == (
        "Source inconnue : « Tartiflette ». La liste des sources : /sources"
    )


async def test_subscriptions_are_paged_and_removing_one_keeps_the_page(core, app) -> None:
    alice = core.user("Alice")
    for n in [n for n in range(1, 28) if n % 7][:23]:
        await _say(app, core, alice, f"/subscribe Source numéro {n} <&>")
    [first] = await _say(app, core, alice, "/subscriptions")
    assert "Page 1/3" in plain_words(first.text)
    assert sum(b["text"].startswith("✖") for b in first.buttons()) == 10
    [second] = await _say(app, core, alice, core.press(first, _arrow(first, "▶"), alice))
    [remove] = [b["callback_data"] for b in second.buttons() if b["text"].startswith("✖")][:1]
    [after] = await _say(app, core, alice, core.press(first, remove, alice))
    assert after.method == "editMessageText"
    assert "Page 2/3" in plain_words(after.text)
    subscriptions = await services_of(app).store.subscriptions(alice.id)
    assert len(subscriptions) == 22
