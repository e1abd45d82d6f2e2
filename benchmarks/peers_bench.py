"""Search peers on search_bench's corpus and queries: Tantivy (PyPI `tantivy`) beside this
tree's engine, in the same run.

Tantivy indexes each post as one document (title, and every passage as the body), the text
accent-folded by our own `normalize` (Tantivy's default tokenizer then splits and
lowercases), title boosted 2×; a query is normalized the same way, its stop words and
filler dropped as ours are, and parsed as a disjunction (BM25) with fuzzy terms (one edit,
transpositions counting one) on both fields. recall@5 per kind (terse, sentence), p50/p95,
build time, resident memory after the build (this process: Tantivy's index in memory and
the corpus; the engine's figures are search_bench's, in processes of their own). Quotes
are passage-level and are left to search_bench.

    .venv/bin/python benchmarks/peers_bench.py [--size 100000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import tantivy  # noqa: E402
from search_bench import RANDOM_SEED, build_corpus, memory_mb, pct  # noqa: E402

from bot.search import SearchIndex  # noqa: E402
from bot.search.query import parse_query  # noqa: E402


def tantivy_query(text: str) -> str:
    """The query's words as ours keeps them (filler and stop words out), quoted terms."""
    parsed = parse_query(text)
    return " ".join(w for w in parsed.terms if w.isalnum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    posts, queries, passages = build_corpus(args.size, 60, RANDOM_SEED + args.size)
    asked = [q for q in queries if q.kind in ("terse", "sentence") and q.target >= 0]
    print(f"{passages:,} passages in {len(posts):,} posts; {len(asked)} queries")
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        before = memory_mb()["VmRSS"]
        t = time.perf_counter()
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("post_id", stored=True, indexed=True)
        builder.add_text_field("title")
        builder.add_text_field("body")
        schema = builder.build()
        index = tantivy.Index(schema, path=tmp)
        writer = index.writer(heap_size=200_000_000)
        for p in posts:
            writer.add_document(
                tantivy.Document(
                    post_id=p.post_id,
                    title=p.title_norm,
                    body="\n".join(x.norm for x in p.passages),
                )
            )
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        build_s = time.perf_counter() - t
        searcher = index.searcher()
        rss = memory_mb()["VmRSS"] - before
        fuzzy = {"title": (False, 1, True), "body": (False, 1, True)}
        lat: list[float] = []
        found: dict[str, list[bool]] = {"terse": [], "sentence": []}
        for q in asked:
            words = tantivy_query(q.text)
            t = time.perf_counter()
            hits = []
            if words:
                parsed = index.parse_query(
                    words, ["title", "body"], field_boosts={"title": 2.0}, fuzzy_fields=fuzzy
                )
                result = searcher.search(parsed, 5)
                hits = [searcher.doc(address)["post_id"][0] for _, address in result.hits]
            lat.append((time.perf_counter() - t) * 1000)
            found[q.kind].append(q.target in hits)
        rows["tantivy"] = (build_s, rss, lat, found)

    ours_path = Path(tempfile.mkdtemp()) / "ours.index"
    before = memory_mb()["VmRSS"]
    t = time.perf_counter()
    ours = SearchIndex.build(posts, path=ours_path)
    build_s = time.perf_counter() - t
    rss = memory_mb()["VmRSS"] - before
    lat = []
    found = {"terse": [], "sentence": []}
    for q in asked:
        ours._terms.clear()
        t = time.perf_counter()
        hits = [h.post_id for h in ours.search(q.text, limit=5).hits]
        lat.append((time.perf_counter() - t) * 1000)
        found[q.kind].append(q.target in hits)
    rows["this tree"] = (build_s, rss, lat, found)
    ours.close()
    for leftover in ours_path.parent.glob("*"):
        leftover.unlink()

    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    head = ("engine", "build s", "+RSS MB", "p50 ms", "p95 ms", "terse", "sentence")
    print(" | ".join(f"{h:>10}" for h in head))
    for name, (build_s, rss, lat, found) in rows.items():
        recall = {k: sum(v) / max(1, len(v)) for k, v in found.items()}
        cells: tuple[str, ...] = (name, f"{build_s:.1f}", f"{rss:.0f}", f"{pct(lat, 0.5):.1f}")
        cells += (f"{pct(lat, 0.95):.1f}", f"{recall['terse']:.3f}", f"{recall['sentence']:.3f}")
        print(" | ".join(f"{c:>10}" for c in cells))


if __name__ == "__main__":
    main()
