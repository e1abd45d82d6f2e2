"""Decoding: one bad byte never switches a document's charset; publisher mojibake repaired.

Real cases from tests/data/real (see PROVENANCE.md): La Grotte Du Barbu's feed is UTF-8 but
for one truncated sequence; Le Cercle Psy's is Windows-1252 with no declaration at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.ingest.charset import declared_charset, mend_utf8, repair_mojibake
from bot.ingest.feeds import parse_feed

REAL = Path(__file__).parent / "data" / "real"
PARIS = ZoneInfo("Europe/Paris")


def texts(name: str) -> list[str]:
    result = parse_feed((REAL / name).read_bytes(), tz=PARIS, now=datetime(2026, 6, 1, tzinfo=UTC))
    return [
        text for post in result.posts for text in (post.title, *(p.text for p in post.passages))
    ]


def test_one_bad_sequence_leaves_the_rest_of_a_utf8_feed_in_utf8() -> None:
    read = texts("grotte-barbu-2013.xml")

    assert "miniGrotte – Episode3 – Démontage d’un four traditionnel" in read
    assert not [text for text in read if "Ã" in text]


def test_bad_bytes_are_mended_where_they_stand() -> None:
    good = "Démontage d’un four, réparé à l’été. " * 3
    data = f"<?xml version='1.0' encoding='utf-8'?><t>{good}".encode()
    data += b"contact\xc3 [...] et caf\xe9 cr\xe8me</t>"

    text = mend_utf8(data).decode("utf-8")

    assert text.endswith(f"<t>{good}contact\ufffd [...] et café crème</t>")


def test_a_single_byte_document_is_not_taken_for_broken_utf8() -> None:
    data = "<rss><title>Stéphane, où est la frontière ?</title></rss>".encode("cp1252")

    assert mend_utf8(data) == data  # left to the feed parser's single-byte reading
    assert "Stéphane Gumpper : Qu'est-ce que la psychologie des religions ?" in texts(
        "cercle-psy-2013.xml"
    )


def test_a_declared_charset_is_used() -> None:
    data = "<?xml version='1.0' encoding='ISO-8859-1'?><t>Café</t>".encode("latin-1")

    assert declared_charset(data) == "iso-8859-1"
    assert declared_charset(b"<t/>", "text/xml; charset=Windows-1252") == "windows-1252"
    assert mend_utf8(data) == data
    page = '<html><meta charset="windows-1252"><p>Où ?</p>'.encode("cp1252")
    assert declared_charset(page) == "windows-1252"


def test_publisher_mojibake_is_repaired_when_unambiguous() -> None:
    assert (
        repair_mojibake("le nÃ©cessaire pour nous satisfaire")
        == "le nécessaire pour nous satisfaire"
    )
    assert repair_mojibake("lâ€™ami, 20 â‚¬, Â«\xa0ouiÂ\xa0Â»") == "l’ami, 20 €, «\xa0oui\xa0»"
    # UTF-8 read as Latin-1 leaves C1 controls: « simples… trop simples ? ».
    assert (
        repair_mojibake("ZÂ\xa0: des Ã©couteurs simplesâ\x80¦") == "Z\xa0: des écouteurs simples…"
    )
    # French that only looks like it stays as written.
    for text in ("Ça, château « Â » et Ã ?", "À Évian, Ô rage !", "ÂGE, ÉTÉ"):
        assert repair_mojibake(text) == text


def test_mojibake_in_a_feed_is_repaired_in_titles_and_passages() -> None:
    feed = (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>T</title>"
        "<item><title>Test du Pixel 5 : le nÃ©cessaire</title><link>https://a.example/1</link>"
        "<description>&lt;p&gt;Des Ã©couteurs simplesâ€¦ trop simples.&lt;/p&gt;</description>"
        "</item></channel></rss>"
    ).encode()

    post = parse_feed(feed, tz=PARIS).posts[0]

    assert post.title == "Test du Pixel 5 : le nécessaire"
    assert post.passages[0].text == "Des écouteurs simples… trop simples."
