"""Shared fixtures: paths to the repository's seed and test data, and a fresh store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Store

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_caedc24fabec8c83.txt"
DATA = ROOT / "tests" / "data"


@pytest.fixture
def seed_path() -> Path:
    """The Movim dump the project started from."""
    return SEED


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A real, empty SQLite store under tmp_path."""
    async with Store.open(tmp_path / "relais.sqlite3") as opened:
        yield opened
