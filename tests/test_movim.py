"""Tests for the Movim dump parser, on the real seed dump and small hand-made dumps."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.ingest.movim import looks_like_movim, parse_movim
from bot.models import ParseResult, Post

ROOT = Path(__file__).parents[1]
SEED = ROOT / "seeds" / "000_caedc24fabec8c83.txt"
DATA = Path(__file__).parent / "data" / "movim"
PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2024, 6, 1)


def parse(text: str, today: date = TODAY) -> ParseResult:
    return parse_movim(text, tz=PARIS, today=today)


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed(seed_text: str) -> ParseResult:
    return parse(seed_text)


def by_title(result: ParseResult, start: str) -> Post:
    (post,) = [p for p in result.posts if p.title.startswith(start)]
    return post


def local(post: Post) -> datetime:
    """The post's date as Paris shows it."""
    assert post.published is not None
    assert post.published.tzinfo is UTC
    return post.published.astimezone(PARIS)


def test_seed_has_eight_posts_by_source(seed: ParseResult) -> None:
    assert seed.kind == "movim"
    assert len(seed.posts) == 8
    assert Counter(p.source for p in seed.posts) == {
        "JournalDuGeek": 3,
        "Numerama": 2,
        "LeVentSeLeve": 1,
        "Mediapart": 1,
        "Mathias Poujol-Rost": 1,
    }
    assert [p.title for p in seed.posts] == [
        "Vous allez bientôt pouvoir renouveler votre carte d’identité avant sa date"
        " d’expiration\u00a0!",
        "Remaniement ministériel\u00a0: Qui est Marina Ferrari, la nouvelle secrétaire d’État"
        " chargée du numérique",
        "L’Arcom recommande une baisse de la qualité d’image sur YouTube, Netflix et consorts",
        "La France menace de « bannir » Twitter après la décision d’Elon Musk sur le code européen",
        "Antonio Casilli\u00a0: «\u00a0La menace d’un grand remplacement par les robots est une"
        " manière d’assurer la discipline\u00a0»",
        "L’intelligence artificielle ne fera pas disparaître le travail, mais risque de le"
        " dégrader",
        "Le format dématérialisé est un danger pour le jeu vidéo",
        "Une enquête exclusive sur le groupe de mercenaires russes #Wagner dirigé par l'oligarque"
        " Evgueni Prigojine.",
    ]


def test_seed_dates_are_local_times_stored_in_utc(seed: ParseResult) -> None:
    assert local(by_title(seed, "Vous allez bientôt")) == datetime(2024, 4, 2, 9, 37, tzinfo=PARIS)
    assert local(by_title(seed, "Remaniement")) == datetime(2024, 2, 8, 21, 3, tzinfo=PARIS)
    assert local(by_title(seed, "Une enquête exclusive")) == datetime(
        2023, 2, 26, 14, 52, tzinfo=PARIS
    )
    assert by_title(seed, "Remaniement").published == datetime(2024, 2, 8, 20, 3, tzinfo=UTC)


def test_seed_header_details(seed: ParseResult) -> None:
    casilli = by_title(seed, "Antonio Casilli")
    assert casilli.reading_minutes == 32
    assert [p.reading_minutes for p in seed.posts].count(None) == 7
    wagner = by_title(seed, "Une enquête exclusive")
    assert wagner.author == "Mathias Poujol-Rost"
    assert wagner.hashtags == ("Wagner", "documents", "investigation", "numérique")
    assert "#Wagner" in wagner.title
    assert by_title(seed, "Remaniement").author is None


def test_seed_public_link_and_guid(seed: ParseResult) -> None:
    mediapart = by_title(seed, "L’intelligence artificielle")
    assert mediapart.url == (
        "https://www.mediapart.fr/journal/economie-et-social/040423/"
        "l-intelligence-artificielle-va-operer-une-nouvelle-degradation-du-travail-mais-ne-le-fera-pas"
    )
    assert [p.url for p in seed.posts].count(None) == 7
    assert mediapart.guid is not None
    assert mediapart.guid.startswith("movim:Mediapart:2023-04-08T13:27")
    assert by_title(seed, "Remaniement").guid == (
        "movim:Numerama:2024-02-08T20:03:00+00:00:remaniement ministeriel : qui est marina "
        "ferrari, la nouvelle secretaire d'etat"
    )
    assert len({p.identity for p in seed.posts}) == 8


