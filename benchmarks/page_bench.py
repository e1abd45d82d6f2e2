"""Article-page extraction on the page corpus: sentences kept, boilerplate left, ms per page.

Every page of tests/data/pages is read by each extractor, whose output then goes through the
same article pipeline (`read_article` + `split_passages`, as feed content does), and is scored
against the page's hand-written `*.expect.json`: the article sentences it must keep, the
boilerplate lines (menus, related links, comments, subscriber walls…) it must drop, the
paywall mark and the lead image. Relais's own extractor (`bot.ingest.page.read_page`) is
compared with trafilatura and readability-lxml (the `dev` extra) and with no extraction at
all (the whole page through the article pipeline), in one run; pages the rules were not
written on (`held_out` in their expectation) are scored apart too. Then pages extracted per
second, median of a few rounds over the whole corpus.

    .venv/bin/python benchmarks/page_bench.py [--rounds 5] [--pages]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.ingest.article import read_article  # noqa: E402
from bot.ingest.page import page_passages, read_page  # noqa: E402
from bot.ingest.passages import split_passages  # noqa: E402
from bot.text import normalize  # noqa: E402

PAGES = ROOT / "tests" / "data" / "pages"
_NOT_WORD = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class Output:
    """What an extractor made of a page: its passages' texts, paywall mark and lead image."""

    texts: list[str]
    paywalled: bool | None = None
    image: str | None = None


@dataclass
class Score:
    """Totals of one extractor over some pages."""

    kept: int = 0
    present: int = 0
    left: int = 0
    absent: int = 0
    walls: int = 0
    walled: int = 0
    images: int = 0
    seconds: list[float] = field(default_factory=list)


def squash(text: str) -> str:
    """Text folded and stripped of spaces and punctuation, so that layout never counts."""
    return _NOT_WORD.sub("", normalize(text))


def relais(data: bytes, url: str) -> Output:
    page = read_page(data, url, content_type="text/html")
    passages, _ = page_passages(page)
    return Output([p.text for p in passages], page.paywalled, page.image)


def through_pipeline(html: str | None, url: str) -> Output:
    """An extractor's HTML cut into passages as feed content is."""
    article = read_article(html, "text/html", url)
    passages, _ = split_passages(list(article.blocks))
    return Output([p.text for p in passages])


def trafilatura_html(data: bytes, url: str) -> Output:
    import trafilatura

    html = trafilatura.extract(data, url=url, output_format="html", include_comments=False)
    return through_pipeline(html, url)


def readability_html(data: bytes, url: str) -> Output:
    from readability import Document

    return through_pipeline(Document(data, url=url).summary(html_partial=True), url)


def whole_page(data: bytes, url: str) -> Output:
    return through_pipeline(data.decode("utf-8", "replace"), url)


EXTRACTORS: dict[str, Callable[[bytes, str], Output]] = {
    "relais (selectolax rules)": relais,
    "trafilatura": trafilatura_html,
    "readability-lxml": readability_html,
    "no extraction (whole page)": whole_page,
}


def corpus() -> list[tuple[str, bytes, dict]]:
    """(name, bytes, expectation) of every page."""
    pages = []
    for path in sorted(PAGES.glob("*.expect.json")):
        name = path.name.removesuffix(".expect.json")
        pages.append((name, (PAGES / f"{name}.html").read_bytes(), json.loads(path.read_text())))
    return pages


def score(out: Output, expect: dict, total: Score, misses: list[str]) -> None:
    """Add one page's figures to `total`; what it got wrong goes to `misses`."""
    text = "\n".join(squash(t) for t in out.texts)
    for sentence in expect["present"]:
        total.present += 1
        if squash(sentence) in text:
            total.kept += 1
        else:
            misses.append(f"lost: {sentence[:70]}")
    for line in expect["absent"]:
        total.absent += 1
        if squash(line) in text:
            total.left += 1
            misses.append(f"left: {line[:70]}")
    if out.paywalled is not None:
        total.walls += expect["paywalled"]
        total.walled += out.paywalled == expect["paywalled"]
        total.images += out.image == expect["image"]


def report(rounds: int, per_page: bool) -> None:
    """Print the comparison table, then pages/s."""
    pages = corpus()
    held = sum(e.get("held_out", False) for _, _, e in pages)
    print(f"page corpus: {len(pages)} pages ({held} held out from rule-writing)")
    header = f"{'extractor':28} {'sentences kept':>16} {'boilerplate left':>17} {'ms/page':>8}"
    print(header)
    details: dict[str, list[str]] = {}
    for name, extract in EXTRACTORS.items():
        scores = {"all": Score(), "held out": Score()}
        for page, data, expect in pages:
            misses: list[str] = []
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    out = extract(data, expect["url"])
                except Exception as exc:  # an extractor that fails on a page scores nothing
                    out = Output([])
                    misses.append(f"failed: {type(exc).__name__}")
            seconds = time.perf_counter() - start
            for key in ("all", "held out") if expect.get("held_out") else ("all",):
                score(out, expect, scores[key], misses if key == "all" else [])
                scores[key].seconds.append(seconds)
            details.setdefault(name, []).extend(f"  {page}: {miss}" for miss in misses)
        for key, s in scores.items():
            label = name if key == "all" else "  (held out)"
            ms = 1000 * statistics.mean(s.seconds) if s.seconds else 0.0
            kept = f"{s.kept}/{s.present} {100 * s.kept / max(s.present, 1):3.0f}%"
            left = f"{s.left}/{s.absent} {100 * s.left / max(s.absent, 1):3.0f}%"
            print(f"{label:28} {kept:>16} {left:>17} {ms:8.1f}")
        total = scores["all"]
        if name.startswith("relais"):
            print(
                f"{'':28} paywall mark right on {total.walled}/{len(pages)} pages,"
                f" lead image right on {total.images}/{len(pages)}"
            )
    if per_page:
        for name, lines in details.items():
            print(f"\n{name}:")
            print("\n".join(lines) or "  nothing wrong")
    speed(pages, rounds)


def speed(pages: list[tuple[str, bytes, dict]], rounds: int) -> None:
    """Pages per second of Relais's extractor, against trafilatura, median of `rounds`."""
    print(f"\nspeed over the whole corpus, median of {rounds} rounds:")
    for name in ("relais (selectolax rules)", "trafilatura"):
        extract = EXTRACTORS[name]
        times = []
        for _ in range(max(1, rounds)):
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for _, data, expect in pages:
                    extract(data, expect["url"])
            times.append(time.perf_counter() - start)
        seconds = statistics.median(times)
        print(f"  {name:28} {len(pages) / seconds:8.1f} pages/s")


def main() -> None:
    """Score every extractor on the corpus and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pages", action="store_true", help="list each page's misses")
    args = parser.parse_args()
    report(args.rounds, args.pages)


if __name__ == "__main__":
    main()
