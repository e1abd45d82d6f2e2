"""Comment feeds and French dates (issue 17), through `python -m bot load` as operators run it.

tests/data/handmade/comments-french-dates.xml is hand-made the way the issue's real comments
feed was written (every comment with its article's link and no guid, dates « 13/04/2018 08:40 »
and « 13 avril 2018 à 08h40 »); that feed is not in the corpus.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.ingest.dates import entry_date
from bot.ingest.feeds import parse_feed
from tests.conftest import make_rss
from tests.test_cli import _bot

FEED = Path(__file__).parent / "data" / "handmade" / "comments-french-dates.xml"
PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("raw", "utc"),
    [
        ("13/04/2018 08:40", datetime(2018, 4, 13, 6, 40, tzinfo=UTC)),
        ("13.04.2018", datetime(2018, 4, 12, 22, 0, tzinfo=UTC)),
        ("13 avril 2018 à 08h40", datetime(2018, 4, 13, 6, 40, tzinfo=UTC)),
        ("vendredi 1er décembre 2023, 9 h 05", datetime(2023, 12, 1, 8, 5, tzinfo=UTC)),
        ("13 janv. 2019 08:40", datetime(2019, 1, 13, 7, 40, tzinfo=UTC)),
    ],
)
def test_french_day_first_dates_are_read_in_the_source_zone(raw: str, utc: datetime) -> None:
    assert entry_date(raw, None, PARIS) == utc


@pytest.mark.parametrize("raw", ["31/02/2018 08:40", "13 brumaire 2018", "13/04/18 08:40"])
def test_impossible_or_unknown_french_dates_stay_unread(raw: str) -> None:
    assert entry_date(raw, None, PARIS) is None


def test_a_comments_feed_keeps_each_comment_dated() -> None:
    result = parse_feed(FEED.read_bytes(), tz=PARIS)

    assert len(result.posts) == 5
    assert len({post.identity for post in result.posts}) == 5
    assert all(post.published is not None for post in result.posts)
    assert result.posts[0].published == datetime(2018, 4, 13, 6, 0, tzinfo=UTC)
    again = parse_feed(FEED.read_bytes(), tz=PARIS)  # the next poll: the same ids
    assert [p.identity for p in again.posts] == [p.identity for p in result.posts]


def test_load_keeps_comments_apart_and_names_the_feed(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.sqlite3")

    loaded = _bot("load", str(FEED), "--db", db)

    assert loaded.returncode == 0, loaded.stderr
    assert "blog.example.fr – commentaires: 5 new, 0 updated, 0 unchanged, 0 skipped" in (
        loaded.stdout
    )
    stats = json.loads(_bot("stats", "--json", "--db", db).stdout)
    assert stats["posts"] == 5


def test_every_skip_of_a_load_is_explained_once_per_reason(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.sqlite3")
    feed = tmp_path / "copies.xml"
    items = [
        {"title": "Un article", "link": "https://a.example/1", "guid": "a"},
        {"title": "Un article", "link": "https://a.example/1", "guid": "a"},
        {"title": "Un article", "link": "https://a.example/1", "guid": "a"},
        {"title": "Un autre", "link": "https://a.example/2", "guid": "b"},
        {"title": "Changé", "link": "https://a.example/2", "guid": "b"},
    ]
    feed.write_bytes(make_rss("Exemple", items))

    loaded = _bot("load", str(feed), "--db", db)

    assert "Exemple: 2 new, 0 updated, 0 unchanged, 3 skipped" in loaded.stdout
    lines = [line for line in loaded.stderr.splitlines() if line.startswith("skipped for")]
    assert lines == [
        "skipped for Exemple: 2 × the same entry twice in this input (the first kept)",
        "skipped for Exemple: 1 × an entry under an id another entry of this input has"
        " (the first kept)",
    ]


def test_the_real_comments_feed_loads_every_comment_dated(tmp_path: Path) -> None:
    # tests/data/real/grelinette-comments-2018.xml: 28 comments under their articles' links.
    real = Path(__file__).parent / "data" / "real" / "grelinette-comments-2018.xml"
    db = str(tmp_path / "cli.sqlite3")

    loaded = _bot("load", str(real), "--db", db)

    assert (
        "grelinettecassolettes.com – commentaires: 28 new, 0 updated, 0 unchanged, 0 skipped"
        in (loaded.stdout)
    )
    assert "skipped" not in loaded.stderr
