"""CHANGELOG.md names every schema version and every setting, so operators learn of each."""

from __future__ import annotations

import re

from bot.config import SETTINGS
from bot.store.migrations import MIGRATIONS
from bot.store.migrations_pg import POSTGRES_MIGRATIONS
from tests.conftest import ROOT

CHANGELOG = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def schema_versions(text: str) -> set[int]:
    """The versions a changelog names: « Schema version 7 », « Schema versions 1 to 3 »."""
    found: set[int] = set()
    for first, last in re.findall(r"Schema versions? (\d+)(?: to (\d+))?", text):
        found.update(range(int(first), int(last or first) + 1))
    return found


def test_every_schema_version_is_in_the_changelog() -> None:
    assert len(MIGRATIONS) == len(POSTGRES_MIGRATIONS)
    assert schema_versions(CHANGELOG) == set(range(1, len(MIGRATIONS) + 1))


def test_every_setting_is_in_the_changelog() -> None:
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in CHANGELOG]
    assert missing == []


def test_versions_are_read_from_ranges_and_single_lines() -> None:
    text = "- Schema versions 1 to 3: a.\n- Schema version 5: b.\n- schema 9, no."
    assert schema_versions(text) == {1, 2, 3, 5}
