"""Real-feed parsing speed: posts per second over tests/data/real, with and without cleaning.

Each round parses every feed of the corpus twice, once as the loader does (boilerplate,
captions and trailers removed, lead image found) and once with `clean=False` (the same
parser keeping every piece of text): the baseline, measured in the same run and interleaved
with the measured side so that a busy machine slows both alike. The median round counts.

    .venv/bin/python benchmarks/real_feeds_bench.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.ingest.feeds import parse_feed  # noqa: E402

REAL = ROOT / "tests" / "data" / "real"
PARIS = ZoneInfo("Europe/Paris")


def corpus() -> list[bytes]:
    """The bytes of every real feed (not the OPML lists)."""
    suffixes = (".xml", ".rss", ".atom", ".rdf")
    return [p.read_bytes() for p in sorted(REAL.iterdir()) if p.suffix in suffixes]


def parse_all(feeds: list[bytes], *, clean: bool) -> tuple[int, float]:
    """Posts parsed and seconds taken for one pass over the corpus."""
    start = time.perf_counter()
    posts = sum(len(parse_feed(data, tz=PARIS, clean=clean).posts) for data in feeds)
    return posts, time.perf_counter() - start


def report(rounds: int = 7) -> None:
    """Print posts/s with cleaning against the parser without cleaning."""
    feeds = corpus()
    parse_all(feeds, clean=True)  # warm caches and imports once
    cleaned, raw = [], []
    posts = 0
    for _ in range(max(1, rounds)):
        posts, seconds = parse_all(feeds, clean=True)
        cleaned.append(seconds)
        _, seconds = parse_all(feeds, clean=False)
        raw.append(seconds)
    with_s, without_s = statistics.median(cleaned), statistics.median(raw)
    print(f"real feeds: {len(feeds)} files, {posts} posts, median of {len(cleaned)} rounds")
    print(f"  parser without cleaning: {without_s:6.3f} s  ({posts / without_s:,.0f} posts/s)")
    print(f"  with cleaning (loader):  {with_s:6.3f} s  ({posts / with_s:,.0f} posts/s)")
    print(f"  cleaning costs {100 * (with_s / without_s - 1):+.0f}% of the parse time")


def main() -> None:
    """Parse the corpus and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    report(parser.parse_args().rounds)


if __name__ == "__main__":
    main()
