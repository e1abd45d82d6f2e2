"""`python -m bot import` while the bot runs on the same database: refused, saying to stop
the bot (it would go on serving the posts the import removes); accepted once it stopped."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

from bot.leader import LEASE
from bot.store import Store
from tests.conftest import ROOT
from tests.fakes import FakeBotAPI, FakeBotServer
from tests.test_e2e_polling import start_bot

pytestmark = pytest.mark.e2e


async def _cli(*args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_PATH")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def _wait_lease(database: Path, within: float = 60) -> None:
    deadline = time.monotonic() + within
    async with Store.open(database) as store:
        while await store.lease(LEASE) is None:
            assert time.monotonic() < deadline, "the bot never took the leader lease"
            await asyncio.sleep(0.2)


async def test_import_is_refused_while_the_bot_runs(core: FakeBotAPI, tmp_path: Path) -> None:
    database = tmp_path / "relais.sqlite3"
    dump = tmp_path / "dump.jsonl"
    async with FakeBotServer(core) as api:
        bot = await start_bot(core, api, tmp_path, {})
        try:
            await _wait_lease(database)
            code, _, said = await _cli("export", str(dump), "--db", str(database))
            assert code == 0, said  # reading under a running bot is fine (one snapshot)
            async with Store.open(database) as store:
                posts, store_id = await store.count_posts(), await store.store_id()
            for how in (("--replace",), ()):
                code, out, said = await _cli("import", str(dump), *how, "--db", str(database))
                assert code == 1, out
                assert said.startswith("nothing imported: a bot is running on this database")
                assert f"pid {bot.pid} on " in said
                assert "stop it, then import" in said
            async with Store.open(database) as store:
                assert (await store.count_posts(), await store.store_id()) == (posts, store_id)
        finally:
            returncode, log = await bot.stop()
        assert returncode == 0, log
    # Stopped cleanly, the bot gave its lease up: the same import goes through at once.
    code, out, said = await _cli("import", str(dump), "--replace", "--db", str(database))
    assert code == 0, said
    assert out.startswith("imported ")
    async with Store.open(database) as store:
        assert await store.count_posts() == posts
        assert await store.store_id() != store_id
