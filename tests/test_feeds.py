"""Tests for feed parsing (bot.ingest.feeds) and entry HTML to text (bot.ingest.html_text)."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.ingest.feeds import looks_like_feed, parse_feed
from bot.ingest.html_text import html_blocks, strip_html, text_to_paragraphs
from bot.models import ParseResult, Post

FEEDS = Path(__file__).parent / "data" / "feeds"
MARKUP = re.compile(r"<script|<iframe|<object|<embed|<style|<a |onclick=|javascript:|alert\(", re.I)


def html_to_paragraphs(html: str) -> list[str]:
    """Plain-text paragraphs of HTML: each block's text, as the feed parser reads them."""
    return [block.text for block in html_blocks(html)]


def parse(name: str, **kwargs: Any) -> ParseResult:
    return parse_feed((FEEDS / name).read_bytes(), **kwargs)


def all_text(post: Post) -> str:
    return "\n".join([post.title, *(passage.text for passage in post.passages), *post.credits])


# --- RSS 2.0 -------------------------------------------------------------------------------


def test_rss2_entry_fields() -> None:
    result = parse("rss2.xml")

    assert result.kind == "feed"
    assert result.feed_title == "Le Journal du Numérique"
    first = result.posts[0]
    assert first.source == "Le Journal du Numérique"
    assert first.title == "Titre & co : l’été numérique"
    assert first.guid == "journal-0001"
    assert first.identity == "guid:journal-0001"
    # Relative link, no base URL given: resolved against the channel's link.
    assert first.url == "https://journal.example/articles/ete-numerique"
    assert first.author == "Émilie Durand"
    assert first.published == datetime(2024, 4, 2, 7, 37, tzinfo=UTC)  # +0200 → UTC
    assert first.categories == ("Numérique", "Société")
    assert first.images == ("https://journal.example/img/ete.jpg",)
    assert first.hashtags == ("numérique", "Identité")


def test_rss2_hostile_html_leaves_only_text() -> None:
    first = parse("rss2.xml").posts[0]

    assert [passage.text for passage in first.passages] == [
        "Le gouvernement a annoncé une mesure\u00a0: la carte d’identité numérique #numérique.",
        "Un paragraphe piégé mais lisible.",
        "Voir notre dossier #Identité.",
    ]
    assert not MARKUP.search(all_text(first))
    assert "caché" not in all_text(first)  # iframe content is dropped, not unwrapped
    assert "color" not in all_text(first)


def test_rss2_base_url_resolves_relative_links() -> None:
    first = parse("rss2.xml", base_url="https://cdn.example/rss/feed.xml").posts[0]

    assert first.url == "https://cdn.example/articles/ete-numerique"


def test_rss2_full_content_is_preferred_and_guidless_entry_uses_url() -> None:
    second = parse("rss2.xml").posts[1]

    assert second.guid is None
    assert second.identity == "url:https://journal.example/articles/sans-guid"
    assert [passage.text for passage in second.passages] == [
        "Intertitre",
        "Le contenu complet est préféré au résumé.",
        "un\ndeux",  # a list is one passage, an item a line
    ]
    assert second.published is None


def test_rss2_untitled_linkless_entry_gets_title_from_text_and_hash_identity() -> None:
    third = parse("rss2.xml").posts[2]

    # No title: the first sentence, whole when it is short enough.
    assert third.title == (
        "Un billet sans titre ni lien, seulement du texte qui sert de titre de secours pour le "
        "lecteur pressé."
    )
    assert third.url is None
    assert third.guid is None
    assert third.identity.startswith("sha256:")
    assert third.images == (
        "https://journal.example/img/media.png",
        "https://journal.example/img/thumb.jpg",
    )


