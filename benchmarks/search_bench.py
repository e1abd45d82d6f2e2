"""Search benchmark: build, persist, load and query the index at 10k and 100k passages.

From a fixed seed, generates French-like passages (~650 characters) from the seed dump's
words plus synthetic words on a Zipf curve, plants the seed's posts inside, surrounds them
with near-miss decoys (most of a query's words, the words scattered, typo'd words), and asks
queries drawn from the planted passages with a typo each (plus plurals, reordering, accents
or their absence). Prints build, save and load times, memory, latency percentiles and
recall@5, and in the same run the brute-force baseline (rapidfuzz `process.extract` with
`partial_ratio` over every normalized passage) on the same queries.

    .venv/bin/python benchmarks/search_bench.py [--sizes 10000,100000] [--queries 60]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process  # noqa: E402

from bot.models import IndexedPassage, IndexedPost  # noqa: E402
from bot.search import SearchIndex  # noqa: E402
from bot.text import STOP_WORDS, normalize, normalize_with_offsets, word_spans  # noqa: E402

SEED = ROOT / "seeds" / "000_caedc24fabec8c83.txt"
SOURCES = ["Numerama", "JournalDuGeek", "LeVentSeLeve", "Mediapart", "Mathias Poujol-Rost"]
NBSP = "\u00a0"
RANDOM_SEED = 20240412
BASELINE_QUERIES_LARGE = 10  # brute force is ~1 s per query at 100k passages


@dataclass
class SeedPost:
    source: str
    title: str
    published: datetime | None
    passages: list[tuple[str, str | None, str]]  # (kind, speaker, text)


@dataclass
class Query:
    text: str
    target: int  # planted post_id
    how: str


# --------------------------------------------------------------------------- seed


def seed_posts() -> list[SeedPost]:
    """The seed's posts: through the real Movim parser when present, else a plain split."""
    text = SEED.read_text(encoding="utf-8")
    try:
        from zoneinfo import ZoneInfo

        from bot.ingest.movim import parse_movim

        parsed = parse_movim(text, tz=ZoneInfo("Europe/Paris"), today=date(2024, 6, 1))
        posts = [
            SeedPost(
                p.source, p.title, p.published, [(x.kind, x.speaker, x.text) for x in p.passages]
            )
            for p in parsed.posts
        ]
        if posts:
            return posts
    except ImportError:
        pass
    out = []
    for block in text.split("• chevron_right")[1:]:
        lines = [line.strip() for line in block.strip().splitlines()]
        paragraphs = [line for line in lines[1:] if line and "news.movim.eu" not in line]
        source = re.search(r"news\.movim\.eu / (\S+)", block)
        out.append(
            SeedPost(
                source[1] if source else "Seed",
                lines[0],
                None,
                [("paragraph", None, p) for p in paragraphs],
            )
        )
    return out


# --------------------------------------------------------------------------- vocabulary

_ONSETS = "b c d f g j l m n p r s t v bl br ch cl cr dr fl fr gl gr pl pr tr vr qu".split()
_VOWELS = "a e i o u é è ê â ou ai au eu oi an en in on".split()
_SUFFIXES = "tion ment eur euse ique isme iste able age ure ité oire ance ence er ir".split()


