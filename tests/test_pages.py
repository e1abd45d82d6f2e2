"""Article pages (tests/data/pages, see PROVENANCE.md) read as a reader would want them.

Each real page has a sibling `*.expect.json` written by hand from the page: sentences of the
article that must stay (its beginning, middle and end), lines of the page's chrome that must go
(menus, related links, comments, newsletter and share boxes, cookie banners, subscriber walls),
the paywall mark, the lead image, and the interview's turns where there is one. A line still
kept (or a sentence still lost) on a page the rules were not written on is listed in the page's
`known` with why, and the test holds that list true. Then one test per rule, on small pages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from bot.ingest.page import Page, page_passages, read_page
from bot.text import normalize

PAGES = Path(__file__).parent / "data" / "pages"
EXPECTATIONS = sorted(PAGES.glob("*.expect.json"))
NAMES = [p.name.removesuffix(".expect.json") for p in EXPECTATIONS]
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def squash(text: str) -> str:
    """Folded text without spaces and punctuation: the layout of a line never counts."""
    return _NOT_WORD.sub("", normalize(text))


def expectation(name: str) -> dict:
    return json.loads((PAGES / f"{name}.expect.json").read_text(encoding="utf-8"))


def read(name: str) -> tuple[Page, dict]:
    expect = expectation(name)
    data = (PAGES / f"{name}.html").read_bytes()
    return read_page(data, expect["url"], content_type="text/html; charset=utf-8"), expect


def passage_texts(page: Page) -> list[str]:
    passages, _ = page_passages(page)
    return [passage.text for passage in passages]


def test_the_corpus_is_described() -> None:
    pages = sorted(p.name.removesuffix(".html") for p in PAGES.glob("*.html"))
    assert pages == NAMES
    assert len(pages) >= 20
    expects = [expectation(name) for name in pages]
    assert len({e["outlet"] for e in expects}) >= 10
    assert sum(e["paywalled"] for e in expects) >= 2
    assert sum(e["kind"] in ("interview", "testimony") for e in expects) >= 2
    provenance = (PAGES / "PROVENANCE.md").read_text(encoding="utf-8")
    for name in pages:
        digest = hashlib.sha256((PAGES / f"{name}.html").read_bytes()).hexdigest()
        assert f"`{name}.html`" in provenance
        assert digest in provenance, name


@pytest.mark.parametrize("name", NAMES)
def test_every_expected_line_is_on_its_page(name: str) -> None:
    """An expectation only means something if its lines are the page's own."""
    expect = expectation(name)
    html = (PAGES / f"{name}.html").read_bytes().decode("utf-8", "replace")
    body = LexborHTMLParser(html).body
    assert body is not None
    for node in body.css("script, style, noscript, template"):
        node.decompose()
    everything = squash(body.text(separator=" "))
    turns = expect.get("interview", {}).get("turns", [])
    for line in [*expect["present"], *expect["absent"], *(t for d in turns for t in d.values())]:
        assert squash(line) in everything, line


@pytest.mark.parametrize("name", NAMES)
def test_page_reads_as_expected(name: str) -> None:
    page, expect = read(name)
    assert page.failure is None
    assert page.paywalled is expect["paywalled"]
    assert page.image == expect["image"]
    text = "\n".join(squash(t) for t in passage_texts(page))
    known = expect.get("known", {})
    for sentence in expect["present"]:
        assert (squash(sentence) in text) is (sentence not in known.get("lost", [])), sentence
    for line in expect["absent"]:
        assert (squash(line) in text) is (line in known.get("left", [])), line


@pytest.mark.parametrize("name", [n for n in NAMES if "interview" in expectation(n)])
def test_interview_turns_stay_apart_and_in_order(name: str) -> None:
    page, expect = read(name)
    interview = expect["interview"]
    passages, _ = page_passages(page)
    texts = [squash(p.text) for p in passages]
    for turn in interview["turns"]:
        question = next(i for i, t in enumerate(texts) if squash(turn["question"]) in t)
        answer = next(i for i, t in enumerate(texts) if squash(turn["answer"]) in t)
        assert question < answer
        assert squash(turn["answer"]) not in texts[question]
    if "needs_cue" not in interview:
        answers = [p for p in passages if p.kind == "answer"]
        assert answers
        assert {p.speaker for p in answers} == {interview["speaker"]}


# --- one rule at a time, on small pages ---------------------------------------------------

