"""Shared fixtures: paths to the repository's seed and test data, a fresh store on SQLite
or PostgreSQL, the PostgreSQL server of the session, and the bot and rows tests build."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from telegram.constants import ParseMode
from telegram.ext import Application, Defaults, ExtBot

from bot.config import SETTINGS, Settings
from bot.models import Delivery
from bot.ratelimit import FloodGate
from bot.store import Store
from bot.telegram.app import build_application
from bot.telegram.limiter import GateLimiter
from tests.fakes import FakeBotAPI, FakeRequest, check_html
from tests.fakes.demo import prepare_database
from tests.fakes.rss import make_rss
from tests.fakes.telegram_html import MAX_CAPTION_LENGTH, parse_html, utf16_len
from tests.postgres_server import PostgresStartError, TestPostgres

__all__ = [
    "ADMIN",
    "DATA",
    "ROOT",
    "SEED",
    "app_settings_on",
    "digest_row",
    "fake_api_settings",
    "gated_bot",
    "known",
    "make_rss",
    "running",
]

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_caedc24fabec8c83.txt"
DATA = ROOT / "tests" / "data"
T = TypeVar("T")


# Every variable Relais reads (config's table), and the proxies httpx would follow to our
# local servers: a developer's own values must never reach a test.
SETTINGS_VARIABLES = (
    *(setting.name for setting in SETTINGS),
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
)  # fmt: skip


@pytest.fixture(autouse=True)
def clean_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Every test runs without Relais's variables in the environment and in a working
    directory of its own: no .env there, only the seed files (a link to seeds/). Processes
    the tests start inherit both."""
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    work = tmp_path_factory.mktemp("cwd")
    (work / "seeds").symlink_to(ROOT / "seeds", target_is_directory=True)
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def seed_path() -> Path:
    """The Movim dump the project started from."""
    return SEED


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A module that sets `BACKENDS = ("sqlite", "postgres")` runs its store tests on each;
    `@pytest.mark.backends("sqlite")` keeps one test (whose subject is not the store) on one."""
    if "backend" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("backends")
        backends = marker.args if marker else getattr(metafunc.module, "BACKENDS", ("sqlite",))
        metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The engine under the `store` fixture: "sqlite" (the default) or "postgres"."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def postgres() -> Iterator[TestPostgres]:
    """One PostgreSQL server for the session; PostgreSQL tests fail (never skip) without it."""
    try:
        server = TestPostgres()
    except PostgresStartError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres: TestPostgres) -> Iterator[str]:
    """A fresh PostgreSQL database at the latest schema, for this test only; its URL."""
    url = postgres.new_database()
    yield url
    postgres.drop_database(url)


@pytest.fixture
def database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str | Path:
    """Where a fresh store of `backend` lives: a SQLite file under tmp_path, or a URL."""
    if backend == "postgres":
        return request.getfixturevalue("postgres_url")
    return tmp_path / "relais.sqlite3"


@pytest.fixture
async def store(database: str | Path) -> AsyncIterator[Store]:
    """A real, empty store: a SQLite file under tmp_path, or a PostgreSQL database."""
    async with Store.open(database) as opened:
        yield opened


@pytest.fixture
def core() -> Iterator[FakeBotAPI]:
    """A fake Bot API; afterwards, every message and caption the bot sent is checked as HTML."""
    fake = FakeBotAPI()
    yield fake
    assert fake.crashes == []
    problems = []
    for call in fake.sent(include_failed=True):
        if not call.params.get("parse_mode"):
            continue
        if call.method in ("sendMessage", "editMessageText"):
            found = check_html(call.text)
        elif "caption" in call.params:
            caption = str(call.params["caption"])
            found = check_html(caption, MAX_CAPTION_LENGTH)
            if utf16_len(parse_html(caption).text) > MAX_CAPTION_LENGTH:
                found.append("Caption is over 1024 UTF-16 code units")
        else:
            continue
        if found:
            problems.append((call.method, call.text[:200], found))
        for button in call.buttons():
            if "callback_data" in button:
                assert len(button["callback_data"].encode()) <= 64, button
    assert problems == [], problems


def digest_row(n: int, source: str = "Numerama", title: str | None = None) -> Delivery:
    """Outbox row `n` of a digest to chat 1, its title, link and snippet full of HTML."""
    return Delivery(
        id=n,
        chat_id=1,
        post_id=n,
        kind="digest",
        title=title or f"Article numéro {n} <b>& co</b> " + "très long " * 10,
        url=f"https://example.org/{n}?a=1&b=2",
        source=source,
        published=datetime(2024, 1, 1 + n % 28, 12, tzinfo=UTC),
        hashtags=("IA", "numérique"),
        snippet="Un extrait <script>alert(1)</script> & des « guillemets ».",
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
    )


def fake_api_settings(core: FakeBotAPI, tmp_path: Path, database: str | Path) -> Settings:
    """Settings of a bot on the in-process fake, on `database`, its index under `tmp_path`
    and no sources file."""
    return Settings(
        bot_token=core.token,
        index_dir=tmp_path,
        telegram_api_url="http://fake.invalid",
        sources_file=tmp_path / "none.toml",
    ).with_database(database)


@asynccontextmanager
async def running(
    settings: Settings, core: FakeBotAPI, *, gate: FloodGate | None = None, **options: Any
) -> AsyncIterator[Application]:
    """Relais built as `run` builds it, on the in-process fake, through run_polling's lifecycle.

    `options` go to build_application (e.g. address_policy). Its flood gate keeps
    Telegram's overall and group limits but lets a chat receive replies back to back, so
    conversations are not paced a second apart; tests of the pacing pass the real gate
    (`FloodGate(margin=FLOOD_MARGIN)`).
    """
    if gate is None:
        gate = FloodGate(per_chat_interval=0.0)
    application = build_application(settings, request=FakeRequest(core), gate=gate, **options)
    post_init = known(application.post_init)
    post_stop = known(application.post_stop)
    post_shutdown = known(application.post_shutdown)
    try:
        async with application:
            await post_init(application)
            try:
                yield application
            finally:
                # Also when the test failed: a sender left running would hang the teardown.
                await post_stop(application)
    finally:
        await post_shutdown(application)


ADMIN = 4242  # the admin of the `app` fixture's bot


def app_settings_on(core: FakeBotAPI, database: Path, **options: Any) -> Settings:
    """Settings of Relais on the in-process fake, on `database`, with no sources file (a
    missing none.toml beside it) and `options` (admin_ids...)."""
    defaults: dict[str, Any] = {"sources_file": database.parent / "none.toml"}
    return Settings(
        bot_token=core.token,
        database_path=database,
        telegram_api_url="http://fake.invalid",
        **(defaults | options),
    )


@pytest.fixture
async def app_database(tmp_path: Path) -> Path:
    """The database the `app` fixture's bot runs on: the demo posts (a module overrides it)."""
    database = tmp_path / "relais.sqlite3"
    await prepare_database(database)
    return database


