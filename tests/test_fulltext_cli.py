"""`python -m bot fulltext`: the pages of stored teasers fetched, politely, resumably."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bot.store import Store
from tests.conftest import ROOT
from tests.fakes.feed_server import FeedServer
from tests.fakes.rss import make_rss

PAGES = ROOT / "tests" / "data" / "fulltext"
HTML = "text/html; charset=utf-8"


def _bot(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PAGE_GAP": "0"},
    )


def _site(server: FeedServer, count: int) -> None:
    items = []
    for n in range(count):
        server.set(f"/a/{n}", (PAGES / "article.html").read_bytes(), content_type=HTML)
        items.append(
            {
                "title": f"Article {n}",
                "link": server.url(f"/a/{n}"),
                "guid": f"g{n}",
                "description": f"Présentation {n} […]",
                "pubDate": f"Mon, {n + 1:02d} Jun 2026 08:00:00 GMT",
            }
        )
    server.set("/feed.xml", make_rss("Local", items))


def test_backfill_fetches_each_page_once_and_resumes(tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite3"
    with FeedServer() as server:
        _site(server, 4)
        server.remove("/a/3")  # a 404: the teaser stays, the failure is counted
        loaded = _bot("load", server.url("/feed.xml"), "--source", "Local", db=db)
        assert loaded.returncode == 0, loaded.stderr

        # --limit takes the newest posts: those of /a/2 and /a/3.
        first = _bot("fulltext", "--limit", "2", db=db)
        assert first.returncode == 0, first.stderr
        assert "fulltext: 2/2 pages, 1 completed, 0 for subscribers, 1 failed" in first.stderr
        assert "2 pages: 1 completed, 0 for subscribers, 1 failed, gone 1" in first.stdout
        assert [server.hits[f"/a/{n}"] for n in range(4)] == [0, 0, 1, 1]

        second = _bot("fulltext", "--source", "local", db=db)
        assert second.returncode == 0, second.stderr
        assert "2 pages: 2 completed, 0 for subscribers, 0 failed" in second.stdout
        assert [server.hits[f"/a/{n}"] for n in range(4)] == [1, 1, 1, 1]  # none twice

        third = _bot("fulltext", db=db)
        assert "0 pages" in third.stdout
        assert server.hits["/robots.txt"] == 2  # once per run, not once per page

    unknown = _bot("fulltext", "--source", "Nulle part", db=db)
    assert unknown.returncode == 1
    assert "no source called Nulle part" in unknown.stderr


async def _counts(db: Path) -> dict[str, dict[str, Any]]:
    async with Store.open(db) as store:
        return await store.fulltext_counts()


def test_an_interrupted_backfill_goes_on_where_it_stopped(tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite3"
    with FeedServer() as server:
        _site(server, 3)
        loaded = _bot("load", server.url("/feed.xml"), "--source", "Local", db=db)
        assert loaded.returncode == 0, loaded.stderr
        # The oldest post's page is fetched first, then the next one hangs: killed there.
        server.set("/a/1", (PAGES / "article.html").read_bytes(), content_type=HTML, delay=30)
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "fulltext", "--db", str(db)],
            env={**os.environ, "PAGE_GAP": "0"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while server.hits["/a/1"] == 0:
            assert time.monotonic() < deadline, "the backfill never reached the second page"
            time.sleep(0.05)
        # The first page's text may be written just after the second is asked for.
        while asyncio.run(_counts(db))["Local"]["full"] == 0:
            assert time.monotonic() < deadline, "the first page was never stored"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=20)
        done_before = asyncio.run(_counts(db))["Local"]
        assert done_before["full"] >= 1
        assert done_before["waiting"] >= 1

        server.set("/a/1", (PAGES / "article.html").read_bytes(), content_type=HTML)
        again = _bot("fulltext", db=db)
        assert again.returncode == 0, again.stderr
    after = asyncio.run(_counts(db))["Local"]
    assert (after["full"], after["waiting"]) == (3, 0)
    assert server.hits["/a/0"] == 1  # what was done before the kill was not fetched again


@pytest.mark.parametrize("value", ["hier", "2026-13-01"])
def test_a_bad_date_is_a_usage_error(tmp_path: Path, value: str) -> None:
    result = _bot("fulltext", "--since", value, db=tmp_path / "x.sqlite3")
    assert result.returncode == 2
    assert "not a date" in result.stderr
