"""Tests for splitting a post body into paragraphs, interview turns, pull quotes and credits."""

from __future__ import annotations

from collections import Counter

from bot.ingest.passages import is_credit, pull_quote, split_passages
from bot.models import Passage

NB = "\u00a0"
NNB = "\u202f"


def kinds(passages: tuple[Passage, ...]) -> list[str]:
    return [p.kind for p in passages]


def test_plain_article_is_paragraphs_kept_verbatim() -> None:
    paragraphs = [
        "  Le gouvernement a annoncé l’ouverture d’une consultation.  ",
        "",
        "   ",
        f"Selon le ministère, «{NB}rien n’est décidé{NB}».",
    ]
    passages, credits = split_passages(paragraphs)
    assert passages == (
        Passage("paragraph", "Le gouvernement a annoncé l’ouverture d’une consultation."),
        Passage("paragraph", f"Selon le ministère, «{NB}rien n’est décidé{NB}»."),
    )
    assert credits == ()


def test_lone_label_prefixes_in_prose_are_not_interview_turns() -> None:
    paragraphs = [
        f"Résultat{NB}: les ventes ont baissé de 12{NB}% sur l’année.",
        "Le marché reste tendu selon les analystes.",
        "Bilan : une année difficile pour le secteur.",
    ]
    passages, _ = split_passages(paragraphs)
    assert kinds(passages) == ["paragraph"] * 3
    assert all(p.speaker is None for p in passages)
    assert passages[0].text.startswith("Résultat")


def test_standalone_quote_outside_an_interview_stays_a_paragraph() -> None:
    passages, _ = split_passages(
        [f"«{NB}Nous ne céderons pas{NB}»", "Le syndicat maintient la grève."]
    )
    assert kinds(passages) == ["paragraph", "paragraph"]


def test_interview_turns_merge_continuations_and_strip_prefixes() -> None:
    paragraphs = [
        "Le sociologue répond à nos questions.",
        f"LVSL{NB}: Que pensez-vous de ChatGPT{NB}?",
        f"A. Casilli{NNB}: C’est un outil de marketing.",
        "Il repose sur du travail non payé.",
        f"«{NB}Le clic est l’unité minimale du travail{NB}».",
        "Les utilisateurs testent gratuitement le produit.",
        "LVSL : Et demain ?",
        "A. Casilli : Des conflits sociaux.",
    ]
    passages, credits = split_passages(paragraphs)
    assert credits == ()
    assert kinds(passages) == ["paragraph", "question", "answer", "pullquote", "question", "answer"]
    assert passages[1] == Passage("question", f"Que pensez-vous de ChatGPT{NB}?", "LVSL")
    assert passages[2] == Passage(
        "answer",
        "C’est un outil de marketing.\n\nIl repose sur du travail non payé.\n\n"
        "Les utilisateurs testent gratuitement le produit.",
        "A. Casilli",
    )
    assert passages[3] == Passage(
        "pullquote", "Le clic est l’unité minimale du travail", "A. Casilli"
    )


def test_single_exchange_counts_when_it_opens_with_a_question() -> None:
    paragraphs = [
        "Q : Pourquoi ce livre ?",
        "Et pourquoi maintenant ?",
        "R : Pour montrer le travail.",
    ]
    passages, _ = split_passages(paragraphs)
    assert passages == (
        Passage("question", "Pourquoi ce livre ?\n\nEt pourquoi maintenant ?", "Q"),
        Passage("answer", "Pour montrer le travail.", "R"),
    )


def test_a_short_exchange_is_one_turn_each() -> None:
    # Framablog's group interview: one bold question led by « Laissez-moi deviner : », then
    # many answers of which only one voice's prefix reads as a name. Not a short exchange.
    paragraphs = [
        "Laissez-moi deviner : c’est une bulle qui éclate ?",
        "llaq : C’est presque ça.",
        "Maiwann : Et moi j’imagine plein de petites bulles !",
        "Combien ça coûte ?",
        "llaq : Rien.",
        "Maiwann : Du temps et de l’énergie.",
    ]
    passages, _ = split_passages(paragraphs)
    assert kinds(passages) == ["paragraph"] * 6


def test_labels_recurring_in_a_review_are_no_interview() -> None:
    paragraphs = [
        "Nous avons comparé deux liseuses pendant un mois.",
        "Avantage : un écran très lisible en plein soleil.",
        "Limite : l’autonomie annoncée n’est pas tenue.",
        "La seconde est plus chère, mais mieux finie.",
        "Avantage : une finition irréprochable.",
        "Limite : le prix, 249 euros.",
    ]
    passages, _ = split_passages(paragraphs)
    assert kinds(passages) == ["paragraph"] * 6
    assert passages[1].text == "Avantage : un écran très lisible en plein soleil."