@pytest.fixture
def app_settings(core: FakeBotAPI, app_database: Path) -> Settings:
    """The settings the `app` fixture builds Relais with: ADMIN is its admin (a module
    overrides this fixture to change them)."""
    return app_settings_on(core, app_database, admin_ids=frozenset({ADMIN}))


@pytest.fixture
def app_options() -> dict[str, Any]:
    """build_application's options for the `app` fixture (address_policy...): none."""
    return {}


@pytest.fixture
async def app(
    core: FakeBotAPI, app_settings: Settings, app_options: dict[str, Any]
) -> AsyncIterator[Application]:
    """Relais built as `run` builds it, with the fake Bot API as its transport."""
    async with running(app_settings, core, **app_options) as application:
        yield application


def gated_bot(
    core: FakeBotAPI, gate: FloodGate, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
) -> ExtBot:
    """A bot like the application's (HTML by default, its rate limiter on `gate`, waiting
    with `sleep`), on the in-process fake."""
    return ExtBot(
        core.token,
        base_url="http://fake.invalid/bot",
        request=FakeRequest(core),
        defaults=Defaults(parse_mode=ParseMode.HTML),
        rate_limiter=GateLimiter(gate, sleep=sleep),
    )


def known(value: T | None) -> T:
    """`value`, asserted present: what a test just stored reads back (mypy's narrowing)."""
    assert value is not None
    return value