def test_orphan_text_after_public_link_is_skipped_not_glued(seed: ParseResult) -> None:
    assert len(seed.skipped) == 1
    (skip,) = seed.skipped
    assert skip.where == "line 163"
    assert "text after the public link of post 'L’intelligence artificielle" in skip.reason
    assert "2 paragraphs skipped" in skip.reason
    everything = " ".join(x.text for p in seed.posts for x in p.passages)
    assert "greenwashing" not in everything
    assert "Juliette Duquesne" not in everything
    assert len(by_title(seed, "L’intelligence artificielle").passages) == 1


def test_seed_interview_turns_and_pull_quotes(seed: ParseResult) -> None:
    passages = by_title(seed, "Antonio Casilli").passages
    assert Counter(p.kind for p in passages) == {
        "paragraph": 1,
        "question": 10,
        "answer": 10,
        "pullquote": 7,
    }
    assert {p.speaker for p in passages if p.kind == "question"} == {"LVSL"}
    assert {p.speaker for p in passages if p.kind in ("answer", "pullquote")} == {"A. Casilli"}
    assert passages[1].text.startswith("Les médias spéculent")
    assert not any(p.text.startswith(("LVSL", "A. Casilli")) for p in passages)
    coche = [p for p in passages if p.kind == "pullquote" and "je coche des cases" in p.text]
    assert len(coche) == 1
    assert coche[0].speaker == "A. Casilli"
    assert coche[0].text.startswith("Moi j’ai jamais")
    assert coche[0].text.endswith("cases")
    # The paragraph after a pull quote still belongs to the answer it interrupted.
    answer = next(p for p in passages if p.text.startswith("Pour commencer"))
    assert "C’est en me concentrant sur ce travail vivant" in answer.text


def test_seed_keeps_credits_and_images_out_of_text(seed: ParseResult) -> None:
    casilli = by_title(seed, "Antonio Casilli")
    assert casilli.credits == (
        "© Marielisa Ramirez",
        "Mobilisation des livreurs © Marion Beauvalet Mobilisation de livreurs Deliveroo",
        "© Marion Beauvalet",
    )
    texts = [x.text for p in seed.posts for x in p.passages]
    assert not any("©" in t or "Beauvalet" in t for t in texts)
    arcom = by_title(seed, "L’Arcom")
    assert arcom.images == ("streaming-qualite-arcom-recommandation-158x105.jpg",)
    assert arcom.passages[0].text == (
        "L'Arcom recommande la création d'un bouton pour limiter la qualité des vidéos en streaming"
    )
    assert by_title(seed, "Le format").images == (
        "manette-xbox-jeu-video-sam-pak-unsplash-158x105.jpg",
    )
    assert by_title(seed, "Vous allez bientôt").images == ("Sans Titre 1 (20)",)
    assert not any(".jpg" in t or "Sans Titre" in t for t in texts)


def test_seed_drops_title_repeated_as_last_paragraph(seed: ParseResult) -> None:
    for start in ("L’Arcom", "Le format"):
        post = by_title(seed, start)
        assert all(p.text != post.title for p in post.passages)
    assert len(by_title(seed, "L’Arcom").passages) == 2
    assert len(by_title(seed, "Le format").passages) == 1


def test_seed_text_keeps_typography(seed: ParseResult) -> None:
    question = by_title(seed, "Antonio Casilli").passages[1]
    assert "\u00a0" in by_title(seed, "Antonio Casilli").title
    assert "«\u00a0travail numérique\u00a0»" in " ".join(
        p.text for p in by_title(seed, "Antonio Casilli").passages
    )
    assert "’" in question.text


def test_looks_like_movim(seed_text: str) -> None:
    assert looks_like_movim(seed_text)
    assert looks_like_movim((DATA / "no_year.txt").read_text(encoding="utf-8"))
    feed = ROOT / "tests" / "data" / "feedparser-tests" / "tests" / "illformed"
    assert not looks_like_movim((feed / "aaa_illformed.xml").read_text(encoding="utf-8"))
    assert not looks_like_movim("• chevron_right\n\nUn titre\n\nPas d’en-tête · du tout\n")
    assert not looks_like_movim("news.movim.eu / Numerama · Monday, 29 May, 2023 - 09:37\n")
    assert not looks_like_movim("")


