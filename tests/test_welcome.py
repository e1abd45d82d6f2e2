"""/start names the sources the bot actually knows, or says how to add some: no demo data."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from telegram import Update

from tests.conftest import fake_api_settings, running
from tests.fakes import FakeBotAPI, plain_text


async def welcome(core: FakeBotAPI, sources_toml: str, tmp_path: Path, lang: str = "fr") -> str:
    """The bot's answer to /start, on a fresh database with `sources_toml` as SOURCES_FILE."""
    sources = tmp_path / "sources.toml"
    sources.write_text(sources_toml, encoding="utf-8")
    settings = fake_api_settings(core, tmp_path, tmp_path / "relais.sqlite3")
    settings = replace(settings, sources_file=sources)
    async with running(settings, core) as app:
        reader = core.user("Alice", language_code=lang)
        await app.process_update(Update.de_json(core.command(reader, "/start"), app.bot))
        return plain_text(core.sent(chat_id=reader, method="sendMessage")[-1].text)


def toml(*names: str) -> str:
    return "".join(
        f'[[source]]\nname = "{name}"\nurl = "http://127.0.0.1:9/{n}.xml"\n\n'
        for n, name in enumerate(names)
    )


async def test_with_no_source_the_welcome_says_how_to_add_some(
    core: FakeBotAPI, tmp_path: Path
) -> None:
    answer = await welcome(core, "", tmp_path)
    assert "Numerama" not in answer
    assert "aucune" in answer
    assert "data/sources.toml" in answer
    assert "/addsource" in answer


async def test_the_welcome_names_the_configured_sources(core: FakeBotAPI, tmp_path: Path) -> None:
    answer = await welcome(core, toml("Reflets", "Basta!"), tmp_path)
    assert "je relaie les articles de Basta! et Reflets et je retrouve" in answer


async def test_de_is_elided_before_a_vowel(core: FakeBotAPI, tmp_path: Path) -> None:
    answer = await welcome(core, toml("Arrêt sur images"), tmp_path)
    assert "je relaie les articles d’Arrêt sur images et je retrouve" in answer
    assert "Numerama" not in answer


async def test_many_sources_are_counted_past_four(core: FakeBotAPI, tmp_path: Path) -> None:
    names = ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf")
    answer = await welcome(core, toml(*names), tmp_path, lang="en")
    assert "I relay posts from Alpha, Bravo, Charlie, Delta and 3 other sources" in answer
    assert "Echo" not in answer