def test_rss2_entry_without_title_link_or_text_is_skipped() -> None:
    result = parse("rss2.xml", source="Journal")

    assert len(result.posts) == 3
    assert {post.source for post in result.posts} == {"Journal"}
    assert [(skip.where, skip.reason) for skip in result.skipped] == [
        (
            "Journal entry 3",
            "entry has no title: titled 'Un billet sans titre ni lien, seulement du texte qui "
            "sert de titre de secours pour le lecteur pressé.' from its text",
        ),
        ("Journal entry 4", "entry has no title, link or text"),
    ]


# --- Atom, RDF, JSON Feed ------------------------------------------------------------------


def test_atom_entries() -> None:
    result = parse("atom.xml")

    assert result.feed_title == "Le Carnet d’Atom"
    assert result.skipped == ()
    first, second, third = result.posts
    assert first.title == "Titre & co"
    assert first.url == "https://atom.example/blog/billets/premier"  # xml:base
    assert first.images == ("https://atom.example/blog/images/premier.png",)
    assert first.author == "Jean Dupont"
    assert first.published == datetime(2024, 4, 2, 7, 37, tzinfo=UTC)  # published beats updated
    assert first.categories == ("Vie privée",)
    assert [p.text for p in first.passages] == [
        "Premier paragraphe avec une référence.",
        "Deuxième\net troisième.",  # a <br> breaks the line, not the paragraph
    ]
    assert second.published == datetime(2024, 2, 9, 2, 3, tzinfo=UTC)  # updated, -05:00
    assert [p.text for p in second.passages] == ["Contenu XHTML propre.", "Suite."]
    assert third.published is None
    assert [p.text for p in third.passages] == ["Texte brut : 3 < 4 et c’est tout."]


def test_rdf_entries() -> None:
    result = parse("rdf.xml")

    assert result.feed_title == "Revue RDF"
    first, second = result.posts
    assert first.title == "Marina Ferrari nommée secrétaire d’État"
    assert first.guid == "https://rdf.example/a/1"
    assert first.author == "Rédaction"
    assert first.published == datetime(2024, 2, 8, 20, 3, tzinfo=UTC)
    assert first.categories == ("Politique",)
    assert [p.text for p in first.passages] == [
        "Députée de Savoie, elle remplace Jean-Noël Barrot."
    ]
    assert second.published is None


def test_json_feed() -> None:
    result = parse("feed.json")

    assert result.kind == "feed"
    assert result.feed_title == "Le Flux JSON"
    first, second = result.posts
    assert first.source == "Le Flux JSON"
    assert first.guid == "json-1"
    assert first.url == "https://json.example/2024/04/02/ete"  # relative to feed_url
    assert first.title == "Titre & co"
    assert first.author == "Chloé Martin"
    assert first.published == datetime(2024, 4, 2, 7, 37, tzinfo=UTC)
    assert first.categories == ("Streaming", "Écologie")
    assert first.images == (
        "https://json.example/img/arcom.jpg",
        "https://json.example/img/piece.webp",
    )
    assert first.hashtags == ("streaming",)
    assert [p.text for p in first.passages] == [
        "L’Arcom recommande une baisse de la qualité d’image #streaming.",
        "Lien piégé.",
    ]
    assert second.guid == "2"
    assert second.author == "Ancien Format"  # JSON Feed 1.0 `author`
    assert second.published is None  # "pas une date"
    # The title is the first sentence, so the passage that only repeats it goes.
    assert [p.text for p in second.passages] == ["En deux paragraphes."]
    assert second.title == "Un texte brut."
    assert [skip.reason for skip in result.skipped] == [
        "entry has no title: titled 'Un texte brut.' from its text",
        "entry has no title, link or text",
        "unreadable entry: ValueError: item is a str, not an object",
    ]


def test_json_feed_1_0_and_odd_field_types() -> None:
    data = b"""{"version": "https://jsonfeed.org/version/1", "title": "Vieux",
      "items": [{"id": "a", "title": "Garde", "url": "https://x.example/a",
                 "tags": "pas une liste", "attachments": 3, "authors": {"name": "objet"},
                 "date_published": "2024-04-02T09:37:00Z", "image": "javascript:alert(1)"}]}"""

    result = parse_feed(data)

    (post,) = result.posts
    assert (post.title, post.categories, post.images, post.author) == ("Garde", (), (), None)
    assert post.published == datetime(2024, 4, 2, 9, 37, tzinfo=UTC)