def test_dump_without_any_year_uses_latest_matching_year() -> None:
    text = (DATA / "no_year.txt").read_text(encoding="utf-8")
    result = parse(text, today=date(2024, 6, 1))
    assert [local(p) for p in result.posts] == [
        datetime(2024, 4, 2, 9, 37, tzinfo=PARIS),
        datetime(2024, 2, 8, 21, 3, tzinfo=PARIS),
    ]
    assert result.skipped == ()
    # 2 April was a Tuesday in 2019, 2024 and 2030: the latest not after today's year wins.
    assert local(parse(text, today=date(2023, 6, 1)).posts[0]).year == 2019
    assert local(parse(text, today=date(2031, 6, 1)).posts[0]).year == 2030


def test_yearless_date_searches_up_from_the_newest_year_shown() -> None:
    text = (DATA / "no_year.txt").read_text(encoding="utf-8")
    anchored = text + (
        "\n• chevron_right\n\nUn billet daté\n\n"
        "news.movim.eu / Numerama · Monday, 29 May, 2023 - 09:37\n\nTexte.\n"
    )
    result = parse(anchored, today=date(2031, 6, 1))
    assert local(result.posts[0]).year == 2024


def test_no_year_fixture_author_post_and_title_repeat() -> None:
    result = parse((DATA / "no_year.txt").read_text(encoding="utf-8"))
    first, wagner = result.posts
    # The repeated title differs only by a non-breaking space: normalize makes them equal.
    assert [p.text for p in first.passages] == [
        "L’application France Identité permettra de demander le renouvellement en ligne."
    ]
    assert (wagner.source, wagner.author) == ("Mathias Poujol-Rost", "Mathias Poujol-Rost")
    assert wagner.hashtags == ("Wagner", "documents", "investigation")


def test_truncated_before_header_keeps_complete_posts() -> None:
    result = parse((DATA / "truncated_before_header.txt").read_text(encoding="utf-8"))
    assert [p.source for p in result.posts] == ["Numerama", "LeVentSeLeve"]
    assert result.posts[1].reading_minutes == 12
    assert result.posts[1].credits == ("© Marion Beauvalet",)
    assert len(result.posts[0].passages) == 2
    (skip,) = result.skipped
    assert skip.where == "line 23"
    assert "La CNIL inflige une amende record" in skip.reason
    assert "cut before its header" in skip.reason


def test_truncated_footer_keeps_post_and_reports_missing_link() -> None:
    result = parse((DATA / "truncated_footer.txt").read_text(encoding="utf-8"))
    (post,) = result.posts
    assert post.url is None
    assert [p.text for p in post.passages] == [
        "Le succès de ChatGPT a lancé un nouveau récit techno-solutionniste."
    ]
    (skip,) = result.skipped
    assert skip.where == "line 9"
    assert "public link" in skip.reason
    assert "missing" in skip.reason


def test_unknown_lines_are_reported_not_loaded() -> None:
    result = parse((DATA / "unknown_lines.txt").read_text(encoding="utf-8"))
    assert [p.title for p in result.posts] == [
        "Un robot aspirateur qui monte les escaliers",
        "Le Sénat adopte la loi sur les influenceurs",
    ]
    robot, senat = result.posts
    assert [p.text for p in robot.passages] == [
        "Le fabricant promet une commercialisation avant l’été.",
        "• Une liste à puces reste du texte",
    ]
    assert senat.reading_minutes == 3
    reasons = {s.where: s.reason for s in result.skipped}
    assert reasons["line 1"] == "2 lines before the first post"
    assert "'• more_vert'" in reasons["line 9"]
    assert "'• favorite share'" in reasons["line 11"]
    assert "'Titre d’un billet sans en-tête' has no" in reasons["line 18"]
    assert "post boundary with no post after it" in reasons["line 22"]
    assert len(result.skipped) == 5
    loaded = " ".join(x.text for p in result.posts for x in p.passages)
    assert "jamais chargé" not in loaded


