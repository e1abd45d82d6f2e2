"""The application's typed state (bot_data) and context, and the leader's tasks kept there."""

from __future__ import annotations

import asyncio
from pathlib import Path

from telegram import Update
from telegram.ext import TypeHandler

from bot.telegram import leading
from bot.telegram.app import build_application
from bot.telegram.services import BotState, Context, services_of
from tests.conftest import fake_api_settings, running
from tests.fakes import FakeBotAPI

# The lease behind the leader's tasks is kept in the store: both engines.
BACKENDS = ("sqlite", "postgres")


def test_a_built_application_keeps_an_empty_state_until_post_init(
    core: FakeBotAPI, tmp_path: Path
) -> None:
    app = build_application(fake_api_settings(core, tmp_path, tmp_path / "relais.sqlite3"))
    assert isinstance(app.bot_data, BotState)
    assert app.bot_data.services is None
    assert app.bot_data.stack is None
    assert app.bot_data.exit_code == 0


async def test_handlers_get_the_typed_context_and_post_init_fills_the_state(
    core: FakeBotAPI, database: str | Path, tmp_path: Path
) -> None:
    settings = fake_api_settings(core, tmp_path, database)
    seen: list[object] = []

    async def record(update: Update, context: Context) -> None:
        seen.append(context)

    async with running(settings, core) as app:
        app.add_handler(TypeHandler(Update, record), group=-1)
        await app.process_update(Update.de_json(core.command(core.user("Alice"), "/id"), app.bot))
        [context] = seen
        assert isinstance(context, Context)
        assert context.bot_data is app.bot_data
        state = app.bot_data
        assert services_of(context) is state.services
        assert state.services is not None
        assert state.services.settings == settings
        assert state.stack is not None
        assert state.alerts is not None
        assert state.leadership is not None
        assert state.leadership.leading
        assert state.lease_task is not None
        assert not state.lease_task.done()
    # Shut down: the lease given up, its renewal ended, the stack closed and forgotten.
    assert state.lease_task is None
    assert state.stack is None
    assert not state.leadership.leading


async def test_the_leaders_tasks_stop_and_start_again_with_the_lease(
    core: FakeBotAPI, database: str | Path, tmp_path: Path
) -> None:
    async with running(fake_api_settings(core, tmp_path, database), core) as app:
        state = app.bot_data
        sender = state.sender_task
        assert sender is not None
        assert not sender.done()
        state.poller_task = poller = asyncio.create_task(asyncio.Event().wait())
        await leading.stop_leading(app)
        assert state.sender_task is None
        assert state.poller_task is None
        assert sender.cancelled()
        assert poller.cancelled()
        await leading.start_leading(app)
        again = state.sender_task
        assert again is not None
        assert again is not sender
        assert not again.done()
        await leading.start_leading(app)  # already leading: the same sender goes on
        assert state.sender_task is again
