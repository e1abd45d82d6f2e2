"""`python -m bot search` as a process of its own, on a database of search_bench's corpus
(issue 18: at 1M passages a CLI search answered its first query in 170–350 ms).

This tree's code and main's (where this branch left it, extracted from git) alternate.
The corpus goes into a SQLite file through the loader's path; one `python -m bot search`
builds the index file (as the first search after loading does). Then, `--runs` times each,
fresh processes: the whole command timed from outside (start to exit); and a probe that
times its phases from the process's start: importing `bot.__main__`, opening the store
and the index (`Searcher.start`), the first query, a second one; and the modules loaded.

    .venv/bin/python benchmarks/cli_search_bench.py [--sizes 100000,1000000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from search_bench import RANDOM_SEED, _git, build_corpus, extract, fill_store  # noqa: E402

QUERIES = ("travail du clic", "intelligence artificielle", "arcom")
PROBE = """
import time, sys, json
started = float(sys.argv[1])
t = time.time()
import bot.__main__
import asyncio
from bot.config import Settings
from bot.search import Searcher
from bot.store import Store
imported = time.time()

async def ask():
    settings = Settings.from_env().with_database(sys.argv[2])
    async with Store.open(settings.database) as store:
        searcher = Searcher(store, settings.index_path, tz=settings.tz)
        await searcher.start()
        opened = time.time()
        first = await searcher.search(sys.argv[3], limit=5)
        answered = time.time()
        await searcher.search(sys.argv[4], limit=5)
        second = time.time() - answered
        await searcher.close()
    return opened, answered, second, len(first.hits)

opened, answered, second, hits = asyncio.run(ask())
print(json.dumps({
    "to_import_ms": (t - started) * 1000, "import_ms": (imported - t) * 1000,
    "open_ms": (opened - imported) * 1000, "first_ms": (answered - opened) * 1000,
    "second_ms": second * 1000, "start_to_answer_ms": (answered - started) * 1000,
    "hits": hits, "modules": len(sys.modules),
}))
"""


def run_cli(db: Path, query: str, tree: Path) -> float:
    """Milliseconds of one whole `python -m bot search` process of `tree`'s code."""
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "search", query, "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tree,
    )
    took = (time.perf_counter() - t) * 1000
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return took


def probe(db: Path, first: str, second: str, tree: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, repr(time.time()), str(db), first, second],
        capture_output=True,
        text=True,
        check=False,
        cwd=tree,  # `-c` and `-m` put the working directory first on the path
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_size(size: int, runs: int, tmp: Path, trees: dict[str, Path]) -> None:
    posts, _, passages = build_corpus(size, 60, RANDOM_SEED + size)
    db = tmp / f"cli{size}.sqlite3"
    stored = fill_store(posts, db)
    del posts
    t = time.perf_counter()
    run_cli(db, "travail", ROOT)  # builds the index file, as the first search after a load
    print(
        f"\n=== {passages:,} passages: stored in {stored:.0f} s; the first search built the "
        f"index in {time.perf_counter() - t:.1f} s (whole process)",
        flush=True,
    )
    whole: dict[str, list[float]] = {name: [] for name in trees}
    probes: dict[str, list[dict]] = {name: [] for name in trees}
    for i in range(runs):  # the trees alternate: the machine is shared
        first, second = QUERIES[i % len(QUERIES)], QUERIES[(i + 1) % len(QUERIES)]
        for name, tree in trees.items():
            whole[name].append(run_cli(db, first, tree))
            probes[name].append(probe(db, first, second, tree))
    keys = ("to_import_ms", "import_ms", "open_ms", "first_ms", "second_ms", "start_to_answer_ms")
    print(f" medians of {runs} fresh processes each (ms):")
    print("   " + " | ".join(("tree", "whole", *keys, "modules")))
    for name in trees:
        cells = [name, f"{statistics.median(whole[name]):.0f}"]
        cells += [f"{statistics.median(p[k] for p in probes[name]):.1f}" for k in keys]
        cells.append(str(probes[name][0]["modules"]))
        print("   " + " | ".join(cells), flush=True)
        print(f"     whole runs: {', '.join(f'{x:.0f}' for x in whole[name])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000", help="passage counts, comma separated")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per figure")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        trees = {"this tree": ROOT, "main": extract(_git("merge-base", "HEAD", "main"), tmp)}
        for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
            run_size(size, args.runs, tmp, trees)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
