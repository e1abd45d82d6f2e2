"""Tantivy (PyPI `tantivy`) as a search peer: per post, and per passage with its own
accent-folding French analyzer.

- per post: each post one document (title, and every passage as the body), the text
  accent-folded by our own `normalize` (Tantivy's default tokenizer splits and
  lowercases), the query's stop words and filler dropped by our own `parse_query`.
- per passage: each passage one document, and each title one of its own; the analyzer is
  Tantivy's: simple tokenizer, remove_long(40), lowercase, French stop words,
  ascii_fold, French stemmer; the query as typed (its words only: no query syntax).

Both: title boosted 2×, a disjunction of the words exact (BM25) or fuzzy (one edit,
transpositions counting one; Tantivy scores those by a constant). Per passage, a post's
place is its best document's.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import tantivy

from bot.models import IndexedPost
from bot.search.query import parse_query

FUZZY = (False, 1, True)  # (prefix, distance, transpositions cost one)
ANALYZER = "fr_folded"


def post_query(text: str) -> str:
    """The query's words as ours keeps them (filler and stop words out)."""
    return " ".join(w for w in parse_query(text).terms if w.isalnum())


def typed_words(text: str) -> str:
    """The query's words as typed, without what Tantivy's parser would read as syntax."""
    return " ".join(re.findall(r"\w+", text))


def french_folded() -> tantivy.TextAnalyzer:
    """Tantivy's own French analysis with accents folded."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stopword("french"))
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("french"))
        .build()
    )


def build_per_post(posts: list[IndexedPost], folder: Path) -> tantivy.Index:
    """One document a post, normalized by our own `normalize`."""
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("post_id", stored=True, indexed=True)
    builder.add_text_field("title")
    builder.add_text_field("body")
    index = tantivy.Index(builder.build(), path=str(folder))
    writer = index.writer(heap_size=200_000_000)
    for p in posts:
        body = "\n".join(x.norm for x in p.passages)
        writer.add_document(tantivy.Document(post_id=p.post_id, title=p.title_norm, body=body))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index


def build_per_passage(posts: list[IndexedPost], folder: Path) -> tantivy.Index:
    """One document a passage and one a title, through the French folding analyzer."""
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("post_id", stored=True, indexed=True, fast=True)
    builder.add_integer_field("passage_id", stored=True, indexed=True, fast=True)
    builder.add_text_field("title", tokenizer_name=ANALYZER)
    builder.add_text_field("body", tokenizer_name=ANALYZER)
    index = tantivy.Index(builder.build(), path=str(folder))
    index.register_tokenizer(ANALYZER, french_folded())
    writer = index.writer(heap_size=200_000_000)
    for p in posts:
        writer.add_document(tantivy.Document(post_id=p.post_id, passage_id=0, title=p.title))
        for x in p.passages:
            writer.add_document(
                tantivy.Document(post_id=p.post_id, passage_id=x.passage_id, body=x.text)
            )
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index


def exact_or_fuzzy(index: tantivy.Index, words: str, fields: list[str]) -> tantivy.Query:
    """The words exact (BM25) or within one edit: Tantivy scores a fuzzy term by a
    constant (its boost), so fuzzy terms alone rank a typo'd query's posts in ties."""
    boosts = {"title": 2.0}
    exact = index.parse_query(words, fields, field_boosts=boosts)
    fuzzy = index.parse_query(
        words, fields, field_boosts=boosts, fuzzy_fields={f: FUZZY for f in fields}
    )
    should = tantivy.Occur.Should
    return tantivy.Query.boolean_query([(should, exact), (should, fuzzy)])


def ask_per_post(index: tantivy.Index, text: str) -> list[int]:
    """The five best posts' ids."""
    words = post_query(text)
    if not words:
        return []
    searcher = index.searcher()
    parsed = exact_or_fuzzy(index, words, ["title", "body"])
    return [searcher.doc(a)["post_id"][0] for _, a in searcher.search(parsed, 5).hits]


def ask_per_passage(index: tantivy.Index, text: str, *, quote: bool) -> list[int]:
    """The five best posts' ids; for a quote, the five best passages' ids (titles out)."""
    words = typed_words(text)
    if not words:
        return []
    searcher = index.searcher()
    parsed = exact_or_fuzzy(index, words, ["body"] if quote else ["title", "body"])
    out: list[int] = []
    # A post's passages may fill the first places: read on until five posts are named.
    for _, address in searcher.search(parsed, 50).hits:
        doc = searcher.doc(address)
        key = doc["passage_id"][0] if quote else doc["post_id"][0]
        if key not in out:
            out.append(key)
        if len(out) == 5:
            break
    return out


def timed(ask, queries: list[tuple[str, bool]]) -> tuple[list[float], list[list[int]]]:
    """Each query's latency (ms) and answer."""
    latencies, answers = [], []
    for text, is_quote in queries:
        t = time.perf_counter()
        answers.append(ask(text, is_quote))
        latencies.append((time.perf_counter() - t) * 1000)
    return latencies, answers
