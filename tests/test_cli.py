"""The command line as operators use it: a separate process, exit codes, JSON output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT, SEED, make_rss


def _bot(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    # The test's own working directory and environment (see clean_environment): no .env.
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd or Path.cwd(),
        env={**os.environ, **(env or {})},
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


def seeded(tmp_path: Path) -> str:
    """A database the demo data was loaded into, as an operator asks for it."""
    db = str(tmp_path / "seeded.sqlite3")
    loaded = _bot("load", "seeds", "--db", db)
    assert loaded.returncode == 0, loaded.stderr
    return db


def test_search_json_names_the_words_a_result_lacks(tmp_path: Path) -> None:
    # Issue 18: a sentence found nothing; now its post, with the word it lacks as typed.
    db = seeded(tmp_path)
    asked = "le jeu vidéo dématérialisé c'est dangereux ?"
    search = _bot("search", asked, "--json", "--db", db)
    assert search.returncode == 0, search.stderr
    [first, *_] = json.loads(search.stdout)["results"]
    assert first["title"] == "Le format dématérialisé est un danger pour le jeu vidéo"
    assert first["missing"] == ["dangereux"]


def test_quote_holds_every_word_before_two_of_them_in_order(tmp_path: Path) -> None:
    # Issue 18: among generated passages, « Diminution, payés » (two of the words in the
    # query's order, « travail » missing) outscored Casilli's answer holding all three.
    feed = tmp_path / "decoys.xml"
    # « travail » as common as in a large corpus (it weighs little), three near misses.
    texts = [f"Le travail reprend au numéro {n}." for n in range(300)]
    texts += [f"Profits des formats en ligne. Diminution, payés les jours {n}." for n in range(3)]
    items = [
        {"title": f"Chronique {n}", "link": f"https://example.org/c/{n}", "guid": f"c-{n}",
         "description": text}
        for n, text in enumerate(texts)
    ]  # fmt: skip
    feed.write_bytes(make_rss("Chroniques", items))
    db = str(tmp_path / "quotes.sqlite3")
    loaded = _bot("load", str(SEED), str(feed), "--db", db)
    assert loaded.returncode == 0, loaded.stderr
    quote = _bot("quote", "diminution du travail paye", "--json", "--db", db)
    [hit] = json.loads(quote.stdout)["results"]
    assert hit["speaker"] == "A. Casilli", hit
    assert "diminution drastique du travail" in hit["text"]


def test_search_on_a_fresh_database_loads_no_demo_data(tmp_path: Path) -> None:
    db = str(tmp_path / "fresh.sqlite3")
    search = _bot("search", "travail du clic", "--db", db)
    assert search.returncode == 0, search.stderr
    assert "no results" in search.stdout
    stats = json.loads(_bot("stats", "--json", "--db", db).stdout)
    assert (stats["posts"], stats["sources"]) == (0, {})


def test_search_and_quote_json_after_loading_the_seeds(tmp_path: Path) -> None:
    db = seeded(tmp_path)
    before = time.monotonic()
    search = _bot("search", "travail du clic", "--json", "--db", db)
    wall_ms = (time.monotonic() - before) * 1000
    assert search.returncode == 0, search.stderr
    payload = json.loads(search.stdout)
    assert payload["query"] == "travail du clic"
    assert 0 < payload["took_ms"] < wall_ms  # the search's own time, inside the process's
    [first, *_] = payload["results"]
    assert set(first) == {
        "post_id", "title", "source", "author", "published", "url",
        "score", "snippet", "match", "kind", "speaker", "missing",
    }  # fmt: skip
    assert "Casilli" in first["title"]
    assert first["missing"] == []
    assert 0 <= first["score"] <= 100
    [(start, end)] = first["match"]
    assert first["snippet"][start:end].lower() == "travail du clic"
    quote = json.loads(_bot("quote", "je coche des cases", "--json", "--db", db).stdout)
    [hit] = quote["results"]
    assert hit["speaker"] == "A. Casilli"
    assert "je coche des cases" in hit["text"]
    assert set(hit) == {
        "text",
        "speaker",
        "kind",
        "post_id",
        "title",
        "source",
        "published",
        "url",
        "score",
    }


def test_search_readable_listing_and_bad_queries(tmp_path: Path) -> None:
    db = seeded(tmp_path)
    listing = _bot("search", "Prigojine", "--db", db)
    assert "1. Une enquête exclusive" in listing.stdout
    assert "**Prigojine**" in listing.stdout
    # The journalist's introduction is nobody's quote: no speaker, no placeholder.
    unsigned = _bot("quote", "discours teleologique", "--db", db).stdout.splitlines()
    assert unsigned[1].startswith("   — Antonio Casilli"), unsigned
    none = _bot("search", "tartiflette savoyarde", "--db", db)
    assert none.returncode == 0
    assert "no results" in none.stdout
    empty = _bot("search", "   ", "--db", db)
    assert empty.returncode == 2
    assert "usage" in empty.stderr
    huge = _bot("search", "clic " * 200, "--json", "--db", db)
    assert huge.returncode == 0
    assert "Traceback" not in huge.stderr


def test_a_word_led_by_a_dash_is_an_exclusion_not_an_option(tmp_path: Path) -> None:
    db = seeded(tmp_path)
    both = _bot("search", "travail", "--db", db)
    assert "Antonio Casilli" in both.stdout
    without = _bot("search", "travail", "-clic", "--limit", "5", "--db", db)
    assert without.returncode == 0, without.stderr
    assert "Antonio Casilli" not in without.stdout
    assert "L’intelligence artificielle ne fera pas disparaître le travail" in without.stdout
    alone = _bot("search", "-clic", "--db", db)
    assert (alone.returncode, alone.stderr.startswith("usage: python -m bot search")) == (2, True)
    typo = _bot("search", "travail", "--limt", "5", "--db", db)
    assert typo.returncode == 2
    assert "unrecognized arguments: --limt" in typo.stderr


def test_search_prints_a_post_dated_at_the_end_of_the_calendar(tmp_path: Path) -> None:
    from tests.fakes.rss import make_rss

    feed = tmp_path / "lointain.xml"
    item = {"title": "Le bout du calendrier", "guid": "9999"}
    feed.write_bytes(make_rss("Lointain", [{**item, "pubDate": "Fri, 31 Dec 9999 23:59:59 +0000"}]))
    db = str(tmp_path / "cli.sqlite3")
    assert _bot("load", str(feed), "--db", db).returncode == 0
    found = _bot("search", "bout du calendrier", "--db", db)
    assert found.returncode == 0, found.stderr
    assert "Le bout du calendrier" in found.stdout
    assert "Traceback" not in found.stderr


def test_load_names_a_feed_after_its_trimmed_title_or_source(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.sqlite3")
    feed = tmp_path / "mediapart.xml"
    items = [{"title": "Un article", "link": "https://www.mediapart.fr/a", "guid": "a"}]
    feed.write_bytes(make_rss("Mediapart - Article Feed", items))
    assert "Mediapart: 1 new" in _bot("load", str(feed), "--db", db).stdout
    named = _bot("load", str(feed), "--source", "Médiapart enquêtes", "--db", db)
    assert "Médiapart enquêtes: 1 new" in named.stdout
    stats = json.loads(_bot("stats", "--json", "--db", db).stdout)
    assert stats["sources"] == {"Mediapart": 1, "Médiapart enquêtes": 1}


FRANCE = ROOT / "tests" / "data" / "real" / "awesome-rss-feeds-France.opml"


def test_sources_import_export_and_url_changes(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.sqlite3")
    first = _bot("sources", "import", str(FRANCE), "--db", db)
    assert first.returncode == 0, first.stderr
    assert "added: Le Monde https://www.lemonde.fr/rss/une.xml" in first.stdout
    assert (
        first.stdout.splitlines()[-1]
        == "11 feeds: 11 added, 0 unchanged, 0 not applied, 0 unreadable"
    )

    exported = _bot("sources", "export", "--db", db)
    assert exported.returncode == 0
    assert exported.stdout.startswith("<?xml")
    assert exported.stdout.count("<outline") == 11
    assert "backend-fd&amp;lang=en" in exported.stdout  # written as valid XML

    moved = tmp_path / "moved.opml"
    moved.write_bytes(FRANCE.read_bytes().replace(b"rss/une.xml", b"rss/en_continu.xml"))
    again = _bot("sources", "import", str(moved), "--db", db)
    assert again.returncode == 1  # something was not applied
    assert (
        "URL change not applied: Le Monde: https://www.lemonde.fr/rss/une.xml -> "
        "https://www.lemonde.fr/rss/en_continu.xml (--update-urls applies it)"
    ) in again.stdout
    assert "10 unchanged, 1 not applied" in again.stdout
    written = tmp_path / "out.opml"
    _bot("sources", "export", str(written), "--db", db)
    assert b"rss/une.xml" in written.read_bytes()

    applied = _bot("sources", "import", str(moved), "--update-urls", "--db", db)
    assert applied.returncode == 0
    assert "URL changed: Le Monde: https://www.lemonde.fr/rss/une.xml ->" in applied.stdout
    assert b"en_continu.xml" in _bot("sources", "export", "--db", db).stdout.encode()


def test_load_of_an_opml_list_points_to_sources_import(tmp_path: Path) -> None:
    result = _bot("load", str(FRANCE), "--db", str(tmp_path / "cli.sqlite3"))
    assert result.returncode == 1
    assert "use `python -m bot sources import FILE`" in result.stderr


def test_a_folder_with_a_file_that_is_not_a_feed_still_loads(tmp_path: Path) -> None:
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "seed.txt").write_bytes(SEED.read_bytes())
    (folder / "notes.txt").write_text("Penser à relire les dumps de mars.\n")
    db = str(tmp_path / "cli.sqlite3")
    result = _bot("load", str(folder), "--db", db)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "1 of 1 inputs read, 1 other file skipped"
    assert f"not an input, skipped: {folder / 'notes.txt'}: neither a Movim dump" in result.stderr
    named = _bot("load", str(folder / "notes.txt"), "--db", db)
    assert named.returncode == 1
    assert f"failed: {folder / 'notes.txt'}" in named.stderr


def test_a_closed_pipe_ends_the_cli_quietly(tmp_path: Path) -> None:
    # `python -m bot search … --json | head` when head has already gone: the read end
    # of the pipe is closed before the command writes a byte.
    db = str(tmp_path / "fresh.sqlite3")
    assert _bot("stats", "--db", db).returncode == 0
    for args in (("search", "travail", "--json"), ("sources", "export"), ("load", str(SEED))):
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            result = subprocess.run(
                [sys.executable, "-m", "bot", *args, "--db", db],
                stdout=write_end,
                stderr=subprocess.PIPE,
                text=True,
                timeout=120,
            )
        finally:
            os.close(write_end)
        assert result.returncode == 141, (args, result.stderr)  # as if killed by SIGPIPE
        assert "Traceback" not in result.stderr, args
        assert "Exception" not in result.stderr, args


def test_quote_of_a_real_feed_interview_gives_the_interviewee(tmp_path: Path) -> None:
    """Framablog's interview, loaded from the real feed: /quote finds her words as hers."""
    db = str(tmp_path / "framablog.sqlite3")
    feed = ROOT / "tests" / "data" / "real" / "framablog-2021.xml"
    loaded = _bot("load", str(feed), "--db", db)
    assert "Framablog: 10 new" in loaded.stdout, loaded.stderr

    answer = json.loads(_bot("quote", "coller des post-it partout", "--json", "--db", db).stdout)
    [hit] = answer["results"]
    assert (hit["kind"], hit["speaker"]) == ("answer", "Marie-Cécile Godwin")
    assert "je passe la plupart de mon temps à coller des post-it partout" in hit["text"]
    assert hit["url"].endswith("/marie-cecile-godwin-les-usages-prevalent-sur-tout/")

    pulled = _bot("quote", "un bol de M&M’s", "--json", "--limit", "3", "--db", db)
    first, *_ = json.loads(pulled.stdout)["results"]
    assert (first["kind"], first["speaker"]) == ("pullquote", "Marie-Cécile Godwin")
    assert first["text"] == "les libristes, c’est comme un bol de M&M’s"

    # The interviewer's question without « ? » is a question, not words of hers.
    asked = _bot("quote", "conseils donnerais-tu aux créateurs", "--json", "--db", db)
    [hit] = json.loads(asked.stdout)["results"]
    assert (hit["kind"], hit["speaker"]) == ("question", None)
    assert hit["text"].startswith("Quel(s) conseil(s) donnerais-tu aux créateurs")

    # The group interview: a reply after a <br> goes to the voice named there.
    voices = _bot("quote", "pas besoin de revenir sur la plateforme", "--json", "--db", db)
    [hit] = json.loads(voices.stdout)["results"]
    assert (hit["kind"], hit["speaker"]) == ("answer", "Maiwann")
    assert hit["text"].startswith("comme ça, pas besoin de revenir sur la plateforme")