PROSE = (
    "Le conseil municipal a voté mardi soir le budget de la ville, après un débat de quatre "
    "heures sur le prix des cantines et l'entretien des écoles du centre."
)
LATER = (
    "Les élus de l'opposition ont quitté la salle avant le vote final, dénonçant une hausse "
    "des tarifs qui pèsera d'abord sur les familles les plus modestes."
)


def html_page(body: str, head: str = "") -> bytes:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>".encode()


def article(*paragraphs: str) -> str:
    return "<article>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article>"


def texts_of(page: Page) -> str:
    return "\n".join(passage_texts(page))


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"%PDF-1.4 binary", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", None),
        (b'{"title": "pas une page"}', "application/json"),
        (html_page(article(PROSE)), "image/png"),
    ],
)
def test_what_is_not_html_fails_as_not_html(data: bytes, content_type: str | None) -> None:
    page = read_page(data, "https://example.fr/a", content_type=content_type)
    assert page.failure == "not_html"
    assert page.article is None
    assert page.body_html is None


def test_a_page_without_article_text_fails_as_empty() -> None:
    page = read_page(
        html_page("<nav><a href='/'>Accueil</a></nav><p>Court.</p>"),
        "https://example.fr/a",
        content_type="text/html",
    )
    assert page.failure == "empty"
    assert page.article is None


@pytest.mark.parametrize(
    "data", [b"", b"<", b"\xff\xfe\x00<\x00h", b"<div>" * 50_000, html_page("<p>" * 3000)]
)
def test_hostile_or_broken_bytes_never_raise(data: bytes) -> None:
    assert read_page(data, "https://example.fr/a").failure is not None


def test_open_graph_metadata_with_relative_addresses() -> None:
    head = (
        '<meta property="og:title" content="Le budget voté">'
        '<meta property="og:image" content="/img/conseil.jpg">'
        '<meta name="author" content="Marie Martin">'
        '<meta property="article:published_time" content="2024-03-05T18:30:00+01:00">'
        '<link rel="canonical" href="/politique/budget-vote">'
    )
    page = read_page(html_page(article(PROSE), head), "https://www.example.fr/p?id=3")
    assert page.title == "Le budget voté"
    assert page.image == "https://www.example.fr/img/conseil.jpg"
    assert page.author == "Marie Martin"
    assert page.published == dt.datetime(2024, 3, 5, 17, 30, tzinfo=dt.UTC)
    assert page.canonical_url == "https://www.example.fr/politique/budget-vote"


def test_json_ld_metadata_in_a_graph() -> None:
    ld = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "Exemple"},
            {
                "@type": "NewsArticle",
                "headline": "Le budget voté",
                "image": [{"@type": "ImageObject", "url": "https://cdn.example.fr/a.jpg"}],
                "author": [{"@type": "Person", "name": "Marie Martin"}, {"name": "Paul Roy"}],
                "datePublished": "2024-03-05T18:30:00+01:00",
            },
        ],
    }
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    page = read_page(html_page(article(PROSE), head), "https://www.example.fr/p")
    assert page.image == "https://cdn.example.fr/a.jpg"
    assert page.author == "Marie Martin, Paul Roy"
    assert page.published == dt.datetime(2024, 3, 5, 17, 30, tzinfo=dt.UTC)


def test_twitter_image_time_tag_and_og_url_are_fallbacks() -> None:
    head = (
        '<meta name="twitter:image" content="https://cdn.example.fr/t.jpg">'
        '<meta property="og:url" content="https://www.example.fr/budget">'
    )
    body = '<article><time datetime="2024-03-05T10:00:00Z">5 mars</time>' + article(PROSE)
    page = read_page(html_page(body + "</article>", head), "https://www.example.fr/p?x=1")
    assert page.image == "https://cdn.example.fr/t.jpg"
    assert page.published == dt.datetime(2024, 3, 5, 10, 0, tzinfo=dt.UTC)
    assert page.canonical_url == "https://www.example.fr/budget"


def test_a_placeholder_image_gives_way_to_the_article_picture() -> None:
    head = '<meta property="og:image" content="/img/placeholders/placeholder_1000x750.jpg">'
    body = article(PROSE).replace("<article>", '<article><img src="/photos/salle.jpg">')
    page = read_page(html_page(body, head), "https://www.example.fr/p")
    assert page.image == "https://www.example.fr/photos/salle.jpg"


