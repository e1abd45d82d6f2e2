"""The sources file (TOML) and OPML lists: pure parsing, errors as data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from bot.models import Source
from bot.sourcelist.opml import MAX_OPML_BYTES, from_opml, looks_like_opml, to_opml
from bot.sourcelist.rules import rule_on_additions
from bot.sourcelist.sources_file import parse_sources
from tests.conftest import DATA

TOML = """
[[source]]
name = "Numerama"
url = "https://www.numerama.com/feed/"

[[source]]
name = "Le Devoir"
url = "https://www.ledevoir.com/rss/manchettes.xml"
timezone = "America/Montreal"
interval = 600

[[source]]
name = "Nulle part"
url = "https://example.org/feed"
timezone = "Mars/Olympus"

[[source]]
name = "NUMÉRAMA"
url = "https://example.org/other"
"""


def test_sources_file_with_a_time_zone_per_source() -> None:
    sources, errors = parse_sources(TOML, default_interval=300)
    assert sources == [
        Source("Numerama", "https://www.numerama.com/feed/", "feed", 300, None),
        Source(
            "Le Devoir",
            "https://www.ledevoir.com/rss/manchettes.xml",
            "feed",
            600,
            "America/Montreal",
        ),
    ]
    assert errors == [
        "[[source]] #3 (Nulle part): timezone must be an IANA name like Europe/Paris",
        "[[source]] #4 (NUMÉRAMA): listed twice",
    ]


FRANCE = DATA / "real" / "awesome-rss-feeds-France.opml"  # provenance: PROVENANCE.md there
FRANCE_NAMES = [
    "france24.com",
    "Mediapart",
    "Paris Star",
    "Le Monde",
    "L'Obs",
    "Franceinfo",
    "Le Huffington Post",
    "La Dépêche du Midi",
    "Ministry for Europe and Foreign Affairs",
    "L'essentiel",
    "Ouest-France",
]


def test_a_real_opml_list_with_an_unescaped_ampersand_is_read_whole() -> None:
    data = FRANCE.read_bytes()
    with pytest.raises(ET.ParseError):
        ET.fromstring(data)  # what used to reject the whole list
    sources, errors = from_opml(data)
    assert errors == []
    assert [s.name for s in sources] == FRANCE_NAMES
    urls = {s.name: s.url for s in sources}
    assert urls["Ministry for Europe and Foreign Affairs"] == (
        "https://www.diplomatie.gouv.fr/spip.php?page=backend-fd&lang=en"
    )
    assert urls["Le Monde"] == "https://www.lemonde.fr/rss/une.xml"


def test_html_entities_and_a_wrong_encoding_declaration_lose_nothing() -> None:
    text = FRANCE.read_text(encoding="utf-8")
    with_entities = (
        text.replace("La Dépêche", "La D&eacute;p&ecirc;che")
        .replace("Paris Star", "Paris&nbsp;Star")
        .replace('description="Mediapart"', 'description="&copy; &bogus; R&D"')
    )
    sources, errors = from_opml(with_entities.encode())
    assert errors == []
    assert [s.name for s in sources] == FRANCE_NAMES
    # Saved as Windows-1252 but still declaring UTF-8: the bytes are believed over it.
    sources, errors = from_opml(text.replace("’", "'").encode("cp1252"))
    assert errors == []
    assert [s.name for s in sources] == FRANCE_NAMES


def test_a_cut_or_broken_list_keeps_what_can_be_read_and_lists_the_rest() -> None:
    text = FRANCE.read_text(encoding="utf-8")
    cut = text[: text.index("Le Monde.fr - Actualités") + 10]
    sources, errors = from_opml(cut.encode())
    assert [s.name for s in sources] == FRANCE_NAMES[:3]
    assert errors == ["outline #5: unreadable attributes"]  # #1 is the folder
    for damage in ('type="rss /', 'type="rss" /'):  # a quote never closed, a `>` lost
        broken = text.replace('type="rss" />', damage, 1)
        sources, errors = from_opml(broken.encode())
        assert [s.name for s in sources] == FRANCE_NAMES[1:]
        assert errors == ["outline #2: unreadable attributes"]


def test_opml_entries_that_cannot_be_used_are_listed() -> None:
    data = b"""<opml version="2.0"><body>
      <outline text="Dossier"><outline title="Gopher" xmlUrl="gopher://example.org/feed"/>
      <outline xmlUrl="https://www.numerama.com/feed/"/></outline></body></opml>"""
    sources, errors = from_opml(data)
    assert [(s.name, s.url) for s in sources] == [
        ("www.numerama.com", "https://www.numerama.com/feed/")
    ]
    assert errors == ["outline 'Gopher': xmlUrl must be http(s)"]
    assert from_opml(b"<html><body>Bonjour</body></html>") == (
        [],
        ["not an OPML list: no <opml> root"],
    )
    assert from_opml(b"x" * (MAX_OPML_BYTES + 1))[1] == ["file larger than 1000 kB"]


def test_opml_export_reads_back() -> None:
    sources = [Source("Le Monde – International", "https://www.lemonde.fr/i.xml?a=1&b=2")]
    assert from_opml(to_opml(sources)) == (sources, [])
    assert looks_like_opml(to_opml(sources))
    assert looks_like_opml(FRANCE.read_bytes())
    assert not looks_like_opml((DATA / "feeds" / "rss2.xml").read_bytes())


EXISTING = [
    Source("Numerama", None, "movim"),  # known from a dump, not polled
    Source("Le Monde", "https://www.lemonde.fr/rss/une.xml"),
    Source("France 2", "https://www.francetvinfo.fr/france2.rss"),
]


def test_additions_follow_one_rule_set() -> None:
    wanted = [
        Source("Mediapart", "https://www.mediapart.fr/articles/feed"),
        Source("Numerama", "https://www.numerama.com/feed/"),
        Source("le monde", "https://WWW.lemonde.fr/rss/une.xml/"),
        Source("Le Monde", "https://www.lemonde.fr/rss/en_continu.xml"),
        Source("Numérama", "https://evil.example/feed"),
        Source("Numerarna", "https://evil.example/feed2"),
        Source("Le Quotidien", "https://www.lemonde.fr/rss/une.xml"),
        Source("France 3", "https://www.francetvinfo.fr/france3.rss"),
        Source("MEDIAPART", "https://www.mediapart.fr/articles/feed"),
        Source("Mediapart bis", "https://www.mediapart.fr/articles/feed"),
    ]
    verdicts = [(a.verdict, a.other) for a in rule_on_additions(wanted, EXISTING)]
    assert verdicts == [
        ("new", None),
        ("poll", None),  # the dump's Numerama gets its feed
        ("unchanged", None),  # same name, same URL (case and trailing slash aside)
        ("twice", None),
        ("lookalike", "Numerama"),  # same key, another name
        ("lookalike", "Numerama"),
        ("same_url", "Le Monde"),
        ("new", None),  # France 3 is not France 2
        ("twice", None),
        ("same_url", "Mediapart"),  # the same feed under another name
    ]
    changed = rule_on_additions([Source("Le Monde", "https://www.lemonde.fr/x.xml")], EXISTING)
    assert [(a.verdict, a.other) for a in changed] == [
        ("url_change", "https://www.lemonde.fr/rss/une.xml")
    ]