def synthetic_words(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """French-looking words, unique after normalization and distinct from `taken`."""
    out: list[str] = []
    seen = set(taken)
    while len(out) < count:
        parts = [rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.6:
            parts.append(rng.choice(_SUFFIXES))
        word = "".join(parts)
        key = normalize(word)
        if key in seen or len(key) < 3:
            continue
        seen.add(key)
        out.append(word)
    return out


class Vocabulary:
    """Words on a Zipf curve, each with its normalized form precomputed."""

    def __init__(self, rng: random.Random, synthetic: int) -> None:
        text = SEED.read_text(encoding="utf-8")
        counts: dict[str, int] = {}
        for w in re.findall(r"[^\W\d_]+", text):
            if len(w) > 1 or w.lower() in ("a", "à", "y"):
                counts[w.lower()] = counts.get(w.lower(), 0) + 1
        seeded = sorted(counts, key=lambda w: -counts[w])
        extra = synthetic_words(rng, synthetic, {normalize(w) for w in seeded})
        # Seed words first: the most frequent are the stop words, as in real French text.
        self.words = seeded + extra
        self.norms = [normalize(w) for w in self.words]
        weights = [1.0 / (rank + 2.7) ** 1.07 for rank in range(len(self.words))]
        total = 0.0
        self.cum: list[float] = []
        for w in weights:
            total += w
            self.cum.append(total)

    def draw(self, rng: random.Random, k: int) -> list[int]:
        return rng.choices(range(len(self.words)), cum_weights=self.cum, k=k)


def make_passage(rng: random.Random, vocab: Vocabulary, chars: int) -> tuple[str, str]:
    """(text, normalized text) of about `chars` characters of sentences.

    The normalized form is assembled from precomputed word norms: normalize() works one
    character at a time, so the norm of a concatenation is the concatenation of norms.
    """
    text: list[str] = []
    norm: list[str] = []
    size = 0
    ids = vocab.draw(rng, chars // 5 + 10)
    i = 0
    while size < chars and i < len(ids):
        n = rng.randint(6, 22)
        sentence_t: list[str] = []
        sentence_n: list[str] = []
        for j, wid in enumerate(ids[i : i + n]):
            w, wn = vocab.words[wid], vocab.norms[wid]
            if j == 0:
                w = w[:1].upper() + w[1:]
            r = rng.random()
            if r < 0.04 and j + 1 < n:
                sentence_t.append(w + "’" + vocab.words[ids[(i + j + 1) % len(ids)]])
                sentence_n.append(wn + "'" + vocab.norms[ids[(i + j + 1) % len(ids)]])
            elif r < 0.06:
                sentence_t.append(f"«{NBSP}{w}{NBSP}»")
                sentence_n.append(f'" {wn} "')
            elif r < 0.12:
                sentence_t.append(w + ",")
                sentence_n.append(wn + ",")
            else:
                sentence_t.append(w)
                sentence_n.append(wn)
        i += n
        t = " ".join(sentence_t) + "."
        text.append(t)
        norm.append(" ".join(sentence_n) + ".")
        size += len(t) + 1
    return " ".join(text), " ".join(norm)


# --------------------------------------------------------------------------- queries


def _typo(rng: random.Random, word: str) -> str:
    """One keyboard slip inside an ASCII-letter word (never the first letter)."""
    letters = [i for i, c in enumerate(word) if c.isascii() and c.isalpha() and i > 0]
    if len(word) < 5 or len(letters) < 2:
        return word
    i = rng.choice(letters[:-1])
    op = rng.choice(("swap", "sub", "del", "dup"))
    if op == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == "sub":
        return word[:i] + rng.choice("aeioustrnl") + word[i + 1 :]
    if op == "del":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def make_queries(
    rng: random.Random, planted: list[tuple[int, str]], count: int
) -> list[tuple[Query, list[str]]]:
    """Queries from windows of 3-5 content words of planted passages, each with a typo.

    Returns each query with the window's content words (for decoys).
    """
    out: list[tuple[Query, list[str]]] = []
    tries = 0
    while len(out) < count and tries < count * 200:
        tries += 1
        post_id, text = rng.choice(planted)
        norm, offsets = normalize_with_offsets(text)
        spans = word_spans(norm)
        content = [i for i, (w, _, _) in enumerate(spans) if w not in STOP_WORDS and len(w) > 2]
        want = rng.randint(3, 5)
        if len(content) < want + 1:
            continue
        first = rng.randrange(0, len(content) - want + 1)
        chosen = content[first : first + want]
        if chosen[-1] - chosen[0] > want + 4:  # keep windows phrase-like
            continue
        a, b = spans[chosen[0]][1], spans[chosen[-1]][2]
        original = text[offsets[a] : offsets[b - 1] + 1]
        # People type words, not the passage's punctuation (and quotes would mean a phrase).
        pieces = re.sub(r"[«»\"“”,;:.!?()\[\]]", " ", original).split()
        if len(pieces) < 2:
            continue
        how = []
        typo_at = [
            i for i, p in enumerate(pieces) if len(p) >= 6 and normalize(p) not in STOP_WORDS
        ]
        if not typo_at:
            continue
        i = rng.choice(typo_at)
        pieces[i] = _typo(rng, pieces[i])
        how.append("typo")
        r = rng.random()
        if r < 0.3:
            plural = [j for j, p in enumerate(pieces) if j != i and len(p) > 3 and p[-1].isalpha()]
            if plural:
                j = rng.choice(plural)
                pieces[j] = pieces[j][:-1] if pieces[j].endswith("s") else pieces[j] + "s"
                how.append("plural")
        elif r < 0.5:
            j, k = rng.sample(range(len(pieces)), 2)
            pieces[j], pieces[k] = pieces[k], pieces[j]
            how.append("order")
        query = " ".join(pieces)
        if rng.random() < 0.5:
            query = _strip_accents(query).replace("’", "'")
            how.append("ascii")
        words_ = [spans[c][0] for c in chosen]
        out.append((Query(query, post_id, "+".join(how)), words_))
    return out


def make_decoys(rng: random.Random, vocab: Vocabulary, words_: list[str]) -> list[tuple[str, str]]:
    """Near misses for one query: most of its words together, all of them scattered, typos."""
    out = []
    for mode in ("missing", "scattered", "typos"):
        ids = vocab.draw(rng, rng.randint(60, 110))
        ft = [vocab.words[i] for i in ids]
        fn = [vocab.norms[i] for i in ids]
        if mode == "missing":
            kept = list(words_)
            del kept[rng.randrange(len(kept))]
            at = rng.randrange(len(ft))
            ft[at:at] = kept
            fn[at:at] = kept
        elif mode == "scattered":
            for w in words_:
                at = rng.randrange(len(ft))
                ft.insert(at, w)
                fn.insert(at, w)
        else:
            typo = [_typo(rng, w) if len(w) >= 5 else w for w in words_]
            typo[rng.randrange(len(typo))] = vocab.words[rng.randrange(200, 2000)]
            at = rng.randrange(len(ft))
            ft[at:at] = typo
            fn[at:at] = [normalize(w) for w in typo]
        out.append((" ".join(ft), " ".join(fn)))
    return out


# --------------------------------------------------------------------------- corpus


def build_corpus(
    size: int, queries_wanted: int, seed: int
) -> tuple[list[IndexedPost], list[Query], int]:
    """Generated posts with the seed's posts planted and decoys; the queries; passage count."""
    rng = random.Random(seed)
    vocab = Vocabulary(rng, synthetic=60000 if size <= 20000 else 90000)
    seeds = seed_posts()
    next_passage = 1
    posts: list[IndexedPost] = []

    def passage(
        kind: str, speaker: str | None, text: str, norm: str | None = None
    ) -> IndexedPassage:
        nonlocal next_passage
        next_passage += 1
        return IndexedPassage(
            next_passage, kind, speaker, text, norm if norm is not None else normalize(text)
        )

    # Planted posts take ids 1..len(seeds); generated posts follow.
    planted: list[tuple[int, str]] = []
    for post_id, sp in enumerate(seeds, start=1):
        ps = tuple(passage(k, s, t) for k, s, t in sp.passages)
        posts.append(
            IndexedPost(
                post_id, sp.source, sp.title, normalize(sp.title), None, sp.published, None, ps
            )
        )
        planted.extend((post_id, t) for k, _, t in sp.passages if k != "pullquote" and len(t) > 80)
    made = sum(len(p.passages) for p in posts)

    queries = make_queries(rng, planted, queries_wanted)
    decoys = [d for _, ws in queries for d in make_decoys(rng, vocab, ws)]
    rng.shuffle(decoys)

    start = datetime(2022, 1, 1, tzinfo=UTC)
    post_id = len(seeds)
    while made < size:
        post_id += 1
        n = min(size - made, rng.choice((1, 1, 2, 3, 4, 6, 10, 20)))
        title_t, title_n = make_passage(rng, vocab, rng.randint(40, 90))
        items = []
        for _ in range(n):
            if decoys and rng.random() < 0.05:
                t, nm = decoys.pop()
            else:
                t, nm = make_passage(rng, vocab, int(rng.lognormvariate(6.35, 0.45)))
            items.append(
                passage(rng.choice(("paragraph", "paragraph", "answer", "question")), None, t, nm)
            )
        made += n
        published = start + timedelta(minutes=rng.randrange(0, 3 * 365 * 24 * 60))
        posts.append(
            IndexedPost(
                post_id,
                rng.choice(SOURCES),
                title_t,
                title_n,
                None,
                published,
                f"https://example.org/{post_id}",
                tuple(items),
            )
        )
    # Leftover decoys go in one last post so every near miss is in the corpus.
    if decoys:
        post_id += 1
        items = [passage("paragraph", None, t, nm) for t, nm in decoys]
        posts.append(
            IndexedPost(post_id, "Numerama", "Divers", "divers", None, None, None, tuple(items))
        )
        made += len(items)
    # The planted posts end up at random places, like any other post.
    rng.shuffle(posts)
    # Spot-check the assembled norms against the real normalization.
    for p in rng.sample(posts, min(200, len(posts))):
        for x in p.passages[:2]:
            assert normalize(x.text) == x.norm, (x.text[:80], x.norm[:80])
    return posts, [q for q, _ in queries], made


# --------------------------------------------------------------------------- measures


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run_size(size: int, n_queries: int, baseline_limit: int | None) -> dict[str, float | str]:
    t_all = time.perf_counter()
    t = time.perf_counter()
    posts, queries, passages = build_corpus(size, n_queries, RANDOM_SEED + size)
    gen_s = time.perf_counter() - t
    print(f"\n=== {passages:,} passages in {len(posts):,} posts (generated in {gen_s:.1f} s)")

    gc.collect()
    rss0 = rss_mb()
    t = time.perf_counter()
    index = SearchIndex.build(posts)
    build_s = time.perf_counter() - t
    gc.collect()
    index_mb = rss_mb() - rss0
    vocabulary = len(index._postings)
    print(f"build: {build_s:.2f} s, index RSS +{index_mb:.0f} MB, vocabulary {vocabulary:,} words")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "search.idx"
        t = time.perf_counter()
        index.save(path, stamp="bench")
        save_s = time.perf_counter() - t
        file_mb = path.stat().st_size / 2**20
        del index
        gc.collect()
        t = time.perf_counter()
        loaded = SearchIndex.load(path, stamp="bench")
        load_s = time.perf_counter() - t
    assert loaded is not None, "the saved index did not load"
    index = loaded
    print(f"save: {save_s:.2f} s ({file_mb:.0f} MB file), load (ready): {load_s:.2f} s")

    # Engine: every query, term cache cleared so repeated words do not flatter the numbers.
    latencies: list[float] = []
    found: list[bool] = []
    misses: list[str] = []
    for q in queries:
        index._terms.clear()
        t = time.perf_counter()
        response = index.search(q.text, limit=5)
        latencies.append((time.perf_counter() - t) * 1000)
        ok = any(h.post_id == q.target for h in response.hits)
        found.append(ok)
        if not ok:
            misses.append(f"  miss [{q.how}] {q.text!r}")
    p50, p95 = pct(latencies, 0.5), pct(latencies, 0.95)
    recall = sum(found) / len(found)
    print(
        f"engine: {len(queries)} queries, p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
        f"max {max(latencies):.1f} ms, recall@5 {recall:.3f}"
    )
    for line in misses[:10]:
        print(line)

    # Baseline: brute-force partial_ratio over every normalized passage (titles included).
    norms: list[str] = []
    owners: list[int] = []
    for p in posts:
        norms.append(p.title_norm)
        owners.append(p.post_id)
        for x in p.passages:
            norms.append(x.norm)
            owners.append(p.post_id)
    base_queries = queries if baseline_limit is None else queries[:baseline_limit]
    base_lat: list[float] = []
    base_found: list[bool] = []
    for q in base_queries:
        qn = normalize(q.text)
        t = time.perf_counter()
        top = process.extract(qn, norms, scorer=fuzz.partial_ratio, limit=5)
        base_lat.append((time.perf_counter() - t) * 1000)
        base_found.append(any(owners[i] == q.target for _, _, i in top))
    b50 = pct(base_lat, 0.5)
    base_recall = sum(base_found) / len(base_found)
    engine_same = sum(found[: len(base_queries)]) / len(base_queries)
    speedup = statistics.mean(base_lat) / statistics.mean(latencies[: len(base_queries)])
    print(
        f"baseline (process.extract partial_ratio, {len(base_queries)} queries): "
        f"p50 {b50:.0f} ms/query, mean {statistics.mean(base_lat):.0f} ms/query, "
        f"recall@5 {base_recall:.3f} (engine on the same queries: {engine_same:.3f})"
    )
    total_s = time.perf_counter() - t_all
    print(f"speed-up (mean latency, same queries): {speedup:.0f}x; this size took {total_s:.0f} s")
    return {
        "passages": passages,
        "build_s": build_s,
        "save_s": save_s,
        "load_s": load_s,
        "index_mb": index_mb,
        "file_mb": file_mb,
        "p50": p50,
        "p95": p95,
        "recall": recall,
        "base_ms": statistics.mean(base_lat),
        "base_recall": base_recall,
        "speedup": speedup,
        "total_s": total_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="passage counts, comma separated")
    parser.add_argument("--queries", type=int, default=60, help="queries per size (>= 50)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = {}
    for size in sizes:
        limit = None if size <= 20000 else BASELINE_QUERIES_LARGE if size <= 200000 else 3
        results[size] = run_size(size, args.queries, limit)

    print(
        "\n"
        + " | ".join(
            f"{h:>9}"
            for h in (
                "passages",
                "build s",
                "load s",
                "index MB",
                "p50 ms",
                "p95 ms",
                "recall@5",
                "base ms",
                "base rec",
                "speed-up",
                "total s",
            )
        )
    )
    for r in results.values():
        print(
            " | ".join(
                f"{v:>9}"
                for v in (
                    f"{r['passages']:,}",
                    f"{r['build_s']:.2f}",
                    f"{r['load_s']:.2f}",
                    f"{r['index_mb']:.0f}",
                    f"{r['p50']:.1f}",
                    f"{r['p95']:.1f}",
                    f"{r['recall']:.3f}",
                    f"{r['base_ms']:.0f}",
                    f"{r['base_recall']:.3f}",
                    f"{r['speedup']:.0f}x",
                    f"{r['total_s']:.0f}",
                )
            )
        )
    print(f"peak RSS of the whole run: {peak_mb():.0f} MB")

    goal = max(results)
    r = results[goal]
    print(f"\nGoals at {r['passages']:,} passages:")
    checks = [
        ("p95 <= 25 ms", r["p95"] <= 25, f"{r['p95']:.1f} ms"),
        (">= 40x faster than brute force", r["speedup"] >= 40, f"{r['speedup']:.0f}x"),
        ("recall@5 >= 0.95", r["recall"] >= 0.95, f"{r['recall']:.3f}"),
        ("ready (load) <= 5 s", r["load_s"] <= 5, f"{r['load_s']:.2f} s"),
        ("whole size <= 180 s", r["total_s"] <= 180, f"{r['total_s']:.0f} s"),
    ]
    for name, ok, value in checks:
        print(f"  {'PASS' if ok else 'MISS'}  {name}: {value}")


if __name__ == "__main__":
    main()
