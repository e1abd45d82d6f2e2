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
