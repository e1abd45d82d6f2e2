"""End to end in webhook mode: `python -m bot run` serves the updates the fake Bot API POSTs."""

from __future__ import annotations

import asyncio
import re
import socket
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.leader import LEASE, Owner
from bot.store import Store
from tests import bot_process
from tests.bot_process import BotProcess
from tests.fakes import FakeBotAPI, FakeBotServer, plain_text
from tests.fakes.balancer import RoundRobinProxy
from tests.fakes.demo import prepare_database
from tests.fakes.feed_server import FeedServer
from tests.fakes.rss import make_rss
from tests.test_e2e_push import Feed, received, subscribe, wait_polled

pytestmark = pytest.mark.e2e

SECRET = "relais-test-secret-0123456789"


def free_port() -> int:
    """A TCP port nobody listens on now (the bot binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def start_bot(
    core: FakeBotAPI,
    api: FakeBotServer,
    database: str | Path,
    *extra: str,
    cwd: Path | None = None,
    **env: str,
) -> BotProcess:
    """The bot as its own process, on a SQLite file or a PostgreSQL URL (then in `cwd`,
    its search index there too); `env` adds settings (WEBHOOK_URL, PORT...)."""
    folder = cwd or Path(database).parent
    where = {"DATABASE_URL": database} if isinstance(database, str) else {}
    env = {
        "BOT_TOKEN": core.token,
        "TELEGRAM_API_URL": api.url,
        "DATABASE_PATH": str(database),
        "INDEX_DIR": str(folder),
        "WEBHOOK_LISTEN": "127.0.0.1",
        **where,
        **env,
    }
    return await bot_process.start_bot(env, folder, *extra)


def forged_search(user_id: int, update_id: int) -> dict:
    text = "/search travail du clic"
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1700000000,
            "chat": {"id": user_id, "type": "private", "first_name": "Mallory"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Mallory"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
        },
    }


async def test_webhook_mode_serves_updates_and_refuses_a_bad_secret(
    core: FakeBotAPI, tmp_path: Path
) -> None:
    database = tmp_path / "relais.sqlite3"
    await prepare_database(database)
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    async with FakeBotServer(core) as api:
        bot = await start_bot(
            core, api, database, WEBHOOK_URL=root, WEBHOOK_SECRET=SECRET, PORT=str(port)
        )
        try:
            hook = await core.wait_for(method="setWebhook", within=60)
            url = hook.params["url"]
            # A path nobody can guess without the token and the secret, and the secret.
            assert re.fullmatch(re.escape(root) + r"/relais-[0-9a-f]{32}", url), url
            assert hook.params["secret_token"] == SECRET

            alice = core.user("Alice")
            core.command(alice, "/search travail du clic")
            reply = await core.wait_for(method="sendMessage", chat_id=alice, within=30)
            assert "Casilli" in plain_text(reply.text)
            assert api.pusher.delivered >= 1  # it came through the webhook, not getUpdates

            mallory = 666_000_111
            async with aiohttp.ClientSession() as http:
                answers = []
                for number, headers in enumerate(
                    (
                        {},
                        {"X-Telegram-Bot-Api-Secret-Token": "wrong-" + SECRET},
                        {"X-Telegram-Bot-Api-Secret-Token": SECRET.upper()},
                    )
                ):
                    async with http.post(
                        url, json=forged_search(mallory, 900 + number), headers=headers
                    ) as response:
                        answers.append(response.status)
                # The right secret at another path: nothing is served there.
                headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                async with http.post(
                    root + "/", json=forged_search(mallory, 910), headers=headers
                ) as response:
                    answers.append(response.status)
            assert answers == [403, 403, 403, 404]

            # Later updates are still served, and none of the forged ones ever was.
            core.command(alice, "/quote je coche des cases")
            await core.wait_for(lambda c: "coche" in c.text, chat_id=alice, within=30)
            assert core.sent(include_failed=True, chat_id=mallory) == []
        finally:
            code, log = await bot.stop()
    assert code == 0, log
    assert f"webhook mode: listening on 127.0.0.1:{port}" in log
    assert "Traceback" not in log
    assert SECRET not in log
    assert url.rsplit("/", 1)[1] not in log


async def test_a_port_in_use_is_one_line_and_exit_1(core: FakeBotAPI, tmp_path: Path) -> None:
    database = tmp_path / "relais.sqlite3"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with FakeBotServer(core) as api:
            bot = await start_bot(
                core,
                api,
                database,
                WEBHOOK_URL="http://127.0.0.1:8443/hook",
                WEBHOOK_SECRET=SECRET,
                PORT=str(port),
            )
            code, log = await bot.wait()
    assert code == 1, log
    assert f"cannot listen on 127.0.0.1:{port}: [Errno 98] Address already in use" in log
    assert "Traceback" not in log


async def lease_holder(watcher: Store) -> int | None:
    """The pid of the process holding the leader lease (unlapsed), as the store says."""
    lease = await watcher.lease(LEASE)
    if lease is None or lease.expires_at <= datetime.now(UTC):
        return None
    return Owner.parse(lease.owner).pid


async def wait_holder(watcher: Store, pids: set[int], within: float) -> int:
    deadline = time.monotonic() + within
    while (pid := await lease_holder(watcher)) not in pids:
        assert time.monotonic() < deadline, f"lease held by {pid}, not by one of {pids}"
        await asyncio.sleep(0.1)
    assert pid is not None
    return pid


@pytest.mark.backends("sqlite", "postgres")
async def test_a_second_poller_on_one_database_is_refused(
    core: FakeBotAPI, tmp_path: Path, database: str | Path
) -> None:
    await prepare_database(database, tmp_path)
    async with FakeBotServer(core) as api, Store.open(database) as watcher:
        first = await start_bot(core, api, database, cwd=tmp_path)
        try:
            await wait_holder(watcher, {first.pid}, within=60)
            second = await start_bot(core, api, database, cwd=tmp_path)
            code, log = await second.wait()
            assert code == 1, log
            [line] = [line for line in log.splitlines() if " ERROR " in line]
            assert (
                f"another Relais process (pid {first.pid} on {socket.gethostname()}, long polling)"
                f" already runs on {watcher.describe()}: two pollers of one bot make Telegram"
                " answer 409"
            ) in line, line
            assert "Traceback" not in log
            # Only the first bootstrapped polling (PTB deletes any webhook first).
            assert len(core.sent(method="deleteWebhook")) == 1
            # The first one was not disturbed.
            alice = core.user("Alice")
            core.command(alice, "/search travail du clic")
            reply = await core.wait_for(method="sendMessage", chat_id=alice, within=30)
            assert "Casilli" in plain_text(reply.text)
        finally:
            code, log = await first.stop()
    assert code == 0, log
    assert "Conflict" not in log
    assert "Traceback" not in log


async def load_file(database: str | Path, path: Path) -> None:
    """`python -m bot load` as its own process, beside the running replicas."""
    loader = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "load", str(path), "--db", str(database),
        cwd=path.parent, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(loader.communicate(), timeout=60)
    assert loader.returncode == 0, output.decode(errors="replace")


@pytest.mark.backends("sqlite", "postgres")
async def test_two_webhook_replicas_one_leader_and_a_takeover_after_sigkill(
    core: FakeBotAPI, tmp_path: Path, database: str | Path
) -> None:
    await prepare_database(database, tmp_path)
    ports = [free_port(), free_port()]
    replicas: list[BotProcess] = []
    async with (
        FeedServer() as feeds,
        FakeBotServer(core) as api,
        RoundRobinProxy([f"http://127.0.0.1:{port}" for port in ports]) as balancer,
        Store.open(database) as watcher,
    ):
        feed = Feed(feeds)
        sources = tmp_path / "sources.toml"
        sources.write_text(
            f'[[source]]\nname = "Local"\nurl = "{feeds.url("/feed.xml")}"\ninterval = 1\n'
        )
        settings = {"WEBHOOK_URL": balancer.url, "WEBHOOK_SECRET": SECRET}
        settings["SOURCES_FILE"] = str(sources)
        try:
            for port in ports:  # the first to start leads
                replicas.append(
                    await start_bot(core, api, database, cwd=tmp_path, PORT=str(port), **settings)
                )
                await wait_holder(watcher, {replicas[0].pid}, within=60)
            first, second = replicas
            deadline = time.monotonic() + 60
            while len(core.sent(method="setWebhook")) < 2:  # the second is up too
                assert time.monotonic() < deadline, "the second replica never set its webhook"
                await asyncio.sleep(0.1)
            await wait_polled(feeds, 2)  # the leader's first poll only records what is there

            users = [core.user(f"Lecteur {n}") for n in range(50)]
            for user in users:
                await subscribe(core, user, "/subscribe Local")
            assert {r.backend for r in balancer.routed} == {0, 1}  # both answer updates

            # Both search what was loaded after they started, each in its own index.
            (tmp_path / "tardif.xml").write_bytes(
                make_rss("Tardif", [{"title": "Les ornithorynques du Jura", "guid": "o-1",
                                     "description": "Un article chargé plus tard."}])
            )  # fmt: skip
            await load_file(database, tmp_path / "tardif.xml")
            asker = core.user("Chercheuse")
            for _ in range(2):  # one to each replica, in turn
                core.command(asker, "/search ornithorynque")
            deadline = time.monotonic() + 30
            while len(core.sent(chat_id=asker)) < 2:
                assert time.monotonic() < deadline, "a replica did not answer /search"
                await asyncio.sleep(0.1)
            assert all("ornithorynques" in c.text for c in core.sent(chat_id=asker))
            searches = [r for r in balancer.routed if "/search" in r.body.decode()]
            assert {r.backend for r in searches} == {0, 1}
            assert {r.status for r in searches} == {200}
            for port in ports:  # each replica its own index
                indexes = list(tmp_path.glob(f"*.{port}.index"))  # noqa: ASYNC240 (a test's look)
                assert len(indexes) == 1

            # A new entry goes once to every chat: the leader alone sends.
            feed.publish("Un premier article pour tous")
            deadline = time.monotonic() + 30
            while not all(received(core, u, "premier article") for u in users):
                assert time.monotonic() < deadline, "some chats never got the first post"
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.5)
            assert {received(core, u, "premier article") for u in users} == {1}

            # SIGKILL the leader in the middle of a fan-out to the 50 chats, while answers
            # take 0.2 s to come back: its 3 sends in flight have reached the chats by then.
            core.latency = 0.2
            mark = core.mark()
            feed.publish("Un article pour cinquante lecteurs")

            def pushes() -> int:
                calls = core.sent(method="sendMessage")
                return sum("cinquante" in c.text for c in calls if c.seq > mark)

            deadline = time.monotonic() + 20
            while pushes() < 10:
                assert time.monotonic() < deadline, "the fan-out never started"
                await asyncio.sleep(0.02)
            killed = time.monotonic()
            await first.kill()
            at_kill = pushes()
            assert at_kill < 50, "the fan-out finished before the kill: nothing was tested"
            await wait_holder(watcher, {second.pid}, within=15)
            takeover = time.monotonic() - killed
            deadline = time.monotonic() + 30
            while not all(received(core, u, "cinquante") for u in users):
                assert time.monotonic() < deadline, "some chats never got the post"
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.5)
            # Updates still reach a replica: the balancer skips the dead one.
            mark = core.mark()
            core.command(asker, "/quote")
            await core.wait_for(method="sendMessage", chat_id=asker, since=mark, within=30)
            assert balancer.routed[-1].backend == 1
        finally:
            logs = [await replica.stop() for replica in replicas]
    counts = Counter(received(core, u, "cinquante") for u in users)
    assert set(counts) <= {1, 2}
    assert counts[2] <= 3, f"{counts[2]} chats got the post twice"
    print(f"takeover in {takeover:.1f} s; {at_kill} of 50 sent at the kill; {counts[2]} twice")
    code, log = logs[1]
    assert code == 0, log
    assert "Traceback" not in log
    assert "leading: this process polls" in log
    if counts[2]:  # what was sent twice had been claimed by the dead leader
        assert "were in flight at the previous leader: sending them again" in log
