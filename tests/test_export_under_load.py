"""`python -m bot export` of a database another process keeps writing to: the file is one
moment of it, and imports (it once failed with « FOREIGN KEY constraint failed »)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from bot.models import Passage, Post
from bot.store import Store
from tests.conftest import ROOT

BACKENDS = ("sqlite", "postgres")
EXPORTS = 3


async def _cli(*args: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_PATH")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, (out + err).decode()


def _posts(source: str, count: int, start: int = 0) -> list[Post]:
    return [
        Post(source, f"Article {n}", (Passage("paragraph", f"texte {n}"),), guid=f"{source}-{n}")
        for n in range(start, start + count)
    ]


async def _write_until(stop: asyncio.Event, database: str | Path) -> int:
    """What a busy bot does, through a connection of its own: new sources with their posts,
    new chats with their subscriptions, as fast as it can."""
    written = 0
    async with Store.open(database) as writer:
        while not stop.is_set():
            written += 1
            source = await writer.ensure_source(f"Source {written}")
            await writer.upsert_posts(source, _posts(f"Source {written}", 2))
            await writer.upsert_chat(10_000 + written, type="private")
            await writer.subscribe(10_000 + written, source)
            await asyncio.sleep(0)
    return written


async def test_an_export_under_writes_is_one_moment_and_imports(
    store: Store, database: str | Path, tmp_path: Path
) -> None:
    # Several chunks of every table the writer adds to: the export reads for a while.
    first = await store.ensure_source("Numerama")
    await store.upsert_posts(first, _posts("Numerama", 3000))
    for chat in range(1, 1200):
        await store.upsert_chat(chat, type="private")
        await store.subscribe(chat, first)
    results = []
    for n in range(EXPORTS):
        stop = asyncio.Event()
        writing = asyncio.create_task(_write_until(stop, database))
        dump = tmp_path / f"dump{n}.jsonl"
        code, said = await _cli("export", str(dump), "--db", str(database))
        stop.set()
        written = await writing
        assert code == 0, said
        assert written > 1, "the writer wrote while the export read"
        lines = [json.loads(line) for line in dump.read_text().splitlines()]
        # Every reference points at a row of the file (what the import's checks hold too).
        ids = {
            t: {x["row"]["id"] for x in lines if x.get("table") == t} for t in ("sources", "chats")
        }
        dangling = [
            x["row"]["id"]
            for x in lines
            if (x.get("table") == "posts" and x["row"]["source_id"] not in ids["sources"])
            or (x.get("table") == "subscriptions" and x["row"]["chat_id"] not in ids["chats"])
        ]
        code, said = await _cli("import", str(dump), "--db", str(tmp_path / f"back{n}.sqlite3"))
        results.append((dangling, code, said))
    # One figure per export: its dangling references and the import's exit code.
    assert [(len(dangling), code) for dangling, code, _ in results] == [(0, 0)] * EXPORTS
    assert all(said.startswith("imported ") for _, _, said in results), results
