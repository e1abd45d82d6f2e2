"""Search peers beside this tree's engine, on search_bench's corpus and queries, in one run:
Tantivy per post and per passage (benchmarks/peers_tantivy.py), PostgreSQL's full-text
search as written (`and`), any word (`or`) and with pg_trgm for typos (`trgm`) on the
embedded server the tests use (benchmarks/peers_pg.py).

recall@5 per kind of query: terse and sentence (the post must be among the first five),
quote (the passage must be among the first five passages; per-post Tantivy has none).
p50/p95 over the terse and sentence queries, p95 of the quotes apart; build time; memory:
for the engines in this process, resident memory added by the build and the queries
(VmRSS, the corpus excluded); for PostgreSQL, the server's own (PSS summed over its
processes, from /proc: shared_buffers counted once) after the queries, its idle figure
and the tables' size on disk printed above the table.

    .venv/bin/python benchmarks/peers_bench.py [--sizes 100000,1000000] [--pg-sample 10]
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import peers_tantivy  # noqa: E402
from peers_pg import run_pg  # noqa: E402
from search_bench import (  # noqa: E402
    RANDOM_SEED,
    Query,
    build_corpus,
    forget_terms,
    memory_mb,
    pct,
)

from bot.models import IndexedPost  # noqa: E402
from bot.search import SearchIndex  # noqa: E402
from tests.postgres_server import TestPostgres  # noqa: E402

KINDS = ("terse", "sentence", "quote")


def ours(posts: list[IndexedPost], asked: list[Query], tmp: Path) -> dict:
    """This tree's engine: built to a file, opened, every query asked once."""
    gc.collect()
    before = memory_mb()["VmRSS"]
    t = time.perf_counter()
    index = SearchIndex.build(posts, path=tmp / "ours.index")
    build_s = time.perf_counter() - t
    lat: list[float] = []
    answers: list[list] = []
    for q in asked:
        forget_terms(index)  # repeated words must not flatter the figures
        t = time.perf_counter()
        hits: list
        if q.kind == "quote":
            hits = [(h.post_id, h.text) for h in index.quote(q.text, limit=5).hits]
        else:
            hits = [h.post_id for h in index.search(q.text, limit=5).hits]
        lat.append((time.perf_counter() - t) * 1000)
        answers.append(hits)
    memory = memory_mb()["VmRSS"] - before
    index.close()
    return {"build_s": build_s, "memory_mb": memory, "lat": lat, "answers": answers}


def tantivy_row(posts: list[IndexedPost], asked: list[Query], folder: Path, per: str) -> dict:
    """Tantivy per post or per passage, in this process."""
    folder.mkdir()
    gc.collect()
    before = memory_mb()["VmRSS"]
    t = time.perf_counter()
    if per == "post":
        index = peers_tantivy.build_per_post(posts, folder)
        questions = [(q.text, False) for q in asked if q.kind != "quote"]
    else:
        index = peers_tantivy.build_per_passage(posts, folder)
        questions = [(q.text, q.kind == "quote") for q in asked]
    build_s = time.perf_counter() - t

    def ask(text: str, quote: bool) -> list[int]:
        if per == "post":
            return peers_tantivy.ask_per_post(index, text)
        return peers_tantivy.ask_per_passage(index, text, quote=quote)

    lat, answers = peers_tantivy.timed(ask, questions)
    memory = memory_mb()["VmRSS"] - before
    shutil.rmtree(folder)
    return {"build_s": build_s, "memory_mb": memory, "lat": lat, "answers": answers}


def recall(asked: list[Query], answers: list, texts: dict[int, str]) -> dict[str, list[bool]]:
    """Whether each query found its post (or, for a quote, its passage), by kind."""
    found: dict[str, list[bool]] = {k: [] for k in KINDS}
    for q, hits in zip(asked, answers, strict=True):
        if q.kind == "quote":
            # Ours answers (post id, text); the peers answer passage ids.
            given = [h[1] if isinstance(h, tuple) else texts.get(h) for h in hits]
            found["quote"].append(q.passage in given)
        else:
            found[q.kind].append(q.target in hits)
    return found


