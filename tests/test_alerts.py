"""Admin alerts: many sources failing at once reach each admin as one message per period."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bot.telegram.alerts import LISTED, AdminAlerts
from bot.telegram.services import services_of
from tests.conftest import fake_api_settings, running
from tests.fakes import FakeBotAPI, plain_text

FAILING = 150


async def test_sources_failing_at_once_are_one_message_per_admin_per_period(
    core: FakeBotAPI, tmp_path: Path, database
) -> None:
    french, english = core.user("Admin"), core.user("Root", language_code="en")
    settings = dataclasses.replace(
        fake_api_settings(core, tmp_path, database), admin_ids=frozenset({french.id, english.id})
    )
    async with running(settings, core) as app:
        store = services_of(app).store
        await store.upsert_chat(english.id, type="private", language="en")
        states = []
        for n in range(FAILING + 3):
            source = await store.configure_source(f"Source {n}", f"https://s{n}.invalid/feed")
            states.append(await store.source_state(source))
        alerts = AdminAlerts(app.bot, store, settings.admin_ids, period=1.0, gather=0.05)
        failing, recovered = alerts.callbacks()
        for state in states[:FAILING]:
            await failing(state, "connection refused")
        for state in states[FAILING:]:
            await recovered(state, "")
        first = await core.wait_for(method="sendMessage", chat_id=french, within=10)
        await core.wait_for(method="sendMessage", chat_id=english, within=10)
        # Within the next period: gathered, not sent at once.
        mark = core.mark()
        await failing(states[0], "timed out")
        await recovered(states[1], "")
        later = await core.wait_for(method="sendMessage", chat_id=french, since=mark, within=10)
        await alerts.close()
    to_french = core.sent(chat_id=french, method="sendMessage")
    to_english = core.sent(chat_id=english, method="sendMessage")
    assert len(to_french) == len(to_english) == 2  # before: one per source, 155 each
    text = plain_text(first.text)
    assert text.startswith(f"⚠️ {FAILING} sources échouent sans cesse")
    # The stored error is rendered in each admin's language (bot/errors.py).
    assert "• Source 0 — connexion refusée" in text
    assert "• Source 0 — connection refused" in plain_text(to_english[0].text)
    assert f"… et {FAILING - LISTED} autres" in text
    assert "✅ 3 sources répondent de nouveau" in text
    assert plain_text(to_english[0].text).startswith(f"⚠️ {FAILING} sources keep failing")
    assert "• Source 0 — timed out" in plain_text(later.text)
    assert "✅ Une source répond de nouveau" in plain_text(later.text)


async def test_one_source_failing_alone_reads_as_it_always_did(
    core: FakeBotAPI, tmp_path: Path, database
) -> None:
    admin = core.user("Admin")
    settings = dataclasses.replace(
        fake_api_settings(core, tmp_path, database), admin_ids=frozenset({admin.id})
    )
    async with running(settings, core) as app:
        store = services_of(app).store
        state = await store.source_state(
            await store.configure_source("Numerama", "https://x.invalid/f")
        )
        alerts = AdminAlerts(app.bot, store, settings.admin_ids, period=1.0, gather=0.05)
        failing, _ = alerts.callbacks()
        await failing(state, "connection refused")
        alert = await core.wait_for(method="sendMessage", chat_id=admin, within=10)
        await alerts.close()
    assert plain_text(alert.text).startswith("⚠️ Numerama échoue sans cesse")
    assert plain_text(alert.text).endswith(": connexion refusée")  # the code, in French
