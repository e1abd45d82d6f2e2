"""The search query syntax: words, phrases, exclusions, source:, since:, until:."""

from __future__ import annotations

from datetime import date

import pytest

from bot.search.query import MAX_QUERY_CHARS, QueryWarning, parse_day, parse_query, source_key


def codes(parsed) -> list[str]:
    return [w.code for w in parsed.warnings]


def test_plain_words_are_normalized_and_stop_words_kept_apart():
    parsed = parse_query("Travail DU Clic")
    assert parsed.words == ("travail", "du", "clic")
    assert parsed.terms == ("travail", "clic")
    assert not parsed.empty
    assert not parsed.warnings


def test_markup_in_a_query_is_not_searched():
    parsed = parse_query("<b>travail</b> du <a href='x'>clic</a> <3")
    assert parsed.text == "travail du clic <3"  # what is not a tag stays
    assert parsed.terms == ("travail", "clic", "3")


def test_curly_apostrophes_and_accents_fold_like_the_text():
    parsed = parse_query("carte d’identité")
    assert parsed.words == ("carte", "d", "identite")
    assert parsed.terms == ("carte", "identite")


def test_exact_phrase_in_straight_or_french_quotes():
    assert parse_query('"travail du clic" robots').phrases == (("travail", "du", "clic"),)
    parsed = parse_query("«\u00a0grand remplacement\u00a0» robots")
    assert parsed.phrases == (("grand", "remplacement"),)
    assert parsed.terms == ("robots",)


def test_unclosed_quote_is_a_phrase_with_a_warning():
    parsed = parse_query('robots "travail du clic')
    assert parsed.phrases == (("travail", "du", "clic"),)
    assert codes(parsed) == ["unclosed_quote"]


def test_phrase_of_stop_words_is_dropped_with_a_warning():
    parsed = parse_query('"de la" robots')
    assert parsed.phrases == ()
    assert codes(parsed) == ["stop_words_phrase"]


def test_exclusions_of_words_phrases_and_sources():
    parsed = parse_query('travail -robots -"fin du travail" -source:Mediapart')
    assert parsed.terms == ("travail",)
    assert parsed.excluded_words == ("robots",)
    assert parsed.excluded_phrases == (("fin", "du", "travail"),)
    assert parsed.excluded_sources == ("mediapart",)


def test_excluding_a_stop_word_excludes_nothing():
    assert parse_query("travail -la").excluded_words == ()


def test_hyphenated_word_is_not_an_exclusion():
    parsed = parse_query("micro-travail")
    assert parsed.words == ("micro", "travail")
    assert parsed.excluded_words == ()


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("source:Numerama", "numerama"),
        ("source:LeVentSeLeve", "leventseleve"),
        ("source:journaldugeek", "journaldugeek"),
        ('source:"Le Vent Se Lève"', "leventseleve"),
        ("source:Mathias-Poujol-Rost", "mathiaspoujolrost"),
    ],
)
def test_source_names_are_compared_folded(query, key):
    assert parse_query(query + " travail").sources == (key,)


def test_source_key_folds_spaces_accents_and_case():
    assert source_key("Le Vent Se Lève") == "leventseleve" == source_key("LeVentSeLeve")


def test_since_and_until_are_days():
    parsed = parse_query("travail since:2023-05-01 until:2023-12-31")
    assert parsed.since == date(2023, 5, 1)
    assert parsed.until == date(2023, 12, 31)
    assert parsed.terms == ("travail",)


def test_partial_dates_cover_their_whole_period():
    parsed = parse_query("x since:2023-02 until:2024-02")
    assert parsed.since == date(2023, 2, 1)
    assert parsed.until == date(2024, 2, 29)  # leap year, inclusive end of month
    parsed = parse_query("x since:2023 until:2023")
    assert (parsed.since, parsed.until) == (date(2023, 1, 1), date(2023, 12, 31))


def test_french_day_first_dates_are_read():
    assert parse_day("01/05/2023") == date(2023, 5, 1)


@pytest.mark.parametrize("bad", ["2023-13-01", "2023-02-30", "hier", "2023/05/01", "20230501"])
def test_bad_date_is_reported_not_raised(bad):
    parsed = parse_query(f"travail since:{bad}")
    assert parsed.since is None
    assert parsed.warnings == (QueryWarning("bad_date", bad),)
    assert parsed.terms == ("travail",)


def test_since_after_until_is_reported():
    parsed = parse_query("x since:2024-01-01 until:2023-01-01")
    assert codes(parsed) == ["date_range"]


def test_operator_without_value_is_reported():
    parsed = parse_query("travail source: since:")
    assert codes(parsed) == ["empty_operator", "empty_operator"]
    assert parsed.sources == ()
    assert parsed.since is None


def test_unknown_operator_is_just_words():
    assert parse_query("heure:10h30").words == ("heure", "10h30")


def test_empty_query_and_filters_only_are_empty():
    assert parse_query("").empty
    assert parse_query("   ").empty
    parsed = parse_query("source:Numerama since:2023")
    assert parsed.empty
    assert parsed.has_filters


def test_stop_words_only_is_not_empty_but_warned():
    parsed = parse_query("de la l' d’")
    assert not parsed.empty
    assert parsed.terms == ()
    assert codes(parsed) == ["stop_words_only"]


def test_long_query_is_cut_and_reported():
    query = "travail " * 60  # 480 characters
    parsed = parse_query(query)
    assert parsed.truncated
    assert len(parsed.text) <= MAX_QUERY_CHARS
    assert not parsed.text.endswith(" ")
    assert codes(parsed) == ["truncated"]
    assert parsed.terms == ("travail",)


def test_query_at_the_limit_is_not_cut():
    query = "a" * MAX_QUERY_CHARS
    parsed = parse_query(query)
    assert not parsed.truncated
    assert parsed.text == query


def test_warning_messages_in_both_languages():
    warning = QueryWarning("bad_date", "2023-13-01")
    assert "2023-13-01" in warning.message("fr")
    assert "date" in warning.message("fr")
    assert "expected YYYY-MM-DD" in warning.message("en")
    # A warning is its French sentence, so callers can treat warnings as plain strings.
    assert isinstance(warning, str)
    assert warning == warning.message("fr")
    assert warning.code == "bad_date"
    assert warning.value == "2023-13-01"
