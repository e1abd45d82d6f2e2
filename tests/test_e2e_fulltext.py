"""End to end: the bot as its own process completes a feed's teasers from their pages."""

from __future__ import annotations

import asyncio
import time
from functools import partial
from itertools import pairwise
from pathlib import Path

import pytest

from bot.store import Store
from tests.bot_process import BotProcess
from tests.conftest import ROOT
from tests.fakes import FakeBotAPI, FakeBotServer, FakeUser, SentCall, plain_words
from tests.fakes.feed_server import FeedServer
from tests.fakes.rss import make_rss
from tests.test_e2e_push import start_bot as push_bot

pytestmark = pytest.mark.e2e

PAGES = ROOT / "tests" / "data" / "fulltext"
HTML = "text/html; charset=utf-8"
GAP = 0.4
ROBOTS = "User-agent: *\nDisallow: /private/\n"
# Teasers as a WordPress feed writes them: the first lines, then « […] ».
TEASERS = {
    "/a/abeilles": (
        "Les abeilles de Montreuil",
        "Sur les toits de Montreuil, une coopérative installe des ruches […]",
    ),
    "/a/entretien": (
        "Entretien avec Jeanne Vautrin : « Le travail ne disparaîtra pas »",
        "La sociologue Jeanne Vautrin étudie les effets des logiciels. Lire la suite",
    ),
    "/a/enquete": (
        "Enquête sur les fonds secrets",
        "Notre enquête révèle comment trois ministères ont financé des études […]",
    ),
    "/a/disparu": ("Un article disparu", "Ce texte de présentation parle de cerfs-volants […]"),
    "/private/interdit": ("Une page interdite", "Ce texte de présentation parle de luge […]"),
}


class Site:
    """A local news site: a feed of teasers and the pages they link to."""

    def __init__(self, server: FeedServer) -> None:
        self.server = server
        self.items: list[dict[str, str]] = []
        server.set("/robots.txt", ROBOTS, content_type="text/plain")
        server.set("/a/abeilles", (PAGES / "article.html").read_bytes(), content_type=HTML)
        server.set("/a/entretien", (PAGES / "interview.html").read_bytes(), content_type=HTML)
        server.set("/a/enquete", (PAGES / "paywall.html").read_bytes(), content_type=HTML)
        # Served, but robots.txt forbids it: it must never be asked for.
        server.set("/private/interdit", (PAGES / "article.html").read_bytes(), content_type=HTML)
        # /a/disparu is not served: a 404.
        self.publish("/a/premier", "Premier article", "Déjà là avant tout abonnement […]")

    def publish(self, path: str, title: str, teaser: str) -> None:
        number = len(self.items) + 1
        item = {
            "title": title,
            "link": self.server.url(path),
            "guid": f"entry-{number}",
            "description": teaser,
        }
        self.items.insert(0, item)
        self.server.set("/feed.xml", make_rss("Local", self.items), etag=f'"v{number}"')


async def start_bot(core: FakeBotAPI, api: FakeBotServer, tmp: Path, feed_url: str) -> BotProcess:
    # PAGE_WAIT long enough for every page of this test to come before its push goes.
    return await push_bot(core, api, tmp, feed_url, PAGE_GAP=str(GAP), PAGE_WAIT="30")


def has_words(words: str, call: SentCall) -> bool:
    """Whether `call`'s text holds `words`."""
    return words in call.text


async def ask(core: FakeBotAPI, user: FakeUser, command: str) -> str:
    mark = core.mark()
    core.command(user, command)
    reply = await core.wait_for(method="sendMessage", chat_id=user, since=mark, within=30)
    return plain_words(reply.text)


async def wait_hits(server: FeedServer, path: str, times: int) -> None:
    deadline = time.monotonic() + 30
    while server.hits[path] < times:
        assert time.monotonic() < deadline, f"the bot never fetched {path}"
        await asyncio.sleep(0.1)


