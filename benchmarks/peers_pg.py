"""PostgreSQL's own full-text search as a search peer, on the embedded server the tests use.

One row per passage and one per post title (weight A, passages B), a `fr_unaccent`
configuration (`french` with every word mapped through `unaccent` then `french_stem`), a
GIN index on the stored tsvector, ranked by `ts_rank_cd`, the best row of each post
deciding its place. Three ways to ask, on the same table:

- `and`: `websearch_to_tsquery` as written (every word must be there, as the docs show);
- `or`: `plainto_tsquery`'s words joined by `|` (any word, ranked);
- `trgm`: `or`, each word the corpus does not hold replaced by its nearest lexeme by
  `pg_trgm` similarity (the docs' recipe: a `ts_stat` word table with a trigram index).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import asyncpg

from bot.models import IndexedPost

SETUP = """
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TEXT SEARCH CONFIGURATION fr_unaccent (COPY = french);
ALTER TEXT SEARCH CONFIGURATION fr_unaccent
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
CREATE TABLE docs (
    post_id integer NOT NULL,
    passage_id integer NOT NULL,
    is_title boolean NOT NULL,
    body text NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('fr_unaccent'::regconfig, body),
                  CASE WHEN is_title THEN 'A' ELSE 'B' END::"char")
    ) STORED
);
"""
INDEX = "CREATE INDEX docs_tsv ON docs USING gin (tsv)"
WORDS = """
CREATE TABLE words AS SELECT word FROM ts_stat('SELECT tsv FROM docs');
CREATE UNIQUE INDEX words_word ON words (word);
CREATE INDEX words_trgm ON words USING gin (word gin_trgm_ops);
ANALYZE docs; ANALYZE words;
"""

TSQUERY = {
    "and": "SELECT websearch_to_tsquery('fr_unaccent', $1) AS q",
    "or": "SELECT replace(plainto_tsquery('fr_unaccent', $1)::text, '&', '|')::tsquery AS q",
    "trgm": """
        WITH lex AS (SELECT unnest(tsvector_to_array(to_tsvector('fr_unaccent', $1))) AS w),
        fixed AS (
            SELECT coalesce(
                (SELECT word FROM words WHERE word = lex.w),
                (SELECT word FROM words WHERE word % lex.w
                 ORDER BY similarity(word, lex.w) DESC LIMIT 1)
            ) AS w FROM lex
        )
        SELECT coalesce(string_agg(quote_literal(w), ' | ')::tsquery, ''::tsquery) AS q
        FROM fixed WHERE w IS NOT NULL
    """,
}
POSTS = """
WITH q AS ({tsquery})
SELECT post_id FROM (
    SELECT post_id, max(ts_rank_cd(tsv, q.q)) AS r FROM docs, q
    WHERE tsv @@ q.q GROUP BY post_id
) ranked ORDER BY r DESC, post_id LIMIT 5
"""
PASSAGES = """
WITH q AS ({tsquery})
SELECT passage_id FROM docs, q WHERE tsv @@ q.q AND NOT is_title
ORDER BY ts_rank_cd(tsv, q.q) DESC, passage_id LIMIT 5
"""


def server_memory_mb(pgdata: Path) -> tuple[float, float]:
    """(RSS, PSS) in MB summed over the postmaster and its children, from /proc.

    PSS shares each shared page (shared_buffers) among the processes mapping it, so the
    sum counts shared memory once; RSS sums count it in every process.
    """
    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    pids = [postmaster]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            pids.append(int(stat.parent.name))
    rss = pss = 0.0
    for pid in pids:
        try:
            lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            key, _, value = line.partition(":")
            if key == "Rss":
                rss += int(value.split()[0]) / 1024
            elif key == "Pss":
                pss += int(value.split()[0]) / 1024
    return rss, pss


async def _build(conn: asyncpg.Connection, posts: list[IndexedPost]) -> dict[str, float]:
    await conn.execute(SETUP)
    # What anyone loading a million rows sets first: the GIN build sorts in this memory.
    await conn.execute("SET maintenance_work_mem = '512MB'")
    t = time.perf_counter()
    rows: list[tuple[int, int, bool, str]] = []
    for p in posts:
        rows.append((p.post_id, 0, True, p.title))
        rows.extend((p.post_id, x.passage_id, False, x.text) for x in p.passages)
        if len(rows) >= 50_000:
            await conn.copy_records_to_table(
                "docs", records=rows, columns=["post_id", "passage_id", "is_title", "body"]
            )
            rows = []
    if rows:
        await conn.copy_records_to_table(
            "docs", records=rows, columns=["post_id", "passage_id", "is_title", "body"]
        )
    loaded = time.perf_counter() - t
    await conn.execute(INDEX)
    indexed = time.perf_counter() - t
    await conn.execute(WORDS)
    words = time.perf_counter() - t
    size = await conn.fetchval(
        "SELECT pg_total_relation_size('docs') + pg_total_relation_size('words')"
    )
    return {"load_s": loaded, "fts_s": indexed, "trgm_s": words, "disk_mb": size / 2**20}


async def _ask(
    conn: asyncpg.Connection, mode: str, queries: list[tuple[str, bool]]
) -> tuple[list[float], list[list[int]]]:
    posts = await conn.prepare(POSTS.format(tsquery=TSQUERY[mode]))
    passages = await conn.prepare(PASSAGES.format(tsquery=TSQUERY[mode]))
    latencies, answers = [], []
    for text, is_quote in queries:
        statement = passages if is_quote else posts
        t = time.perf_counter()
        rows = await statement.fetch(text)
        latencies.append((time.perf_counter() - t) * 1000)
        answers.append([r[0] for r in rows])
    return latencies, answers


def run_pg(
    url: str, pgdata: Path, posts: list[IndexedPost], queries: list[tuple[str, bool]]
) -> dict[str, Any]:
    """Build the table and indexes, ask every query in each mode; figures and answers.

    A query is (text, is_quote): a quote answers passage ids, the others post ids.
    """

    async def go() -> dict[str, Any]:
        conn = await asyncpg.connect(url)
        try:
            idle = server_memory_mb(pgdata)
            built = await _build(conn, posts)
            out: dict[str, Any] = {"build": built, "memory_idle": idle}
            for mode in TSQUERY:
                await _ask(conn, mode, queries[:3])  # plans and the first pages warm
                out[mode] = await _ask(conn, mode, queries)
            out["memory"] = server_memory_mb(pgdata)
            return out
        finally:
            await conn.close()

    return asyncio.run(go())
