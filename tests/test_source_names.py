"""Source names as a reader would give them (issue 17): taglines, « Accueil on X », comment
feeds, the SOURCES_FILE name over a dump's, and what /sources lists and marks.

The titles are the channel titles of the real feeds of tests/data/real (see PROVENANCE.md),
with their own address; « Accueil on … » and « Comments » are Hugo's and WordPress's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import render
from bot.names import feed_name
from bot.store import Store

BACKENDS = ("sqlite", "postgres")
PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("title", "url", "name"),
    [
        ("Sam & Max: Python, Django, Git et du cul", "http://sametmax.com/feed/", "Sam & Max"),
        ("Numerama.com - Magazine", "http://www.numerama.com/", "Numerama"),
        ("Blast - Le souffle de l’info", "https://blast-info.fr", "Blast"),
        ("Jeuxlinux - Le site des jeux pour linux", "http://www.jeuxlinux.fr", "Jeuxlinux"),
        (
            "Le cercle psy, le magazine de toutes les psychologies",
            "http://le-cercle-psy.scienceshumaines.com/",
            "Le cercle psy",
        ),
        (
            "Planète jQuery : l'actualité jQuery, plugins jQuery et tutoriels jQuery en français",
            "http://www.planete-jquery.fr",
            "Planète jQuery",
        ),
        ("Accueil on Les Briques du Web", "https://rdv-speakers.fr/", "Les Briques du Web"),
        ("Comments", "https://sametmax.com/feed/", "sametmax.com – commentaires"),
        ("Commentaires sur Sam & Max", "https://sametmax.com/", "Sam & Max – commentaires"),
        # Sections and names that only look like taglines stay.
        (
            "Du son, des idées et des boulons...",
            "http://www.akewea.com/",
            "Du son, des idées et des boulons",
        ),
        ("Genevois : Le Messager", None, "Genevois – Le Messager"),
        ("Le Monde.fr - Les Décodeurs", None, "Le Monde – Les Décodeurs"),
        ("Rue89 : A la Une", "http://www.rue89.com", "Rue89"),
        ("Radio France — Grand flux", "https://www.radiofrance.fr/x", "Radio France"),
        ("YouTube Aggregated Feed", "https://www.youtube.com/watch?v=1", "YouTube"),
        ("Textes à la pelle - Flux Personnalisé", None, "Textes à la pelle"),
        (
            "Comments RSS FEED",
            "http://www.grelinettecassolettes.com/2018/a.html",
            "grelinettecassolettes.com – commentaires",
        ),
        ("Actualités Amilly", "https://www.amilly.com/actualites/a", "Amilly"),
        ("Site de la ville de Serris", "http://www.mairie-serris.net/", "Ville de Serris"),
        ("Actualité à la une - Le Monde", None, "Le Monde"),
    ],
)
def test_taglines_go_and_the_site_stays(title: str, url: str | None, name: str) -> None:
    assert feed_name(title, url) == name


async def test_the_sources_file_name_wins_over_a_dumps(store: Store) -> None:
    # The seed's Movim dump names « LeVentSeLeve »; sources.toml « Le Vent Se Lève ».
    await store.ensure_source("LeVentSeLeve", kind="movim")
    await store.configure_source("Le Vent Se Lève", "https://lvsl.fr/feed/", origin="file")
    await store.ensure_source("LeVentSeLeve", kind="movim")  # a later load keeps it

    assert await store.source_names() == ["Le Vent Se Lève"]


async def test_sources_marks_what_is_not_polled_and_hides_what_was_removed(store: Store) -> None:
    await store.configure_source("Numerama", "https://www.numerama.com/feed/")
    await store.ensure_source("Le Monde archives")  # loaded from a saved file
    removed = await store.configure_source("Korben", "https://korben.info/feed")
    now = datetime(2026, 6, 1, tzinfo=UTC)
    await store.record_poll(removed, next_poll=now + timedelta(hours=1), success=now)
    await store.stop_polling(removed)

    rows = render.listed_sources(await store.sources_overview())
    message = render.sources_message(rows, lang="fr", tz=PARIS, total=len(rows))

    # French typography puts no-break spaces before « : »; the words are what is checked.
    assert message.replace("\xa0", " ").splitlines() == [
        "<b>Sources</b> (2)",
        "Le Monde archives : aucun article · archives seulement, plus relevée",
        "Numerama : aucun article",
    ]
