"""The sources file (TOML) and OPML lists: pure parsing, errors as data."""

from __future__ import annotations

from bot.models import Source
from bot.sources import parse_sources

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