# --- failures are data ---------------------------------------------------------------------


def test_ill_formed_feed_is_reported_and_readable_entries_kept() -> None:
    result = parse("broken.xml", source="Cassé")

    assert [post.title for post in result.posts] == ["Premier article lisible", "Second article"]
    assert result.posts[0].url == "https://broken.example/1?a=1&b=2"
    (skip,) = result.skipped
    assert skip.where == "Cassé"
    assert skip.reason.startswith("ill-formed feed: SAXParseException: ")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not a feed: empty document"),
        (b" \n\t ", "not a feed: empty document"),
        (b"<html><head><title>Page</title></head><body><p>Bonjour</p></body></html>", "not a feed"),
        (b"just some text", "not a feed"),
        (b"/etc/passwd", "not a feed"),  # feedparser would open a path given as a string
        (b'{"title": "JSON, not a feed"}', "not a feed: JSON but no JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "not a feed"),
        (b"\x00\xff\xfe\x80" * 50, "not a feed"),
        (b'<rss version="2.0"><channel><title>Vide</title></channel></rss>', "feed has no entries"),
    ],
)
def test_no_feed_gives_no_posts_and_a_reason(data: bytes, reason: str) -> None:
    result = parse_feed(data, source="src")

    assert result.posts == ()
    assert result.skipped
    assert result.skipped[0].where == "src"
    assert result.skipped[0].reason.startswith(reason)


def test_truncated_and_mangled_inputs_never_raise() -> None:
    rng = random.Random(7)
    for path in sorted(FEEDS.iterdir()):
        data = path.read_bytes()
        for _ in range(25):
            cut = data[: rng.randrange(len(data))]
            mangled = bytearray(data)
            for _ in range(5):
                mangled[rng.randrange(len(mangled))] = rng.randrange(256)
            for sample in (cut, bytes(mangled)):
                result = parse_feed(sample)
                assert result.posts or result.skipped
                for post in result.posts:
                    assert not MARKUP.search(all_text(post))
                    assert post.published is None or post.published.tzinfo is UTC


def test_declared_charset_decodes_latin1() -> None:
    data = "<rss version='2.0'><channel><title>Été</title><item><title>Noël à Paris</title>"
    data += "</item></channel></rss>"

    result = parse_feed(data.encode("iso-8859-1"), content_type="text/xml; charset=ISO-8859-1")

    assert result.feed_title == "Été"
    assert result.posts[0].title == "Noël à Paris"
    assert result.skipped == ()


@pytest.mark.parametrize("content_type", ["text/html", "text/xml", "application/octet-stream"])
def test_media_type_alone_is_not_a_problem(content_type: str) -> None:
    result = parse("rss2.xml", content_type=content_type)

    assert result.posts[0].title == "Titre & co : l’été numérique"
    assert not any(skip.reason.startswith("ill-formed") for skip in result.skipped)


def test_unsafe_links_are_dropped() -> None:
    data = """<rss version="2.0"><channel><title>T</title><item><title>Piège</title>
      <link>javascript:alert(1)</link>
      <enclosure url="data:image/png;base64,AAAA" type="image/png"/>
      <description>#1 n'est pas un mot-dièse, https://x.example/page#ancre non plus, (#oui) si.
      </description></item></channel></rss>"""

    (post,) = parse_feed(data.encode()).posts

    assert post.url is None
    assert post.images == ()
    assert post.hashtags == ("oui",)


# --- sniffing ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rss2.xml", "atom.xml", "rdf.xml", "feed.json", "broken.xml"])
def test_fixtures_look_like_feeds(name: str) -> None:
    assert looks_like_feed((FEEDS / name).read_bytes())


