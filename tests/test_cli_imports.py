"""`python -m bot search` and `quote` load only what answering needs (issue 18: a CLI search
at 1M passages paid for the HTTP client, the feed parser and the page extractor first)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import SEED

# What polling, loading and page fetching need, and a search never does.
UNNEEDED = (
    "telegram", "httpx", "httpcore", "feedparser", "selectolax", "asyncpg",
    "bot.ingest.fetch", "bot.ingest.pages", "bot.ingest.feeds", "bot.polling", "bot.telegram",
)  # fmt: skip

PROBE = """
import json, sys
from bot.__main__ import main
code = main(sys.argv[1:])
unneeded = json.loads({unneeded!r})
within = tuple(u + "." for u in unneeded)
loaded = sorted(m for m in sys.modules if m in unneeded or m.startswith(within))
print(json.dumps({{"code": code, "loaded": loaded}}))
"""


def _command(*args: str) -> tuple[str, dict]:
    probe = PROBE.format(unneeded=json.dumps(UNNEEDED))
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    *printed, last = done.stdout.strip().splitlines()
    return "\n".join(printed), json.loads(last)


def test_search_and_quote_load_no_http_client_feed_parser_or_bot_api(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.sqlite3")
    loaded = subprocess.run(
        [sys.executable, "-m", "bot", "load", str(SEED), "--db", db],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert loaded.returncode == 0, loaded.stderr
    printed, probe = _command("search", "travail du clic", "--db", db)
    assert probe == {"code": 0, "loaded": []}
    assert "Casilli" in printed  # it answered, through the same door
    printed, probe = _command("quote", "diminution du travail paye", "--db", db)
    assert probe == {"code": 0, "loaded": []}
    assert "diminution" in printed
