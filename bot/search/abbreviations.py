"""Common abbreviations of French news (IA, UE, RN, SNCF…) and what they stand for: a query
word meets its expansion in a passage, and a query's expansion meets the abbreviation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bot.search.resolved import Term, join_spellings
from bot.text import STOP_WORDS, tokenize

# Abbreviation -> what it stands for, as written in the press. Kept small: only those whose
# letters mean one thing in the news.
_TABLE = {
    "ia": "intelligence artificielle",
    "ue": "Union européenne",
    "rn": "Rassemblement national",
    "ps": "Parti socialiste",
    "lfi": "La France insoumise",
    "lr": "Les Républicains",
    "eelv": "Europe Écologie Les Verts",
    "sncf": "Société nationale des chemins de fer français",
    "ratp": "Régie autonome des transports parisiens",
    "pma": "procréation médicalement assistée",
    "gpa": "gestation pour autrui",
    "ivg": "interruption volontaire de grossesse",
    "jo": "Jeux olympiques",
    "oms": "Organisation mondiale de la santé",
    "onu": "Organisation des Nations unies",
    "otan": "Organisation du traité de l'Atlantique nord",
    "bce": "Banque centrale européenne",
    "fmi": "Fonds monétaire international",
    "pib": "produit intérieur brut",
    "smic": "salaire minimum interprofessionnel de croissance",
    "rsa": "revenu de solidarité active",
    "cnil": "Commission nationale de l'informatique et des libertés",
    "rgpd": "règlement général sur la protection des données",
    "cgt": "Confédération générale du travail",
    "cfdt": "Confédération française démocratique du travail",
    "ehpad": "établissement d'hébergement pour personnes âgées dépendantes",
    "vtc": "voiture de transport avec chauffeur",
    "tva": "taxe sur la valeur ajoutée",
    "cop": "conférence des parties",
}
# Abbreviation -> the content words of its expansion, in order.
EXPANSIONS: dict[str, tuple[str, ...]] = {
    abbr: tuple(w for w in tokenize(full) if w not in STOP_WORDS) for abbr, full in _TABLE.items()
}
# Matching through the table counts a little less than the word itself.
QUALITY = 0.95


def widen(terms: list[Term], exact: Callable[[str], Term]) -> list[Term]:
    """`terms` with each abbreviation also held where its expansion's words all stand, and
    each run of terms spelling out an expansion also held where the abbreviation stands.
    `exact(word)` resolves a word without near spellings."""
    out = list(terms)
    words = [t.word for t in terms]
    for i, term in enumerate(terms):
        expansion = EXPANSIONS.get(term.word)
        if expansion:
            out[i] = _with(term, _all_of([exact(w) for w in expansion]), expansion)
    for abbr, expansion in EXPANSIONS.items():
        n = len(expansion)
        for start in range(len(words) - n + 1):
            if tuple(words[start : start + n]) == expansion:
                short = exact(abbr)
                if len(short.slots):
                    for j in range(start, start + n):
                        out[j] = _with(out[j], short, (abbr,))
    return out


def _all_of(terms: list[Term]) -> Term | None:
    """The slots holding every one of `terms` (where the first stands), or None."""
    if not terms or any(not len(t.slots) for t in terms):
        return None
    slots, pos = terms[0].slots, terms[0].pos
    for other in terms[1:]:
        slots, at, _ = np.intersect1d(slots, other.slots, assume_unique=True, return_indices=True)
        pos = pos[at]
        if not len(slots):
            return None
    quality = np.full(len(slots), QUALITY, dtype=np.float32)
    return Term(terms[0].word, {}, slots.astype(terms[0].slots.dtype), quality, pos)


def _with(term: Term, more: Term | None, words: tuple[str, ...]) -> Term:
    """`term` also held in `more`'s slots, by `words` at QUALITY."""
    if more is None or not len(more.slots):
        return term
    expansions = dict(term.expansions)
    for w in words:
        expansions.setdefault(w, QUALITY)
    parts = [(more.slots, more.pos, QUALITY)]
    if len(term.slots):
        # The term's own postings at their best quality: join_spellings keeps the best.
        parts.insert(0, (term.slots, term.pos, 1.0))
    slots, quality, pos = join_spellings(parts)
    if len(term.slots):
        # Slots of the term itself keep their own qualities (a near spelling's stays lower).
        own = np.searchsorted(slots, term.slots)
        quality[own] = np.maximum(
            term.quality, np.where(np.isin(term.slots, more.slots), QUALITY, 0)
        )
    return Term(term.word, expansions, slots, quality.astype(np.float32), pos)
