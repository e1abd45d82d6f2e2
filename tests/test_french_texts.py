"""The whole French catalogue, rendered with sample values, holds French typography."""

from __future__ import annotations

import re
import string

import pytest

from bot import i18n
from bot.i18n import MESSAGES, TEXTS, message, text

STRAY = (
    (re.compile(r"[ \t][:;!?»]"), "plain space before : ; ! ? or »"),
    (re.compile(r"«[ \t]"), "plain space after «"),
    (re.compile(r"\u00a0[;!?]"), "wide space before ; ! ? (U+202F wanted)"),
    (re.compile(r"\u202f[:»]|«\u202f"), "narrow space before : or in « » (U+00A0 wanted)"),
    (re.compile(r"\((s|es|x)\)"), "a « (s) » plural"),
    (
        re.compile(r"\b(on\|off|off|all|daily|weekly|now|mon|Usage)\b|\|all\b"),
        "an English argument word (the French one is shown: oui/non, tout, quotidien…)",
    ),
)


def strays(rendered: str) -> list[str]:
    """What is wrong with one rendered French text, as readable complaints."""
    return [why for pattern, why in STRAY if pattern.search(rendered)]


def samples(template: str) -> dict[str, object]:
    """A value for every placeholder of `template`: numbers where a plural is chosen."""
    fields: dict[str, object] = {
        name: 2 if (spec or "").startswith("p:") else "X"
        for _, name, spec, _ in string.Formatter().parse(template)
        if name
    }
    return fields


def rendered_french() -> dict[str, str]:
    """Every French text and sentence, rendered as a reader would get it."""
    out = {key: text("fr", key, **samples(t)) for key, t in TEXTS["fr"].items()}
    out |= {key: message("fr", key, **samples(t)) for key, t in MESSAGES["fr"].items()}
    out |= {f"menu:{name}": desc for name, desc in i18n.commands("fr")}
    return out


def test_every_french_text_keeps_french_typography() -> None:
    problems = {key: strays(value) for key, value in rendered_french().items()}
    assert {key: why for key, why in problems.items() if why} == {}


@pytest.mark.parametrize(
    "stray",
    [
        "Bonjour ! Relais",
        "Source : X",
        "« X »",
        "10 suivie(s)",
        "Attention\u00a0!",
        "Usage\u00a0: /quiet off",
        "/digest daily 08:00",
        "/subscribe <i>source</i>|all",
    ],
)
def test_the_check_catches_a_stray_text(stray: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Straight into the rendered output: the typography function would otherwise fix it.
    assert strays(stray)
    monkeypatch.setitem(TEXTS["fr"], "stray", stray)
    monkeypatch.setattr(i18n, "french_spaces", lambda value: value)
    assert strays(rendered_french()["stray"])


def test_plurals_follow_french_and_english_rules() -> None:
    assert text("fr", "status_given_up", count=0) == "⚠️ 0 envoi abandonné après des échecs répétés"
    assert text("fr", "status_given_up", count=1).startswith("⚠️ 1 envoi abandonné ")
    assert text("fr", "status_given_up", count=3).startswith("⚠️ 3 envois abandonnés ")
    assert text("en", "status_given_up", count=0).startswith("⚠️ 0 deliveries ")
    assert text("en", "status_given_up", count=1).startswith("⚠️ 1 delivery ")


def test_typography_touches_the_template_not_the_values() -> None:
    # A query or a title keeps its own spaces: only the catalogue's are French.
    rendered = text("fr", "no_results", query="vous ? non : oui")
    assert rendered == "Aucun résultat pour «\u00a0vous ? non : oui\u00a0»."