def json_ld(free: object, *, part: object = None) -> str:
    ld: dict[str, object] = {"@type": "NewsArticle", "headline": "Budget"}
    if free is not None:
        ld["isAccessibleForFree"] = free
    if part is not None:
        ld["hasPart"] = {"@type": "WebPageElement", "isAccessibleForFree": part}
    return f'<script type="application/ld+json">{json.dumps(ld)}</script>'


@pytest.mark.parametrize(
    ("head", "walled"),
    [
        (json_ld(False), True),
        (json_ld("False"), True),
        (json_ld(None, part="false"), True),
        (json_ld("http://schema.org/True", part="False"), False),
        (json_ld(True), False),
        (
            '<script type="application/ld+json">{"headline": "a "b"", "isAccessibleForFree": '
            '"false"}</script>',
            True,
        ),
    ],
)
def test_json_ld_says_whether_the_article_is_free(head: str, walled: bool) -> None:
    page = read_page(html_page(article(PROSE, LATER), head), "https://www.example.fr/p")
    assert page.paywalled is walled
    assert PROSE in texts_of(page)
    assert LATER in texts_of(page)


WALLS = [
    "Il vous reste 74 % de cet article à lire. La suite est réservée aux abonnés.",
    "Lisez la suite : 83 % de ce contenu reste à découvrir",
    "Pour lire la suite et accéder gratuitement à 3 articles par mois, créez votre compte",
    "Seuls nos abonnés peuvent lire l'intégralité de cet article.",
    "Cet article est réservé aux abonnés.",
]


@pytest.mark.parametrize("wall", WALLS)
def test_a_wall_is_cut_out_with_everything_after_it(wall: str) -> None:
    body = (
        f"<article><p>{PROSE}</p><div class='offre'><p>{wall}</p>"
        "<p>Déjà abonné ? Connectez-vous</p></div><p>1 € le premier mois</p></article>"
    )
    page = read_page(html_page(body), "https://www.example.fr/p")
    assert page.paywalled is True
    text = texts_of(page)
    assert PROSE in text
    assert squash(wall) not in squash(text)
    assert "Connectez-vous" not in text
    assert "premier mois" not in text


@pytest.mark.parametrize(
    "elsewhere",
    [
        "<ul><li><a href='/b'><span>Article réservé à nos abonnés</span> Un autre sujet</a></li>"
        "</ul>",
        "<section class='comments'><p>L'espace des contributions est réservé aux abonnés.</p>"
        "</section>",
    ],
)
def test_subscriber_words_in_a_link_or_the_comments_are_no_wall(elsewhere: str) -> None:
    body = f"<article><p>{PROSE}</p><p>{LATER}</p></article>{elsewhere}"
    page = read_page(html_page(body), "https://www.example.fr/p")
    assert page.paywalled is False
    assert LATER in texts_of(page)


def test_subscriber_words_followed_by_the_article_are_a_label() -> None:
    body = f"<p>Cet article est réservé aux abonnés</p><article><p>{PROSE}</p><p>{LATER}</p>"
    page = read_page(html_page(body + f"<p>{PROSE}</p></article>"), "https://www.example.fr/p")
    assert page.paywalled is False
    assert LATER in texts_of(page)


def test_the_article_is_the_element_most_made_of_prose() -> None:
    labels = "".join(
        f"<div><span>Météo du jour à Paris, {i} degrés</span></div>" for i in range(30)
    )
    body = f"<div class='top'>{labels}</div><div class='main'><p>{PROSE}</p><p>{LATER}</p></div>"
    page = read_page(html_page(body), "https://www.example.fr/p")
    assert PROSE in texts_of(page)
    assert LATER in texts_of(page)
    assert "Météo à Paris" not in texts_of(page)


def test_prose_written_straight_into_a_div_counts() -> None:
    body = f"<div class='text'>{PROSE}<br><br>{LATER}</div>"
    page = read_page(html_page(body), "https://www.example.fr/p")
    assert page.failure is None
    assert squash(PROSE) in squash(texts_of(page))


