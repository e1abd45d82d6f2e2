"""Full text's settings: full_text per source in SOURCES_FILE, PAGE_GAP and PAGE_WAIT, and the
🔒 of posts for subscribers in pushes and digests."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import render
from bot.config import ConfigError, Settings
from bot.filters import document, parse_filter
from bot.models import Delivery
from bot.sourcelist.sources_file import parse_sources
from bot.store import Store

TOML = """
[[source]]
name = "Par défaut"
url = "https://a.example/feed"

[[source]]
name = "Toujours"
url = "https://b.example/feed"
full_text = "always"

[[source]]
name = "Jamais"
url = "https://c.example/feed"
full_text = "never"

[[source]]
name = "Faux"
url = "https://d.example/feed"
full_text = "sometimes"
"""


def test_full_text_per_source_defaults_to_auto() -> None:
    sources, errors = parse_sources(TOML, default_interval=300)
    assert [(s.name, s.full_text) for s in sources] == [
        ("Par défaut", "auto"), ("Toujours", "always"), ("Jamais", "never")
    ]  # fmt: skip
    assert errors == ["[[source]] #4 (Faux): full_text must be auto, always or never"]


async def test_full_text_is_stored_and_sources_from_telegram_take_auto(store: Store) -> None:
    await store.configure_source("Toujours", "https://b.example/feed", full_text="always")
    await store.configure_source("Ajoutée", "https://e.example/feed", origin="telegram")
    modes = {s.name: s.full_text for s in await store.polled_sources()}
    assert modes == {"Toujours": "always", "Ajoutée": "auto"}


def test_page_gap_and_wait_settings() -> None:
    defaults = Settings.from_env({}, env_file=None)
    assert (defaults.page_gap, defaults.page_wait) == (5.0, 10.0)
    chosen = Settings.from_env({"PAGE_GAP": "2.5", "PAGE_WAIT": "0"}, env_file=None)
    assert (chosen.page_gap, chosen.page_wait) == (2.5, 0.0)


@pytest.mark.parametrize(("name", "value"), [("PAGE_GAP", "-1"), ("PAGE_WAIT", "dix")])
def test_bad_page_settings_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value}, env_file=None)


def _delivery(*, paywalled: bool) -> Delivery:
    return Delivery(
        id=1, chat_id=1, post_id=1, kind="push", title="Enquête", url="https://m.example/e",
        source="Mediapart", published=datetime(2026, 6, 1, 8, tzinfo=UTC), hashtags=(),
        snippet="Une accroche.", created_at=datetime(2026, 6, 1, 8, tzinfo=UTC),
        paywalled=paywalled,
    )  # fmt: skip


def test_posts_for_subscribers_are_locked_in_pushes_and_digests() -> None:
    paris = ZoneInfo("Europe/Paris")
    locked, free = _delivery(paywalled=True), _delivery(paywalled=False)
    assert render.plain(render.push_message(locked, lang="fr", tz=paris)).startswith("🔒 Enquête")
    assert render.plain(render.push_message(free, lang="fr", tz=paris)).startswith("Enquête")
    assert render.plain(render.digest_line(locked, "fr", paris)).startswith("• 🔒 Enquête")
    assert "🔒" not in render.digest_line(free, "fr", paris)


def test_the_filter_word_abonnes_leaves_out_posts_for_subscribers() -> None:
    walled = document("Enquête sur les fonds", "Une accroche.", paywalled=True)
    free = document("Enquête sur les fonds", "Une accroche.")
    for written in ("-abonnés", "-Abonnes", "-paywall", "+enquête -abonnés"):
        flt = parse_filter(written)
        assert not flt.matches(walled), written
        assert flt.matches(free), written
        assert parse_filter(flt.describe()) == flt
    assert not parse_filter("-abonnés").is_empty
    # Quoted, it is the word itself: posts that say « abonnés » are left out, walled or not.
    says = document("Les abonnés du câble", "Texte.")
    assert not parse_filter('-"abonnés"').matches(says)
    assert parse_filter('-"abonnés"').matches(walled)
    assert parse_filter("-abonnés").matches(says)
