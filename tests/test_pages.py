"""Article pages (tests/data/pages, see PROVENANCE.md) read as a reader would want them.

Each real page has a sibling `*.expect.json` written by hand from the page: sentences of the
article that must stay (its beginning, middle and end), lines of the page's chrome that must go
(menus, related links, comments, newsletter and share boxes, cookie banners, subscriber walls),
the paywall mark, the lead image, and the interview's turns where there is one. A line still
kept (or a sentence still lost) on a page the rules were not written on is listed in the page's
`known` with why, and the test holds that list true. Then one test per rule, on small pages.
"""

from __future__ import annotations

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
