"""`make demo`: the real bot against the fake Bot API, a short conversation, its transcript.

Runs `python -m bot run` as its own process, pointed at a fake Telegram on 127.0.0.1,
so a newcomer sees Relais answer without a Telegram token.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.polling.loader import load_inputs
from bot.store import Store
from tests.fakes import FakeBotAPI, FakeBotServer, SentCall, plain_text
from tests.fakes.rss import make_rss

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_caedc24fabec8c83.txt"

# Twelve short posts of an example feed, so a search has more than one page.
EXAMPLE_ITEMS = [
    {
        "title": f"Les travailleurs du clic, épisode {n}",
        "link": f"https://example.org/clic/{n}",
        "guid": f"clic-{n}",
        "description": f"Le travail du clic vu depuis la ville numéro {n}.",
        "pubDate": f"Mon, {n:02d} Jan 2024 10:00:00 +0100",
    }
    for n in range(1, 13)
]


async def prepare_database(path: str | Path, folder: Path | None = None) -> None:
    """A database (a SQLite file, or a PostgreSQL URL) with the seed dump and the example
    feed, written to `folder` (by default the file's)."""
    assert folder is not None or isinstance(path, Path)
    feed = (folder or Path(path).parent) / "exemple.xml"
    feed.write_bytes(make_rss("Exemple", EXAMPLE_ITEMS))
    async with Store.open(path) as store:
        await load_inputs(
            store,
            [str(SEED), str(feed)],
            tz=ZoneInfo("Europe/Paris"),
            today=datetime.now(ZoneInfo("Europe/Paris")).date(),
        )


def _show(who: str, text: str) -> None:
    print(f"\n{who}:")
    for line in text.splitlines() or [""]:
        print(f"  {line}")


def _show_bot(call: SentCall) -> None:
    text = plain_text(call.text)
    buttons = " ".join(f"[{b['text']}]" for b in call.buttons())
    _show("Relais" + (" (edits its message)" if call.method == "editMessageText" else ""), text)
    if buttons:
        print(f"  {buttons}")


async def converse() -> int:
    """Start the fake API and the bot, play the conversation, print the transcript."""
    core = FakeBotAPI()
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "relais.sqlite3"
        await prepare_database(database)
        async with FakeBotServer(core) as server:
            env = {"BOT_TOKEN": core.token, "TELEGRAM_API_URL": server.url}
            env["DATABASE_PATH"] = str(database)
            env["LOG_LEVEL"] = "WARNING"
            bot = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=env, cwd=tmp
            )
            try:
                camille = core.user("Camille")
                print(f"Fake Telegram on {server.url}; the bot runs as process {bot.pid}.")
                for text in ("/start", "/search travail du clic"):
                    mark = core.mark()
                    _show("Camille", text)
                    core.command(camille, text)
                    reply = await core.wait_for(method="sendMessage", since=mark, within=60)
                    _show_bot(reply)
                mark = core.mark()
                _show("Camille", "(presses ▶)")
                core.press(reply, reply.buttons()[-1]["callback_data"], camille)
                _show_bot(await core.wait_for(method="editMessageText", since=mark, within=20))
                mark = core.mark()
                _show("Camille", "/quote je coche des cases")
                core.command(camille, "/quote je coche des cases")
                _show_bot(await core.wait_for(method="sendMessage", since=mark, within=20))
            finally:
                bot.send_signal(signal.SIGTERM)
                code = await asyncio.wait_for(bot.wait(), timeout=15)
    print(f"\nThe bot stopped on SIGTERM (exit code {code}).")
    return code


if __name__ == "__main__":
    sys.exit(asyncio.run(converse()))