async def test_teasers_are_completed_from_their_pages(core: FakeBotAPI, tmp_path: Path) -> None:
    async with FeedServer() as server, FakeBotServer(core) as api:
        site = Site(server)
        bot = await start_bot(core, api, tmp_path, server.url("/feed.xml"))
        try:
            await wait_hits(server, "/feed.xml", 2)
            alice = core.user("Alice")
            assert "Abonnement à Local enregistré" in await ask(core, alice, "/subscribe Local")
            bob = core.user("Bob")  # no post for subscribers
            assert "Abonnement à Local enregistré" in await ask(
                core, bob, "/subscribe Local -abonnés"
            )
            for path, (title, teaser) in TEASERS.items():
                site.publish(path, title, teaser)

            # The page's og:image goes out as the push's photo, with the page's first lines.
            photo = await core.wait_for(
                lambda c: "abeilles" in c.text, method="sendPhoto", chat_id=alice, within=30
            )
            assert photo.params["photo"] == server.url("/images/abeilles.jpg")
            assert "quarante colonies" not in photo.text  # the snippet is the first passage
            pushes = [photo]
            for title in ("Entretien avec", "Enquête sur", "Un article disparu", "interdite"):
                pushes.append(await core.wait_for(partial(has_words, title), chat_id=alice,
                                                  within=30))  # fmt: skip
            walled = next(p for p in pushes if "Enquête" in p.text)
            assert plain_words(walled.text).startswith("🔒 Enquête sur les fonds secrets")
            assert not plain_words(photo.text).startswith("🔒")
            # Bob's filter leaves the paywalled post out; the others reach him.
            await core.wait_for(lambda c: "interdite" in c.text, chat_id=bob, within=30)
            assert not [c for c in core.sent(chat_id=bob) if "Enquête" in c.text]

            # Words only the page has are found; the interviewee is quoted from the page.
            found = await ask(core, alice, "/search tilleuls menthe poivrée")
            assert "Les abeilles de Montreuil" in found, found
            quoted = await ask(core, alice, "/quote intensification silencieuse du travail")
            assert "Jeanne Vautrin" in quoted, quoted
            assert "intensification silencieuse" in quoted, quoted
            # The wall's words are not indexed; the paywalled post is marked in results.
            assert "Enquête" not in await ask(core, alice, "/search zibeline")
            walled_found = await ask(core, alice, "/search ministères études")
            assert "🔒 Enquête sur les fonds secrets" in walled_found, walled_found
            assert "🔒 Les abeilles" not in await ask(core, alice, "/search tilleuls")
            # The 404 page left the post its teaser, still searchable.
            assert "Un article disparu" in await ask(core, alice, "/search cerfs-volants")
            # /status counts, per source, full texts, teasers, walls and failures by reason.
            status = await ask(core, alice, "/status")
            assert (
                "Local — texte complet : 2 · accroche seule : 4 · réservés aux abonnés : 1"
                in status
            ), status
            assert "introuvable (404 ou 410) : 2, interdite par robots.txt : 1" in status, status
        finally:
            code, log = await bot.stop()
        assert code == 0, log
        assert "Traceback" not in log

    # robots.txt was read once, and the page it forbids never asked for.
    assert server.hits["/robots.txt"] == 1
    assert server.hits["/private/interdit"] == 0
    assert all("Relais" in r.headers["User-Agent"] for r in server.requests)
    # One page of the host at a time, and the gap kept between them (the server's clock).
    pages = sorted((span for span in server.spans if span[0].startswith("/a/")), key=lambda s: s[1])
    assert len(pages) == 5, pages  # premier, abeilles, entretien, enquete, disparu
    gaps = [later[1] - earlier[2] for earlier, later in pairwise(pages)]
    assert min(gaps) >= GAP, gaps
    async with Store.open(tmp_path / "relais.sqlite3") as store:
        counts = await store.fulltext_counts()
    local = counts["Local"]
    assert (local["full"], local["subscribers"]) == (2, 1)
    assert local["failed"] == {"gone": 2, "robots": 1}  # premier and disparu are 404s


REAL = ROOT / "tests" / "data" / "pages"


async def test_real_pages_of_the_corpus(core: FakeBotAPI, tmp_path: Path) -> None:
    """Le Monde's article gives its og:image and its text; AOC's wall page stays a teaser;
    Ouest-France's testimony is quoted with its witness's name."""
    async with FeedServer() as server, FakeBotServer(core) as api:
        site = Site(server)
        server.set("/lemonde", (REAL / "lemonde-commission.html").read_bytes(), content_type=HTML)
        server.set("/aoc", (REAL / "aoc-retraite.html").read_bytes(), content_type=HTML)
        server.set("/heran", (REAL / "legrandcontinent-heran.html").read_bytes(), content_type=HTML)
        server.set("/gaza", (REAL / "ouestfrance-gaza.html").read_bytes(), content_type=HTML)
        bot = await start_bot(core, api, tmp_path, server.url("/feed.xml"))
        try:
            await wait_hits(server, "/feed.xml", 2)
            alice = core.user("Alice")
            assert "Abonnement à Local enregistré" in await ask(core, alice, "/subscribe Local")
            site.publish(
                "/lemonde", "Bruxelles confirme la montée des périls", "Les prévisions […]"
            )
            site.publish("/aoc", "La retraite est un archaïsme", "Une tribune sur 1995 […]")
            site.publish("/heran", "Sur les migrations avec François Héran", "Un entretien […]")
            site.publish("/gaza", "À Gaza, les nuits terrifiantes", "Zakaria Shehab, 37 ans […]")
            photo = await core.wait_for(
                lambda c: "périls" in c.text, method="sendPhoto", chat_id=alice, within=30
            )
            assert photo.params["photo"].startswith("https://img.lemde.fr/2019/05/07/")
            walled = await core.wait_for(lambda c: "archaïsme" in c.text, chat_id=alice, within=30)
            assert plain_words(walled.text).startswith("🔒 ")
            await core.wait_for(lambda c: "Héran" in c.text, chat_id=alice, within=30)
            await core.wait_for(lambda c: "nuits terrifiantes" in c.text, chat_id=alice, within=30)

            found = await ask(core, alice, "/search maillon faible zone euro")
            assert "Bruxelles confirme la montée des périls" in found, found
            # Behind AOC's wall: neither the article's words nor the wall's are stored.
            assert "archaïsme" not in await ask(core, alice, "/search offre découverte")
            assert "archaïsme" not in await ask(core, alice, "/search grèves de 1995")
            quoted = await ask(core, alice, "/quote Dublin II creuse les écarts")
            assert "Dublin II est un règlement européen" in quoted, quoted
            assert "François Héran" in quoted, quoted
            # Ouest-France's testimony: the witness's words come with his name.
            quoted = await ask(core, alice, "/quote nous ne sommes pas que des chiffres")
            assert "pas que des chiffres" in quoted, quoted
            assert "Zakaria Shehab" in quoted, quoted
        finally:
            code, log = await bot.stop()
        assert code == 0, log
        assert "Traceback" not in log