def test_one_off_prefix_inside_an_answer_does_not_start_a_turn() -> None:
    paragraphs = [
        "LVSL : Première question ?",
        "A. Casilli : Première réponse.",
        "Je dis : regardons ailleurs.",
        "LVSL : Deuxième question ?",
        "A. Casilli : Deuxième réponse.",
    ]
    passages, _ = split_passages(paragraphs)
    assert Counter(kinds(passages)) == {"question": 2, "answer": 2}
    assert passages[1].text == "Première réponse.\n\nJe dis : regardons ailleurs."


def test_speaker_prefix_must_be_short_and_capitalized() -> None:
    paragraphs = [
        "Mais je m’efforce de dire : regardons ailleurs.",
        "Mais je m’efforce de dire : encore une fois.",
        "lvsl : minuscule ?",
        "lvsl : encore ?",
    ]
    passages, _ = split_passages(paragraphs)
    assert kinds(passages) == ["paragraph"] * 4


def test_credits_and_captions_are_kept_out_of_passages() -> None:
    paragraphs = [
        "Texte de l’article.",
        "© Marielisa Ramirez",
        "Mobilisation des livreurs © Marion Beauvalet Mobilisation de livreurs Deliveroo",
        "Crédit photo : AFP",
        "Photo : Unsplash",
    ]
    passages, credits = split_passages(paragraphs)
    assert passages == (Passage("paragraph", "Texte de l’article."),)
    assert credits == tuple(paragraphs[1:])


def test_credit_does_not_break_an_answer_turn() -> None:
    paragraphs = [
        "LVSL : Une question ?",
        "A. Casilli : Début de réponse.",
        "© Marion Beauvalet",
        "Suite de la réponse.",
        "LVSL : Une autre ?",
        "A. Casilli : Oui.",
    ]
    passages, credits = split_passages(paragraphs)
    assert credits == ("© Marion Beauvalet",)
    assert passages[1].text == "Début de réponse.\n\nSuite de la réponse."


def test_long_paragraph_mentioning_copyright_is_not_a_credit() -> None:
    long = "Le droit d’auteur, symbolisé par ©, " + "protège les œuvres de l’esprit. " * 10
    assert not is_credit(long)
    assert is_credit("© AFP")


def test_pull_quote_needs_one_quote_spanning_the_paragraph() -> None:
    assert pull_quote(f"«{NB}Tout ça est du marketing{NB}».") == "Tout ça est du marketing"
    assert (
        pull_quote(f"«{NB}Il dit «{NB}non{NB}» puis part{NB}»") == f"Il dit «{NB}non{NB}» puis part"
    )
    assert pull_quote(f"«{NB}Oui{NB}» et «{NB}non{NB}»") is None
    assert pull_quote(f"Il a dit «{NB}oui{NB}»") is None
    assert pull_quote("«»") is None


# --- testimonies (testimony.py) ----------------------------------------------------------

WITNESS_LEDE = (
    f"Lucie Marchal, 52{NB}ans, est infirmière à Mayotte. Elle raconte les jours sans eau."
)
WITNESS_WORDS = [
    f"«{NB}Le matin, on remplit des bidons au camion-citerne avant six heures.",
    f"«{NB}À l’hôpital, on lave les plaies avec de l’eau en bouteille.",
    f"«{NB}Mes enfants ne vont plus à l’école depuis trois semaines.{NB}»",
]
PLAIN = "La préfecture promet de nouvelles rampes de distribution avant la fin du mois."


def test_a_testimony_gives_the_quoted_paragraphs_to_the_witness_of_the_lede() -> None:
    body = [WITNESS_LEDE, "Recueilli par Paul Durand.", *WITNESS_WORDS]
    for title, paragraphs in [
        ("À Mayotte, la soif", body),
        ("TÉMOIGNAGE. À Mayotte, la soif", [WITNESS_LEDE, *WITNESS_WORDS]),
    ]:
        passages, _ = split_passages(paragraphs, title=title)
        answers = [p for p in passages if p.kind == "answer"]
        assert [p.text for p in answers] == WITNESS_WORDS
        assert {p.speaker for p in answers} == {"Lucie Marchal"}
        assert passages[0] == Passage("paragraph", WITNESS_LEDE)


def test_quoted_paragraphs_without_the_genre_said_or_a_named_lede_stay_paragraphs() -> None:
    cases = [
        # No « Témoignage » title, no « Recueilli par » line: a report that quotes.
        ("À Mayotte, la soif", [WITNESS_LEDE, *WITNESS_WORDS]),
        # Many voices: the plural is a report's label, not one witness.
        ("TÉMOIGNAGES. À Mayotte, la soif", [WITNESS_LEDE, *WITNESS_WORDS]),
        # The lede names nobody first.
        ("TÉMOIGNAGE. À Mayotte", ["À Mayotte, l’eau manque depuis un mois.", *WITNESS_WORDS]),
        # Quotes are a minority of the paragraphs.
        ("TÉMOIGNAGE. À Mayotte", [WITNESS_LEDE, *WITNESS_WORDS, *[PLAIN] * 4]),
    ]
    for title, paragraphs in cases:
        passages, _ = split_passages(paragraphs, title=title)
        assert set(kinds(passages)) == {"paragraph"}, title
