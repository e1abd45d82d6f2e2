"""Derived forms in search: today's plural folding alone, Snowball's French stemmer, and
simplemma's French lemmas, measured on the eval sets (tests/data/eval_queries.json over the
seed, and over the real feeds of tests/data/real/).

Each way is swapped in for `bot.search.vocabulary.derived_forms` (the words a query word
also meets beyond its plurals) and the same queries are asked of a fresh index: recall (the
expected post among the first k), queries meant to find nothing that found something, and
the mean number of posts returned (a broader match returns more of the wrong ones).

    .venv/bin/python benchmarks/stemmer_compare.py
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import simplemma  # noqa: E402

from bot.polling.loader import load_inputs  # noqa: E402
from bot.search import Searcher, vocabulary  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.text import normalize  # noqa: E402

DATA = ROOT / "tests" / "data"
SEED = ROOT / "seeds" / "000_caedc24fabec8c83.txt"
EVAL = json.loads((DATA / "eval_queries.json").read_text(encoding="utf-8"))
# Queries of tests/test_eval.py in the same spirit, with what they must find.
TYPED = [
    ("travial du clik", "grand remplacement"),
    ("travailleur du clic", "grand remplacement"),
    ("clic du travail", "grand remplacement"),
    ("le travail du clic numerique", "grand remplacement"),
    ("carte d'identite", "carte d’identité"),
    ("secretaire d'etat numerique", "Remaniement"),
    ("bannir twitter", "bannir"),
    ("jeu video dematerialise", "dématérialisé"),
    ("mercenaires russes", "Wagner"),
    ("intelligence artificielle degrader", "ne fera pas disparaître"),
    ("Elon Musk code europeen", "bannir"),
    # Derived forms a reader may type.
    ("avant qu'elle expire", "carte d’identité"),
    ("la dematerialisation du jeu video", "dématérialisé"),
    ("bannissement de twitter", "bannir"),
    ("recommandation de l'arcom", "Arcom"),
    ("disparition du travail", "ne fera pas disparaître"),
]
NOTHING = ["recette de crepes", "football ligue 1", "zzzzqx wwvvk", "tartiflette savoyarde"]
NOTHING += EVAL["search_none"]


def lemma_forms(word: str, lexicon: vocabulary.Lexicon) -> list[str]:
    """simplemma: known words of the same French lemma, among those sharing the first
    letters of the word."""
    if len(word) < 5 or not word.isalpha():
        return []
    lemma = simplemma.lemmatize(word, lang="fr")
    own = set(vocabulary.plural_forms(vocabulary.stem(word)))
    prefix = word[: max(4, len(word) - 4)]
    found = [
        w
        for w in lexicon.starting(prefix, 200)
        if w not in own and simplemma.lemmatize(w, lang="fr") == lemma
    ]
    return found[: vocabulary.MAX_DERIVED]


WAYS: dict[str, Callable[[str, vocabulary.Lexicon], list[str]]] = {
    "plurals only (before)": lambda word, lexicon: [],
    "Snowball French": vocabulary.derived_forms,
    "simplemma": lemma_forms,
}


async def measure(store: Store, cases: list[tuple[str, str, int]]) -> dict[str, dict]:
    out = {}
    for name, way in WAYS.items():
        vocabulary.derived_forms = way  # type: ignore[assignment]
        searcher = Searcher(store)  # in memory: a fresh index, nothing cached
        await searcher.start()
        found, returned = 0, 0
        t = time.perf_counter()
        missed = []
        for query, title, k in cases:
            hits = (await searcher.search(query, limit=5)).hits
            returned += len(hits)
            if any(normalize(title) in normalize(h.title) for h in hits[:k]):
                found += 1
            else:
                missed.append(query)
        noisy = [q for q in NOTHING if (await searcher.search(q)).hits]
        out[name] = {
            "recall": found / len(cases),
            "found": found,
            "mean_returned": returned / len(cases),
            "noisy": noisy,
            "missed": missed,
            "ms": (time.perf_counter() - t) * 1000,
        }
        await searcher.close()
    vocabulary.derived_forms = WAYS["Snowball French"]  # type: ignore[assignment]
    return out


async def main() -> None:
    seed_cases = [(c["q"], c["title"], c["k"]) for c in EVAL["search"] + EVAL["sentences"]]
    seed_cases += [(q, t, 3) for q, t in TYPED]
    real_cases = [(c["q"], c["title"], c["k"]) for c in EVAL["search_real"]]
    with tempfile.TemporaryDirectory() as tmp:
        tz, today = ZoneInfo("Europe/Paris"), date(2026, 11, 28)
        for label, inputs, cases in (
            ("seed", [str(SEED)], seed_cases),
            ("real feeds + seed", [str(DATA / "real"), str(SEED)], real_cases + seed_cases),
        ):
            async with Store.open(Path(tmp) / f"{len(inputs)}.sqlite3") as store:
                await load_inputs(store, inputs, tz=tz, today=today)
                results = await measure(store, cases)
            print(f"\n{label}: {len(cases)} queries with a post to find, {len(NOTHING)} meant")
            print("to find nothing")
            for name, r in results.items():
                print(
                    f"  {name:<22} recall {r['found']}/{len(cases)} = {r['recall']:.3f}; "
                    f"mean posts returned {r['mean_returned']:.2f}; found something for "
                    f"{len(r['noisy'])} of {len(NOTHING)} unrelated {r['noisy']}; "
                    f"{r['ms']:.0f} ms in all"
                )
                for query in r["missed"]:
                    print(f"      missed {query!r}")


if __name__ == "__main__":
    asyncio.run(main())