@pytest.mark.parametrize(
    "data",
    [
        b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- c -->\n<!DOCTYPE rss [<!ENTITY a "b">]>\n<rss/>',
        '<?xml version="1.0" encoding="utf-16"?><feed xmlns="http://www.w3.org/2005/Atom"/>'.encode(
            "utf-16"
        ),
        b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/>",
        b' {"version": "https://jsonfeed.org/version/1", "items": []}',
    ],
)
def test_looks_like_feed_yes(data: bytes) -> None:
    assert looks_like_feed(data)


@pytest.mark.parametrize(
    "data", [b"", b"<html><body/></html>", b'{"version": "1.0"}', b"plain text", b"<?xml?>"]
)
def test_looks_like_feed_no(data: bytes) -> None:
    assert not looks_like_feed(data)


# --- HTML to text --------------------------------------------------------------------------


def test_html_blocks_make_paragraphs() -> None:
    html = (
        "<h1>Titre</h1><div>Un <em>bloc</em>\n  sur   deux lignes</div>"
        "<ul><li>a</li><li>b</li></ul><blockquote>Cité</blockquote>ligne<br>suivante<table><tr><td>x</td><td>y</td></tr></table>"
    )

    assert html_to_paragraphs(html) == [
        "Titre",
        "Un bloc sur deux lignes",
        "a\nb",
        "Cité",
        "ligne\nsuivante",
        "x y",
    ]


def test_html_nbsp_beside_a_space_leaves_one_space() -> None:
    # WordPress pads with &nbsp; next to ordinary spaces; alone, an NBSP is typography.
    assert html_to_paragraphs("<p>Bonjour &nbsp; à tous&nbsp; ! &nbsp;</p><p>&nbsp;</p>") == [
        "Bonjour à tous !"
    ]
    assert html_to_paragraphs("<p>Salut\u00a0!</p>") == ["Salut\u00a0!"]


def test_html_is_read_as_a_browser_would() -> None:
    # <embed> has no end tag and <li> closes the previous one (HTML5 tree rules).
    html = "<p>avant<embed src=x>après</p><ul><li>un<li>deux</ul><p><b>Gras</b> et non</p>"
    assert html_to_paragraphs(html) == ["avantaprès", "un\ndeux", "Gras et non"]
    assert html_to_paragraphs("<ul>" * 5000 + "profond") == ["profond"]


def test_html_dropped_elements_and_attributes() -> None:
    html = (
        "<head><title>meta</title></head><p onclick='steal()'>Texte <a href='javascript:x()'>lien"
        "</a></p><script>alert(1)</script><style>p{}</style><noscript>ns</noscript>"
        "<template>tpl</template><svg><text>dessin</text></svg><object>obj</object>"
        "<embed src=x>après<iframe>frame"
    )

    assert html_to_paragraphs(html) == ["Texte lien", "après"]  # an unclosed iframe hides the rest


def test_html_entities_nbsp_and_escaped_markup() -> None:
    html = "<p>L&rsquo;&eacute;t&eacute;&nbsp;: 3 &lt; 4 &amp; "
    html += "&lt;script&gt;alert(1)&lt;/script&gt; &lt;ß onclick=x()&gt;fin"

    assert html_to_paragraphs(html) == ["L’été\u00a0: 3 < 4 & alert(1) fin"]


def test_html_unfinished_tag_and_empty_input() -> None:
    assert html_to_paragraphs('Début <a href="javascript:alert(1)') == ["Début"]
    assert html_to_paragraphs("") == []
    assert html_to_paragraphs("<p> \n </p>") == []


def test_strip_html_and_plain_text() -> None:
    assert strip_html("<b>Titre</b> &amp; co") == "Titre & co"
    assert strip_html("  Un\n titre <br> coupé ") == "Un titre coupé"
    assert text_to_paragraphs("ligne un\nsuite\n\nparagraphe deux") == [
        "ligne un suite",
        "paragraphe deux",
    ]
    assert text_to_paragraphs("un\ndeux") == ["un", "deux"]