def test_impossible_date_keeps_post_undated() -> None:
    header = "news.movim.eu / Numerama · Friday, 30 February - 10:00"
    text = f"• chevron_right\n\nUn titre\n\n{header}\n\nT.\n"
    result = parse(text)
    (post,) = result.posts
    assert post.published is None
    assert post.guid == "movim:Numerama::un titre"
    (skip,) = result.skipped
    assert skip.where == "line 5"
    assert "Friday, 30 February - 10:00" in skip.reason


def test_dates_after_tomorrow_or_before_1990_are_dropped_and_reported() -> None:
    posts = [
        ("Du futur", "Thursday, 31 December, 2099 - 23:59"),
        ("Du passé", "Tuesday, 1 January, 1985 - 10:00"),
        ("Demain", "Sunday, 2 June, 2024 - 08:00"),
    ]
    text = "".join(
        f"• chevron_right\n\n{title}\n\nnews.movim.eu / Numerama · {when}\n\nT.\n"
        for title, when in posts
    )
    now = datetime(2024, 6, 1, 12, tzinfo=UTC)

    result = parse_movim(text, tz=PARIS, today=TODAY, now=now)

    future, past, tomorrow = result.posts
    assert future.published is None
    assert past.published is None
    assert tomorrow.published == datetime(2024, 6, 2, 6, tzinfo=UTC)  # within a day: kept
    assert [skip.reason for skip in result.skipped] == [
        "date 'Thursday, 31 December, 2099 - 23:59' of post 'Du futur' is impossible: kept undated",
        "date 'Tuesday, 1 January, 1985 - 10:00' of post 'Du passé' is impossible: kept undated",
    ]


def test_no_boundary_at_all_is_reported() -> None:
    result = parse("Juste du texte\nsans rien d’autre\n")
    assert result.posts == ()
    assert result.skipped[0].where == "line 1"
    assert "no post boundary" in result.skipped[0].reason


def test_windows_line_endings_parse_the_same(seed_text: str, seed: ParseResult) -> None:
    crlf = parse(seed_text.replace("\n", "\r\n"))
    assert crlf.posts == seed.posts
    assert crlf.skipped == seed.skipped


def test_editing_a_paragraph_keeps_the_guid(seed_text: str, seed: ParseResult) -> None:
    edited = parse(seed_text.replace("désormais ministre", "devenu ministre"))
    before, after = by_title(seed, "Remaniement"), by_title(edited, "Remaniement")
    assert before.guid == after.guid
    assert before.content_hash != after.content_hash


def check_result(result: ParseResult) -> None:
    assert isinstance(result, ParseResult)
    assert result.kind == "movim"
    assert len(result.posts) <= 8
    for post in result.posts:
        assert post.title
        assert post.source
        assert post.guid
        assert post.published is None or post.published.utcoffset() is not None
    assert all(s.where.startswith("line ") for s in result.skipped)


def test_fuzz_truncations_never_raise(seed_text: str, seed: ParseResult) -> None:
    rng = random.Random(20240402)
    titles = {p.title for p in seed.posts}
    lines = seed_text.split("\n")
    for _ in range(300):
        cut = rng.randrange(len(seed_text) + 1)
        result = parse(seed_text[:cut])
        check_result(result)
        # A cut only loses posts at the end: every loaded title is a seed title, in seed order.
        assert [p.title for p in result.posts] == [p.title for p in seed.posts][: len(result.posts)]
    for n in range(len(lines) + 1):
        result = parse("\n".join(lines[:n]))
        assert all(p.title in titles for p in result.posts)


def test_fuzz_shuffles_and_garbage_never_raise(seed_text: str) -> None:
    rng = random.Random(7)
    lines = seed_text.split("\n")
    for _ in range(150):
        shuffled = lines[:]
        rng.shuffle(shuffled)
        check_result(parse("\n".join(shuffled)))
        mangled = [line for line in lines if rng.random() > 0.2]
        for _ in range(5):
            mangled.insert(rng.randrange(len(mangled) + 1), rng.choice(["·", "•", "#", "«", "©"]))
        check_result(parse("\n".join(mangled)))
        noise = "".join(rng.choice("• ·\n«»©#:-/0123456789aZ\u00a0\r") for _ in range(300))
        check_result(parse(noise))