@pytest.mark.parametrize(
    "chrome",
    [
        "<p>Publié le 02/11/23 à 16h33</p>",
        "<p>0 commentaire 0 partage</p>",
        "<p>Temps de lecture : 4 min</p>",
        "<h2>Articles liés</h2>",
        "<p>Par Marie Martin / Le 17/02/2020</p>",
        "<p>Tags : Santé, alimentation</p>",
        "<div class='toolbar'><span>Partager sur Facebook</span></div>",
        "<aside><p>Notre offre de rentrée : tous nos articles, nos newsletters et le journal du"
        " jour en numérique pour un euro par mois pendant six mois.</p></aside>",
        "<div class='bloc-recommande'><p>Notre sélection pour vous ce matin</p></div>",
        "<p>Lire aussi : <a href='/b'>Le budget de l'an dernier déjà contesté par les élus</a></p>",
        "<ul><li><a href='/1'>Premier sujet</a></li><li><a href='/2'>Deuxième sujet</a></li></ul>",
        "<div class='list'>"
        + "<div class='post'><a href='/t'>Titre d'un autre article</a> Un résumé court.</div>" * 3
        + "</div>",
    ],
)
def test_the_page_chrome_inside_the_article_is_removed(chrome: str) -> None:
    body = f"<article><p>{PROSE}</p>{chrome}<p>{LATER}</p></article>"
    page = read_page(html_page(body), "https://www.example.fr/p")
    text = texts_of(page)
    assert PROSE in text
    assert LATER in text
    chrome_text = LexborHTMLParser(chrome).body.text(separator=" ")  # type: ignore[union-attr]
    assert squash(chrome_text) not in squash(text)


def test_structure_is_kept_for_the_passage_pipeline() -> None:
    body = (
        f"<article><h2>Le vote</h2><p>{PROSE}</p><p><strong>Pourquoi ce budget ?</strong></p>"
        f"<p>{LATER}</p><blockquote><p>« Une hausse injuste. »</p></blockquote>"
        "<ul><li>Cantines : plus 4 %</li><li>Écoles : plus 2 %</li></ul></article>"
    )
    page = read_page(html_page(body), "https://www.example.fr/p")
    assert page.body_html is not None
    for tag in ("<h2>", "<strong>", "<blockquote>", "<ul>"):
        assert tag in page.body_html
    assert page.article is not None
    kinds = {block.kind for block in page.article.blocks}
    assert {"heading", "paragraph", "quote", "list"} <= kinds
    assert any(block.bold for block in page.article.blocks)


def test_a_page_interview_goes_through_the_feed_pipeline() -> None:
    questions = ["Comment ce budget a-t-il été bâti ?", "Que répondez-vous à l'opposition ?"]
    body = "<article>" + "".join(
        f"<p><strong>{q}</strong></p><p>{PROSE if i == 0 else LATER}</p>"
        for i, q in enumerate(questions)
    )
    page = read_page(html_page(body + "</article>"), "https://www.example.fr/p")
    passages, _ = page_passages(page, "Entretien avec Anne Durand, maire")
    answers = [p for p in passages if p.kind == "answer"]
    assert [p.kind for p in passages if p.kind == "question"] == ["question", "question"]
    assert {p.speaker for p in answers} == {"Anne Durand"}


OEUVRE = "L'Œuvre de la ville coûte 5 € par habitant et par an, selon le rapport présenté mardi."


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (
            f'<html><head><meta charset="iso-8859-15"></head><body><article><p>{OEUVRE}</p>'
            "</article></body></html>".encode("iso-8859-15"),
            "text/html",
        ),
        (html_page(article(OEUVRE)).decode().encode("cp1252"), "text/html; charset=windows-1252"),
        (html_page(article(OEUVRE)), None),
    ],
)
def test_the_page_is_decoded_by_its_charset(data: bytes, content_type: str | None) -> None:
    page = read_page(data, "https://www.example.fr/p", content_type=content_type)
    assert OEUVRE in texts_of(page)


def test_open_graph_written_with_value_instead_of_content() -> None:
    # Radio-Canada and Le Monde pages archived by postlight/parser write `value=`.
    head = '<meta name="og:image" value="https://images.example.fr/a.jpg">'
    page = read_page(html_page(article(PROSE), head), "https://www.example.fr/p")
    assert page.image == "https://images.example.fr/a.jpg"


def test_a_page_nested_deeper_than_any_real_one_is_unreadable() -> None:
    # 20,000 nested <div> around one paragraph: reading it would cost the square of its size.
    body = "<div>" * 20_000 + f"<p>{PROSE}</p>" + "</div>" * 20_000
    assert read_page(html_page(body), "https://www.example.fr/p").failure == "unreadable"
    shallow = "<div>" * 100 + f"<p>{PROSE}</p>" + "</div>" * 100
    assert PROSE in texts_of(read_page(html_page(shallow), "https://www.example.fr/p"))
