"""Boilerplate removal on the real-feed corpus: Relais's rules against trafilatura.

For every entry body of tests/data/real (the one the feed parser reads), three extractions:
none (every piece of text), Relais's `read_article`, and trafilatura's `extract` (precision
mode, comments off). Each is scored against the hand-written expectations of the corpus
(`*.expect.json`): boilerplate strings that must be gone ("absent") and article strings that
must stay ("present", "contains", "passages_include"), plus the time for a whole pass.

trafilatura is not a dependency of Relais (this script is how it was judged); run it with

    pip install trafilatura lxml_html_clean && python benchmarks/cleaning_compare.py
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import feedparser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.ingest.article import read_article  # noqa: E402

REAL = ROOT / "tests" / "data" / "real"
_SPACES = re.compile(r"\s+")


def bodies() -> dict[str, list[tuple[str, str | None]]]:
    """Per feed, the (HTML, base) of each entry: its content, else its summary."""
    out = {}
    for expect in sorted(REAL.glob("*.expect.json")):
        name = expect.name.removesuffix(".expect.json")
        parsed = feedparser.parse(str(REAL / name), sanitize_html=False)
        items = []
        for entry in parsed.entries:
            content = (entry.get("content") or [{}])[0]
            # As the parser does: a media:description filed as content is a caption.
            caption = content.get("type") == "text/plain" and entry.get("media_content")
            html = "" if caption else content.get("value") or ""
            items.append((html or entry.get("summary") or "", entry.get("link")))
        out[name] = items
    return out


def relais(html: str, base: str | None, *, clean: bool = True) -> str:
    return "\n".join(b.text for b in read_article(html, "text/html", base, clean=clean).blocks)


def trafilatura_text(html: str, base: str | None) -> str:
    import trafilatura

    page = f"<html><body><article>{html}</article></body></html>"
    text = trafilatura.extract(page, favor_precision=True, include_comments=False) or ""
    # Its list items come as "- item" lines: the items are what is compared.
    return re.sub(r"(?m)^- ", "", text)


Extract = Callable[[str, str | None], str]


def score(extract: Extract, feeds: dict) -> tuple[int, int, int, int, float]:
    """(boilerplate kept, boilerplate checked, article kept, article checked, seconds)."""
    start = time.perf_counter()
    texts = {name: [extract(html, base) for html, base in items] for name, items in feeds.items()}
    seconds = time.perf_counter() - start
    kept_bad = bad = kept_good = good = 0
    for name, outputs in texts.items():
        expect = json.loads((REAL / f"{name}.expect.json").read_text(encoding="utf-8"))
        whole = _SPACES.sub(" ", "\n".join(outputs))
        gone = [*expect.get("absent", []), *expect.get("absent_passages", [])]
        stay = list(expect.get("present", []))
        for entry in expect.get("entries", {}).values():
            stay += entry.get("contains", []) + entry.get("passages_include", [])
        for text in gone:
            bad += 1
            # A whole-passage trailer counts when it stands as a line of its own.
            lines = {line.strip() for out in outputs for line in out.split("\n")}
            kept_bad += (
                text in lines
                if text in expect.get("absent_passages", [])
                else (_SPACES.sub(" ", text) in whole)
            )
        for text in stay:
            good += 1
            kept_good += _SPACES.sub(" ", text) in whole
    return kept_bad, bad, kept_good, good, seconds


def main() -> None:
    """Print the table."""
    feeds = bodies()
    entries = sum(len(items) for items in feeds.values())
    print(f"{len(feeds)} feeds, {entries} entry bodies")
    header = f"{'extraction':<22} {'boilerplate kept':>17} {'article kept':>13}"
    print(f"{header} {'time (median of 3)':>19}")
    candidates: list[tuple[str, Extract]] = [
        ("none (all text)", lambda html, base: relais(html, base, clean=False)),
        ("relais rules", relais),
    ]
    try:
        import trafilatura  # noqa: F401

        candidates.append(("trafilatura 2 precision", trafilatura_text))
    except ImportError:
        print("(trafilatura not installed: pip install trafilatura lxml_html_clean)")
    for label, extract in candidates:
        runs = [score(extract, feeds) for _ in range(3)]
        kept_bad, bad, kept_good, good, _ = runs[0]
        seconds = statistics.median(run[4] for run in runs)
        print(
            f"{label:<22} {kept_bad:>8} of {bad:<6} {kept_good:>6} of {good:<4} "
            f"{seconds:>10.3f} s ({1000 * seconds / entries:.2f} ms/entry)"
        )


if __name__ == "__main__":
    main()
