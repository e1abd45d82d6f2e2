"""The command line as operators use it: a separate process, exit codes, JSON output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SEED


def _bot(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT):
    clean = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_PATH")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**clean, **(env or {})},
    )


def test_load_then_stats_json(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.sqlite3")
    loaded = _bot("load", str(SEED), "--db", db)
    assert loaded.returncode == 0, loaded.stderr
    assert "JournalDuGeek: 3 new" in loaded.stdout
    assert "no header" in loaded.stderr  # the orphan text is reported, not silently lost
    stats = _bot("stats", "--json", "--db", db)
    payload = json.loads(stats.stdout)
    assert payload["posts"] == 8
    assert payload["sources"]["Numerama"] == 2
    assert payload["passages"] == {"paragraph": 10, "question": 10, "answer": 10, "pullquote": 7}
    again = _bot("load", str(SEED), "--db", db)
    assert "JournalDuGeek: 0 new, 0 updated, 3 unchanged" in again.stdout


def test_database_path_from_environment_and_folder_created(tmp_path: Path) -> None:
    db = tmp_path / "deep" / "er" / "relais.sqlite3"
    result = _bot("load", str(SEED), env={"DATABASE_PATH": str(db)})
    assert result.returncode == 0
    assert db.exists()


def test_failed_input_exits_1_and_keeps_the_good(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.sqlite3")
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"\x00\x01 not a feed")
    result = _bot("load", str(bad), str(SEED), str(tmp_path / "nope.txt"), "--db", db)
    assert result.returncode == 1
    assert f"failed: {bad}" in result.stderr
    assert "nope.txt" in result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(_bot("stats", "--json", "--db", db).stdout)["posts"] == 8


def test_bad_setting_stops_with_one_line(tmp_path: Path) -> None:
    result = _bot("stats", "--db", str(tmp_path / "x.db"), env={"POLL_INTERVAL": "often"})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "POLL_INTERVAL" in result.stderr


def test_run_without_token_says_how_to_get_one(tmp_path: Path) -> None:
    result = _bot("run", "--db", str(tmp_path / "x.db"), cwd=tmp_path)
    assert result.returncode == 1
    assert "@BotFather" in result.stderr
    assert "BOT_TOKEN" in result.stderr
