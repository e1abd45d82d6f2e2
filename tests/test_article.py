"""Tests for reading an entry body as an article: boilerplate, lead image, interviews, dates."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.ingest.article import read_article
from bot.ingest.boilerplate import is_trailer
from bot.ingest.dates import entry_date, iso_date, plausible
from bot.ingest.html_text import Block
from bot.ingest.interviews import title_speaker
from bot.ingest.passages import split_passages
from bot.ingest.urls import looks_like_url, slug_words

PARIS = ZoneInfo("Europe/Paris")


def texts(html: str) -> list[str]:
    return [block.text for block in read_article(html, "text/html", "https://ex.fr/a/b").blocks]


# --- boilerplate ---------------------------------------------------------------------------


def test_related_boxes_and_shopping_widgets_go_article_text_stays() -> None:
    html = (
        "<p>Premier paragraphe.</p>"
        "<h3>Lire aussi</h3><ul><li><a href='/x'>Un autre article</a></li></ul>"
        "<p><strong>À lire :</strong> <a href='/y'>Encore un autre</a></p>"
        "<div><span>Amazon</span> <a href='https://bestengine.humanoid.fr/track/1'>179 €"
        " Découvrir l'offre</a></div>"
        "<ul><li><a rel='nofollow affiliate' href='https://www.awin1.com/c'>Fnac : le prix</a>"
        "</li></ul>"
        "<p>Lire aussi le livre de Jean, qui explique bien des choses sur le sujet, et le relire"
        " encore : ce n'est pas un lien.</p>"
        "<p>Proposé à <a rel='affiliate' href='https://www.awin1.com/c'>329 euros</a> chez Darty"
        " pendant les soldes, ce moniteur reste une bonne affaire.</p>"
    )
    assert texts(html) == [
        "Premier paragraphe.",
        "Lire aussi le livre de Jean, qui explique bien des choses sur le sujet, et le relire "
        "encore : ce n'est pas un lien.",
        "Proposé à 329 euros chez Darty pendant les soldes, ce moniteur reste une bonne affaire.",
    ]


def test_captions_become_credits_and_named_boxes_go() -> None:
    html = (
        "<div class='wp-caption'><img src='/i.jpg' width='800'>"
        "<p class='wp-caption-text'>Source : X sur Unsplash</p></div>"
        "<figure><img src='/j.jpg'><figcaption>Une légende</figcaption></figure>"
        "<p>Texte.</p><div class='sharedaddy'>Partager : Twitter</div>"
        "<p class='ytpub-label'><a>Lien YouTube</a></p><p>Source et photo</p>"
        "<p>The post Titre appeared first on Blog.</p><p>Lire la suite…</p>"
    )
    article = read_article(html, "text/html", "https://ex.fr/a/b")

    assert [block.text for block in article.blocks] == ["Texte."]
    assert article.captions == ("Source : X sur Unsplash", "Une légende")
    assert article.lead_image == "https://ex.fr/i.jpg"


def test_a_box_holding_most_of_the_text_is_the_article_whatever_its_class() -> None:
    html = (
        "<div class='entry-content has-share-buttons'><p>Un long article qui dit beaucoup de"
        " choses.</p><p>Et qui continue encore un peu.</p>"
        "<div class='share-box'>Partager sur Mastodon</div></div>"
    )
    assert texts(html) == [
        "Un long article qui dit beaucoup de choses.",
        "Et qui continue encore un peu.",
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Source : The Verge",
        "Sources",
        "Source et photo (CC)",
        "L’article Un titre est apparu en premier sur Le Blog.",
        "Suivez-nous sur Twitter et Facebook",
        "Abonnez-vous à notre newsletter",
        "Les commentaires sont malheureusement toujours fermés... RDV sur Facebook.",
        "This post is also available in English",
        "Ce texte est également disponible en anglais.",
    ],
)
def test_trailer_lines(line: str) -> None:
    assert is_trailer(line)


@pytest.mark.parametrize(
    "line",
    [
        "Suite.",
        "La source de la Seine est à Source-Seine.",
        "Facebook a annoncé hier une baisse de ses revenus publicitaires en Europe.",
        "Photo de famille pour les dirigeants du G7, réunis à Biarritz.",
        "Ce texte est disponible en anglais sur le site du ministère, mais pas en breton.",
    ],
)
def test_article_lines_are_no_trailers(line: str) -> None:
    assert not is_trailer(line)


# --- lead image ----------------------------------------------------------------------------


def test_lead_image_skips_pixels_emoji_and_icons_and_resolves_lazy_loading() -> None:
    html = (
        "<img src='https://pi.feedsportal.com/r/1/a2t.img' width='1' height='1'>"
        "<img class='wp-smiley emoji' src='https://s.w.org/images/core/emoji/72x72/1f600.png'>"
        "<img src='/wp-content/plugins/flattr/img/flattr-badge-large.png' alt='flattr this!'>"
        "<img src='/icons/rss.png' width='16'>"
        "<img src='data:image/gif;base64,R0lGOD' data-src='../photos/lead.jpg'>"
        "<img src='/second.jpg'>"
    )
    assert read_article(html, "text/html", "https://ex.fr/a/b").lead_image == (
        "https://ex.fr/photos/lead.jpg"
    )
    srcset = "<img srcset='/s.jpg 300w, /l.jpg 1200w, /m.jpg 800w' src='/s.jpg'>"
    assert read_article(srcset, "text/html", "https://ex.fr/").lead_image == "https://ex.fr/l.jpg"
    named = "<img alt='Google Pixel 5' src='/google-pixel-5.jpg'>"
    assert read_article(named, "text/html", "https://ex.fr/").lead_image == (
        "https://ex.fr/google-pixel-5.jpg"
    )


def test_an_article_without_a_picture_shows_its_first_videos_still() -> None:
    def lead(html: str) -> str | None:
        return read_article(html, "text/html", "https://ex.fr/a/b").lead_image

    youtube = (
        "<p>La console.</p><iframe src='https://www.youtube.com/embed/5OcNy7t17LA?x=1'></iframe>"
    )
    assert lead(youtube) == "https://img.youtube.com/vi/5OcNy7t17LA/hqdefault.jpg"
    dailymotion = "<iframe src='//www.dailymotion.com/embed/video/x8abc12'></iframe>"
    assert lead(dailymotion) == "https://www.dailymotion.com/thumbnail/video/x8abc12"
    assert lead("<video poster='/still.jpg' src='/v.mp4'></video>") == "https://ex.fr/still.jpg"
    # A picture comes first; a player of unknown address gives nothing.
    assert lead(youtube + "<img src='/photo.jpg'>") == "https://ex.fr/photo.jpg"
    assert lead("<iframe src='https://player.example/embed/42'></iframe>") is None


# --- interviews ----------------------------------------------------------------------------


def blocks(*items: tuple[str, str, bool]) -> list[Block]:
    return [Block(kind, text, bold) for kind, text, bold in items]  # type: ignore[arg-type]


def test_questions_in_bold_with_a_title_cue_make_an_interview() -> None:
    body = blocks(
        ("paragraph", "Le chercheur a répondu à nos questions.", False),
        ("paragraph", "- Comment est né ce projet ?", True),
        ("paragraph", "D’une colère, en 2019.", False),
        ("paragraph", "Et d’une rencontre.", False),
        ("quote", "Le clic est un travail", False),
        ("heading", "Que change la loi ?", False),
        ("paragraph", "Presque rien pour les travailleurs.", False),
    )
    passages, _ = split_passages(body, title="Entretien avec Antonio Casilli, sociologue")

    assert [(p.kind, p.speaker, p.text) for p in passages] == [
        ("paragraph", None, "Le chercheur a répondu à nos questions."),
        ("question", None, "Comment est né ce projet ?"),
        ("answer", "Antonio Casilli", "D’une colère, en 2019.\n\nEt d’une rencontre."),
        ("pullquote", "Antonio Casilli", "Le clic est un travail"),
        ("question", None, "Que change la loi ?"),
        ("answer", "Antonio Casilli", "Presque rien pour les travailleurs."),
    ]


def test_outlet_prefixed_questions_with_plain_answers() -> None:
    body = blocks(
        ("paragraph", "LVSL : Que pensez-vous de ChatGPT ?", True),
        ("paragraph", "C’est un outil de marketing.", False),
        ("paragraph", "LVSL : Et demain ?", True),
        ("paragraph", "Demain sera pire.", False),
    )
    passages, _ = split_passages(body, title="Antonio Casilli : « La menace »")

    assert [(p.kind, p.speaker) for p in passages] == [
        ("question", "LVSL"),
        ("answer", "Antonio Casilli"),
        ("question", "LVSL"),
        ("answer", "Antonio Casilli"),
    ]
    assert passages[0].text == "Que pensez-vous de ChatGPT ?"


def test_headings_that_ask_do_not_make_an_ordinary_article_an_interview() -> None:
    # Frandroid-style tutorials: question headings, no interview cue, no question markers.
    body = blocks(
        ("paragraph", "Windows tire ses photos de Bing.", False),
        ("heading", "Comment personnaliser l’écran de verrouillage ?", False),
        ("paragraph", "Ouvrez les paramètres.", False),
        ("heading", "Quelles sont les limites ?", False),
        ("paragraph", "Il y en a peu.", False),
    )
    passages, _ = split_passages(body, title="Windows 10 : comment personnaliser l’écran")

    assert {p.kind for p in passages} == {"paragraph"}


def test_bold_paragraphs_answered_are_questions_once_bold_asks() -> None:
    # Framablog: a question with a closing aside, or ending in « . », is still the
    # interviewer's; left in the answer, it would be quoted as the interviewee's words.
    body = blocks(
        ("paragraph", "CHICHE !", True),
        ("paragraph", "Peux-tu te présenter ?", True),
        ("paragraph", "Avec plaisir.", False),
        ("paragraph", "As-tu vu des problèmes ? (Je pose cette question parce que…)", True),
        ("paragraph", "Il en existe.", False),
        ("paragraph", "Quels conseils donnerais-tu aux créateurs.", True),
        ("paragraph", "Il y a deux niveaux.", False),
        ("paragraph", "Des lectures ?", True),
        ("paragraph", "Le site de NNGroup.", False),
    )
    passages, _ = split_passages(body, title="Marie-Cécile Godwin : « les usages prévalent »")

    assert [(p.kind, p.speaker, p.text) for p in passages] == [
        ("paragraph", None, "CHICHE !"),
        ("question", None, "Peux-tu te présenter ?"),
        ("answer", "Marie-Cécile Godwin", "Avec plaisir."),
        ("question", None, "As-tu vu des problèmes ? (Je pose cette question parce que…)"),
        ("answer", "Marie-Cécile Godwin", "Il en existe."),
        ("question", None, "Quels conseils donnerais-tu aux créateurs."),
        ("answer", "Marie-Cécile Godwin", "Il y a deux niveaux."),
        ("question", None, "Des lectures ?"),
        ("answer", "Marie-Cécile Godwin", "Le site de NNGroup."),
    ]


def test_bold_answers_stay_answers_when_headings_ask() -> None:
    # Cultiz sets some replies wholly in bold; its questions are headings.
    body = blocks(
        ("heading", "- Tu peux te présenter ?", False),
        ("paragraph", "Je dessine depuis toujours.", True),
        ("paragraph", "Surtout la nuit.", False),
        ("heading", "- Un dernier mot ?", False),
        ("paragraph", "Merci à tous.", False),
    )
    passages, _ = split_passages(body, title="Illustration et interview de Oskunk")

    assert [p.kind for p in passages] == ["question", "answer", "question", "answer"]
    assert passages[1].text == "Je dessine depuis toujours.\n\nSurtout la nuit."


def test_a_group_interview_gives_each_answer_to_the_voice_that_opens_it() -> None:
    # Framablog's « Libres bulles »: bold questions, answers led by pseudonyms, two voices
    # in one paragraph (a <br> between them), no interview named in the title.
    body = blocks(
        ("paragraph", "Nous leur avons posé des questions.", False),
        ("paragraph", "Pouvez-vous vous présenter ?", True),
        ("paragraph", "– Hello, je suis llaq.", False),
        ("paragraph", "Combien ça coûte ?", True),
        ("paragraph", "llaq : Rien.", False),
        ("paragraph", "méli : On ne veut pas faire payer.", False),
        ("paragraph", "Un point important : l’accueil.", False),
        ("paragraph", "Comment je vais savoir ?", True),
        ("paragraph", "llaq : Par le mail.\nMaiwann : comme ça, pas besoin de revenir !", False),
        ("paragraph", "Et la modération ?", True),
        ("paragraph", "méli : À posteriori.", False),
        ("paragraph", "Maiwann : Et si c’est trop relou, a priori.", False),
        ("heading", "Les liens utiles :", True),
        ("list", "Le site : contribulle.org", False),
    )
    passages, _ = split_passages(body, title="Libres bulles pour que décollent les contributions")

    assert [(p.kind, p.speaker, p.text) for p in passages] == [
        ("paragraph", None, "Nous leur avons posé des questions."),
        ("question", None, "Pouvez-vous vous présenter ?"),
        ("answer", None, "– Hello, je suis llaq."),
        ("question", None, "Combien ça coûte ?"),
        ("answer", "llaq", "Rien."),
        ("answer", "méli", "On ne veut pas faire payer.\n\nUn point important : l’accueil."),
        ("question", None, "Comment je vais savoir ?"),
        ("answer", "llaq", "Par le mail."),
        ("answer", "Maiwann", "comme ça, pas besoin de revenir !"),
        ("question", None, "Et la modération ?"),
        ("answer", "méli", "À posteriori."),
        ("answer", "Maiwann", "Et si c’est trop relou, a priori."),
        ("paragraph", None, "Les liens utiles :"),
        ("paragraph", None, "Le site : contribulle.org"),
    ]


def test_labels_that_do_not_open_answers_make_no_group_interview() -> None:
    # Two lowercase « label : » lines each twice (no speaker turns), but no question is
    # answered by one: an article with bold questions stays paragraphs without a title cue.
    body = blocks(
        ("paragraph", "Pourquoi changer ?", True),
        ("paragraph", "Parce que le service ferme.", False),
        ("paragraph", "à noter : la vitesse.", False),
        ("paragraph", "bon à savoir : le prix.", False),
        ("paragraph", "Que faire ensuite ?", True),
        ("paragraph", "Choisir un autre service.", False),
        ("paragraph", "à noter : la liberté.", False),
        ("paragraph", "bon à savoir : la migration.", False),
    )
    passages, _ = split_passages(body, title="Notre service ferme : la marche à suivre")

    assert {p.kind for p in passages} == {"paragraph"}


def test_section_headings_and_list_items_with_colons_are_not_speakers() -> None:
    # L'avertY's report: « Distanciel : … » headings; Framablog: a list of talks by name.
    body = blocks(
        ("paragraph", "La situation des étudiants interpelle.", False),
        ("heading", "Train-train fantôme : cadre de travail ou fête foraine ?", False),
        ("paragraph", "Les étudiants restent chez eux.", False),
        ("heading", "Distanciel : rendez-vous derrière l’écran", False),
        ("paragraph", "Difficile de savoir ce qu’il se passe.", False),
        (
            "list",
            "Jean-Christophe Paris : « What’s in their minds »\nStef Walter : « Un joli template »",
            False,
        ),
        ("heading", "Formation identitaire : le miroir sans reflet", False),
    )
    passages, _ = split_passages(
        body, title="Opération Ghostbusters : comment soutenir les étudiants ?"
    )

    assert {p.kind for p in passages} == {"paragraph"}


@pytest.mark.parametrize(
    ("title", "speaker"),
    [
        ("Cult Iz My « C » : illustration et interview de Oskunk", "Oskunk"),
        ("Entretien avec Barbara Stiegler", "Barbara Stiegler"),
        ("Vincent Béal, sociologue: «L’affaire Perdriau a stimulé…»", "Vincent Béal"),
        ("Antonio Casilli : « La menace d’un grand remplacement »", "Antonio Casilli"),
        ("Infertilité : parmi les causes, des liens avec les substances", None),
        ('"On intervient seulement pour les urgences" : pourquoi les policiers', None),
        ("Guerre en Ukraine : « un tournant »", None),
    ],
)
def test_title_speaker(title: str, speaker: str | None) -> None:
    assert title_speaker(title) == speaker


# --- dates and titles ----------------------------------------------------------------------


def test_dates_without_a_zone_are_local_and_impossible_ones_are_caught() -> None:
    assert entry_date("Wed, 27 Nov 2013 20:17:55 ", None, PARIS) == datetime(
        2013, 11, 27, 19, 17, 55, tzinfo=UTC
    )
    assert entry_date("2013-07-01T12:00:00", None, PARIS) == datetime(2013, 7, 1, 10, tzinfo=UTC)
    assert iso_date("2024-04-02T09:37:00", PARIS) == datetime(2024, 4, 2, 7, 37, tzinfo=UTC)
    assert iso_date("2024-04-02T09:37:00Z", PARIS) == datetime(2024, 4, 2, 9, 37, tzinfo=UTC)
    now = datetime(2024, 1, 1, tzinfo=UTC)
    assert plausible(datetime(1990, 1, 1, tzinfo=UTC), now)
    assert not plausible(datetime(1989, 12, 31, tzinfo=UTC), now)
    assert plausible(datetime(2024, 1, 1, 23, tzinfo=UTC), now)
    assert not plausible(datetime(2024, 1, 2, 1, tzinfo=UTC), now)
    assert not plausible(datetime(9999, 12, 31, tzinfo=UTC), now)


def test_addresses_are_never_titles() -> None:
    assert looks_like_url("http://www.lemonde.fr/libye/article/2014/11/16/x.html")
    assert looks_like_url("www.example.fr/page")
    assert not looks_like_url("Un Italien enlevé en mars en Libye a été libéré")
    assert slug_words("http://x.fr/a/un-italien-enleve-en-mars-en-libye_4524340_14.html") == (
        "Un italien enleve en mars en libye"
    )
