"""Normalization: one fold for display text and typed queries alike."""

from __future__ import annotations

import random

import pytest

from bot.text import (
    STOP_WORDS,
    normalize,
    normalize_many,
    normalize_with_offsets,
    remove_tag_like,
    stem,
    tokenize,
)
from tests.conftest import DATA, SEED


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Tâcheronisé", "tacheronise"),
        ("carte d’identité", "carte d'identite"),
        ("« bannir »", '" bannir "'),
        ("Remaniement ministériel\u00a0: Qui", "remaniement ministeriel : qui"),
        ("main d’œuvre", "main d'oeuvre"),
        ("ŒUVRE  ÇA\tva", "oeuvre ca va"),
        ("ﬁn de l\u2019ère", "fin de l'ere"),
        ("e\u0301te\u0301", "ete"),
        ("  ", ""),
        ("a\x1cb\x85c\u2028d\u00a0e", "a b c d e"),
        ("Straße Æther ½", "strasse aether 1\u20442"),
    ],
)
def test_normalize_folds_french_typography(raw: str, folded: str) -> None:
    assert normalize(raw) == folded


def test_fast_and_offset_paths_agree_on_real_text() -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    corpus = [p.read_text("utf-8", errors="replace") for p in sorted(DATA.rglob("*.xml"))[:200]]
    rng = random.Random(7)
    noise = ["".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(60)) for _ in range(300)]
    for text in lines + corpus + noise:
        assert normalize(text) == normalize_with_offsets(text)[0]


def test_normalize_many_equals_one_by_one() -> None:
    lines = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(3)
    for _ in range(200):
        texts = rng.sample(lines, rng.randrange(1, 8)) + rng.choice([[], ["  "], ["✅ •"], [""]])
        rng.shuffle(texts)
        assert normalize_many(texts) == [normalize(t) for t in texts]
    assert normalize_many(["a\x00b", "c"]) == ["a\x00b", "c"]


def test_offsets_point_back_to_original_characters() -> None:
    raw = "Le « travail du clic » tâcheronisé"
    folded, offsets = normalize_with_offsets(raw)
    start = folded.index("tacheronise")
    end = start + len("tacheronise")
    assert raw[offsets[start] : offsets[end - 1] + 1] == "tâcheronisé"
    assert len(offsets) == len(folded)


def test_tokenize_splits_elisions_and_stems_plurals() -> None:
    assert tokenize("L’Arcom d’image") == ["l", "arcom", "d", "image"]
    assert "du" in STOP_WORDS
    assert "l" in STOP_WORDS
    assert "clic" not in STOP_WORDS
    assert stem("travailleurs") == stem("travailleur") == "travailleur"
    assert stem("journaux") == "journal"
    assert stem("reseaux") == stem("reseau") == "reseau"
    assert stem("noyaux") == "noyau"
    assert stem("pas") == "pas"


def test_tag_like_text_is_removed_in_rounds_and_a_heart_stays() -> None:
    assert remove_tag_like("<<b>script>alert(1)</script> <3") == "alert(1) <3"
    assert remove_tag_like("<b>travail</b>du clic", " ") == " travail du clic"
    assert remove_tag_like("1 < 2 et <ß href=x>lien") == "1 < 2 et lien"