def table_row(
    passages: str, engine: str, run: dict, mine: list[Query], texts: dict[int, str], sampled: bool
) -> tuple[str, ...]:
    """One engine's cells, printed at once too (a long run keeps what it measured)."""
    found = recall(mine, run["answers"], texts)
    searches = [x for q, x in zip(mine, run["lat"], strict=True) if q.kind != "quote"]
    quotes = [x for q, x in zip(mine, run["lat"], strict=True) if q.kind == "quote"]
    cells = [passages, engine, f"{run['build_s']:.1f}", f"{run['memory_mb']:.0f}"]
    cells += [f"{pct(searches, 0.5):.1f}", f"{pct(searches, 0.95):.1f}"]
    cells.append(f"{pct(quotes, 0.95):.1f}" if quotes else "-")
    cells += [
        (f"{sum(v) / len(v):.3f}" + (f" of {len(v)}" if sampled else "")) if v else "-"
        for v in found.values()
    ]
    print("  row: " + " | ".join(cells), flush=True)
    return tuple(cells)


def run_size(size: int, pg_sample: int) -> list[tuple]:
    t = time.perf_counter()
    posts, queries, passages = build_corpus(size, 60, RANDOM_SEED + size)
    asked = [q for q in queries if q.kind in KINDS and q.target >= 0]
    texts = {x.passage_id: x.text for p in posts for x in p.passages}
    print(
        f"\n=== {passages:,} passages in {len(posts):,} posts; {len(asked)} queries "
        f"(generated in {time.perf_counter() - t:.0f} s)",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        no_quote = [q for q in asked if q.kind != "quote"]
        runs = {"this tree": ours(posts, asked, tmp)}
        table_row(f"{passages:,}", "this tree", runs["this tree"], asked, texts, False)
        runs["tantivy/post"] = tantivy_row(posts, asked, tmp / "tantivy-post", "post")
        table_row(f"{passages:,}", "tantivy/post", runs["tantivy/post"], no_quote, texts, False)
        run = tantivy_row(posts, asked, tmp / "tantivy-passage", "passage")
        runs["tantivy/passage"] = run
        table_row(f"{passages:,}", "tantivy/passage", run, asked, texts, False)
    server = TestPostgres()
    try:
        url = server.new_database(migrated=False)
        # At 1M an any-word query ranks every post holding a common word (seconds each):
        # --pg-sample asks PostgreSQL about N queries of each kind only, evenly spread.
        pg_asked = []
        for kind in KINDS:
            of_kind = [q for q in asked if q.kind == kind]
            pg_asked += of_kind[:: -(-len(of_kind) // pg_sample)]  # evenly spread
        questions = [(q.text, q.kind == "quote") for q in pg_asked]
        pg = run_pg(url, Path(server._server.pgdata), posts, questions)
    finally:
        server.stop()
    built = pg["build"]
    rss, pss = pg["memory"]
    idle_rss, idle_pss = pg["memory_idle"]
    print(
        f" postgres: rows copied in {built['load_s']:.1f} s, GIN index by "
        f"{built['fts_s']:.1f} s, trigram word table by {built['trgm_s']:.1f} s; tables "
        f"{built['disk_mb']:.0f} MB on disk; server PSS {idle_pss:.0f} MB idle, {pss:.0f} MB "
        f"after the queries (RSS summed {idle_rss:.0f} / {rss:.0f} MB)",
        flush=True,
    )
    for mode in ("and", "or", "trgm"):
        lat, answers = pg[mode]
        runs[f"pg fts {mode}"] = {
            "build_s": built["trgm_s"] if mode == "trgm" else built["fts_s"],
            "memory_mb": pss,
            "lat": lat,
            "answers": answers,
        }
    rows: list[tuple] = []
    for engine, run in runs.items():
        if engine.startswith("pg"):
            sampled = len(pg_asked) < len(asked)
            rows.append(table_row(f"{passages:,}", engine, run, pg_asked, texts, sampled))
        else:
            mine = no_quote if engine == "tantivy/post" else asked
            rows.append(table_row(f"{passages:,}", engine, run, mine, texts, False))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000", help="passage counts, comma separated")
    parser.add_argument(
        "--pg-sample", type=int, default=1000, help="PostgreSQL: about N queries a kind"
    )
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    rows = []
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        rows += run_size(size, args.pg_sample)
    print(f"load average at the end {os.getloadavg()[0]:.1f}\n")
    head: tuple[str, ...] = ("passages", "engine", "build s", "mem MB", "p50 ms", "p95 ms")
    head += ("quote p95",)
    head += KINDS
    print(" | ".join(f"{h:>15}" for h in head))
    for row in rows:
        print(" | ".join(f"{c:>15}" for c in row))


if __name__ == "__main__":
    main()
