"""Ingest benchmark: passages per second for `python -m bot load dump.txt`, a whole process.

Generates (from a fixed seed) a dump of at least 100,000 passages in the seed's format
(interviews and articles, seed-like passages of ~650 characters) and times, as separate
processes from start to exit, each into a fresh database:

- `load`: `python -m bot load dump.txt` as users run it;
- `floor`: the baseline, a process that reads the dump and inserts its non-empty lines
  into a table with plain sqlite3 (no parsing, no normalization): what any loader pays.

They run in turn, `--repeat` times; the machine is shared, so medians are reported
with the spread of the runs. Then the real-feed corpus (real_feeds_bench.py): posts/s with
the boilerplate cleaning, against the parser without it.

    .venv/bin/python benchmarks/ingest_bench.py [--passages 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import real_feeds_bench  # noqa: E402  (beside this script)

SEED = ROOT / "seeds" / "000_caedc24fabec8c83.txt"
SOURCES = ["Numerama", "JournalDuGeek", "LeVentSeLeve", "Mediapart"]
NBSP = "\u00a0"


def _vocabulary() -> list[str]:
    text = SEED.read_text(encoding="utf-8")
    return re.findall(r"[\w’'-]+", text)


def _sentence(rng: random.Random, vocab: list[str], chars: int) -> str:
    out: list[str] = []
    size = 0
    while size < chars:
        word = rng.choice(vocab)
        out.append(word)
        size += len(word) + 1
    return " ".join(out).capitalize() + "."


def generate_dump(passages: int, seed: int = 42) -> tuple[str, int]:
    """A Movim dump with about `passages` passages: interviews and plain articles."""
    rng = random.Random(seed)
    vocab = _vocabulary()
    blocks: list[str] = []
    made = 0
    moment = datetime(2023, 1, 1, 8, 0, tzinfo=UTC)
    while made < passages:
        moment += timedelta(minutes=rng.randrange(5, 300))
        stamp = f"{moment:%A}, {moment.day} {moment:%B}, {moment.year} - {moment:%H:%M}"
        source = rng.choice(SOURCES)
        title = _sentence(rng, vocab, rng.randrange(40, 110))[:-1]
        lines = [
            "• chevron_right",
            "",
            f"  {title}",
            "",
            f"  news.movim.eu / {source} · {stamp}",
            "",
        ]
        if rng.random() < 0.5:
            lines += [f"{_sentence(rng, vocab, 400)}", ""]
            made += 1
            for _ in range(rng.randrange(4, 12)):
                lines += [f"LVSL{NBSP}: {_sentence(rng, vocab, rng.randrange(150, 400))}", ""]
                lines += [f"A. Casilli{NBSP}: {_sentence(rng, vocab, rng.randrange(300, 900))}", ""]
                made += 2
                if rng.random() < 0.3:
                    lines += [f"«{NBSP}{_sentence(rng, vocab, 150)}{NBSP}»", ""]
                    made += 1
        else:
            for _ in range(rng.randrange(3, 10)):
                lines += [_sentence(rng, vocab, rng.randrange(200, 900)), ""]
                made += 1
        blocks.append("\n".join("    " + line if line else "" for line in lines))
    return "\n".join(blocks) + "\n", made


# Read the dump and insert its non-empty lines with plain sqlite3 (argv: database, dump).
FLOOR = """
import sqlite3, sys
rows = [(line,) for line in open(sys.argv[2], encoding="utf-8") if line.strip()]
with sqlite3.connect(sys.argv[1]) as db:
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE lines (text TEXT)")
    db.executemany("INSERT INTO lines VALUES (?)", rows)
"""

VARIANTS = {
    "load": lambda db, dump: [sys.executable, "-m", "bot", "load", str(dump), "--db", str(db)],
    "floor": lambda db, dump: [sys.executable, "-c", FLOOR, str(db), str(dump)],
}


def run_once(command: list[str], db: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, its children included) of one process."""
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = os.times()
    if done.returncode != 0:
        raise SystemExit(f"{command[:4]} failed:\n{done.stderr}")
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall, cpu


def stored_passages(db: Path) -> int:
    with sqlite3.connect(db) as raw:
        return raw.execute("SELECT count(*) FROM passages").fetchone()[0]


def main() -> None:
    """Generate the dump, time each variant in turn, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each variant")
    args = parser.parse_args()

    dump, planned = generate_dump(args.passages)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in VARIANTS}
    with tempfile.TemporaryDirectory() as tmp:
        dump_path = Path(tmp) / "dump.txt"
        dump_path.write_text(dump, encoding="utf-8")
        print(f"dump: {len(dump) / 1e6:.1f} MB, {planned} passages planned, {os.cpu_count()} CPUs")
        stored = 0
        for _ in range(max(1, args.repeat)):
            for name, command in VARIANTS.items():
                db = Path(tmp) / f"{name}.sqlite3"
                times[name].append(run_once(command(db, dump_path), db))
                if name == "load":
                    stored = stored_passages(db)

    print(f"passages stored: {stored}")
    print("variant  median wall  (runs, s)                      CPU s   passages/s")
    rates = {}
    for name, runs in times.items():
        walls = [wall for wall, _ in runs]
        wall = statistics.median(walls)
        cpu = statistics.median(c for _, c in runs)
        rates[name] = stored / wall
        spread = ", ".join(f"{w:.2f}" for w in walls)
        print(f"{name:<8} {wall:8.2f} s   ({spread:<30}) {cpu:6.2f}  {rates[name]:>10,.0f}")
    rate = rates["load"]
    print(f"load takes {rates['floor'] / rates['load']:.1f}x the floor's time")
    print(f"RATE {rate:,.0f} passages/s (goal >= 20,000): {'PASS' if rate >= 20_000 else 'MISS'}")
    # The real-feed corpus: posts/s with the boilerplate cleaning, against the parser without.
    real_feeds_bench.report()


if __name__ == "__main__":
    main()
