"""Subscription filters: the syntax, every matching rule, the errors, and speed."""

from __future__ import annotations

import pytest

from bot.filters import (
    MAX_FILTER_CHARS,
    MAX_TERMS,
    Document,
    Filter,
    FilterError,
    document,
    parse_filter,
)

DOC = document(
    "L’Arcom s’attaque aux robots : la Sécurité d’abord",
    "Le réseau social mise sur l'intelligence artificielle. Les chevaux du Covid-19 "
    "n'y sont pour rien ; aujourd’hui le bitcoin chute.",
)


def ok(filter_text: str, doc: Document = DOC) -> bool:
    return parse_filter(filter_text).matches(doc)


def test_parse_builds_required_and_excluded_terms() -> None:
    f = parse_filter('+ia -bitcoin "intelligence artificielle" -"crypto monnaie" robots')
    assert f.required == (("ia",), ("intelligence", "artificielle"), ("robot",))
    assert f.excluded == (("bitcoin",), ("crypto", "monnaie"))
    assert not f.is_empty


def test_empty_filter_lets_everything_through() -> None:
    f = parse_filter("   ")
    assert f == Filter()
    assert f.is_empty
    assert f.describe() == ""
    assert f.matches(DOC)
    assert f.matches(document("", ""))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+securite", True),  # accents and case folded
        ("+SÉCURITÉ", True),
        ("+arcom", True),  # apostrophes split words: L’Arcom
        ("+l'arcom", True),  # an elided article in front is dropped
        ("+l’Arcom", True),
        ("+robot", True),  # singular matches plural
        ("+robots", True),
        ("+cheval", True),  # chevaux
        ("+securites", True),  # plural in the filter, singular in the text
        ("+ia", False),  # word boundaries: not inside "social"
        ("+soc", False),
        ("+bitcoin", True),
        ("bitcoin", True),  # a bare word is required too
        ("licorne", False),
        ("+covid-19", True),  # a hyphenated token is a phrase of its words
        ("+aujourd'hui", True),
        ('"intelligence artificielle"', True),
        ("“Intelligence Artificielle”", True),  # curly quotes
        ("« intelligences artificielles »", True),  # French quotes, spaces, plural
        ('"artificielle intelligence"', False),  # a phrase keeps its order
        ('"social intelligence"', False),  # and its words consecutive
        ('"securite abord"', False),  # d’ sits between them
        ('"securite d abord"', True),
        ("-bitcoin", False),
        ("-licorne", True),
        ("–bitcoin", False),  # an en dash typed by a phone is a minus
        ("−bitcoin", False),
        ('-"intelligence artificielle"', False),
        ('-"artificielle intelligence"', True),
        ("+robot -bitcoin", False),  # exclusion wins
        ("+robot +licorne", False),  # every required term
        ("+robot +bitcoin -licorne", True),
        ("+le", True),  # stop words alone are allowed, and must appear
        ("+vous", False),
    ],
)
def test_matching_rules(text: str, expected: bool) -> None:
    assert ok(text) is expected


def test_phrase_never_spans_title_and_text() -> None:
    doc = document("Tout sur l'intelligence", "artificielle ou pas")
    assert ok("+intelligence +artificielle", doc)
    assert not ok('"intelligence artificielle"', doc)
    assert ok('"intelligence artificielle"', document("", "intelligence artificielle"))
    assert ok('"intelligence artificielle"', document("intelligence artificielle", ""))


def test_phrase_found_at_any_of_its_first_word_positions() -> None:
    doc = document("", "le chat dort, le chat noir mange, le chat noir dort")
    assert ok('"chat noir dort"', doc)
    assert not ok('"chat blanc"', doc)
    assert ok('"le chat"', doc)


def test_document_words_are_stemmed_in_order() -> None:
    doc = document("Des Robots", "")
    assert doc.words == ("des", "robot")
    assert doc.word_set == frozenset({"des", "robot"})


def test_duplicate_terms_collapse() -> None:
    assert parse_filter("+ia ia +IA -x -x").describe() == "+ia -x"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('+ia "intelligence artificielle', "unbalanced_quote"),
        ("« intelligence", "unbalanced_quote"),
        ('-"', "unbalanced_quote"),
        ("+", "lone_sign"),
        ("+ia - bitcoin", "lone_sign"),
        ("+-ia", "lone_sign"),
        ("--ia", "lone_sign"),
        ('""', "empty_phrase"),
        ('-"  "', "empty_phrase"),
        ('"!!"', "empty_phrase"),
        ("+!!", "no_word"),
        ("…", "no_word"),
        ("+ia -ia", "contradiction"),
        ('"robots" -robot', "contradiction"),
        (" ".join(f"+w{i}" for i in range(MAX_TERMS + 1)), "too_many_terms"),
        ("a" * (MAX_FILTER_CHARS + 1), "too_long"),
    ],
)
def test_errors(text: str, code: str) -> None:
    with pytest.raises(FilterError) as caught:
        parse_filter(text)
    assert caught.value.code == code
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == caught.value.message("fr")
    assert caught.value.message("en")
    assert caught.value.message("en") != str(caught.value)


def test_error_messages_are_clear() -> None:
    with pytest.raises(FilterError, match="guillemet non fermé"):
        parse_filter('"intelligence')
    with pytest.raises(FilterError, match="«\u00a0-\u00a0» doit être collé à un mot"):
        parse_filter("covid - vaccin")
    with pytest.raises(FilterError, match="au plus 20") as caught:
        parse_filter(" ".join(f"w{i}" for i in range(21)))
    assert caught.value.message("en") == "too many terms (at most 20)"
    assert parse_filter(" ".join(f"w{i}" for i in range(MAX_TERMS))).required[-1] == ("w19",)


def test_hostile_input_is_plain_text() -> None:
    f = parse_filter('"((a+)+)+$"')
    assert f.required == (("a",),)
    assert parse_filter("(a|aa)*b [^x]").required == (("a", "aa", "b"), ("x",))
    assert ok("+a*", document("", "a"))
    assert not ok("+a*", document("", "aaa"))
    with pytest.raises(FilterError, match="aucun mot"):
        parse_filter("+.*")
    for size in (10_000, 1_000_000):
        with pytest.raises(FilterError, match="trop long"):
            parse_filter("(a+)+" * (size // 5))


@pytest.mark.parametrize(
    "text",
    [
        '+ia -bitcoin "intelligence artificielle"',
        'Robots -Chevaux « l’Arcom » +l\'arcom covid-19 -"crypto-monnaies"',
        "+le -vous « de la » +aujourd'hui",
        "+index +indexs +taxes +abus",  # stems that stem again must still round-trip
        "",
    ],
)
def test_describe_round_trips(text: str) -> None:
    f = parse_filter(text)
    assert parse_filter(f.describe()) == f
    assert parse_filter(f.describe()).describe() == f.describe()


def test_describe_is_canonical() -> None:
    f = parse_filter('-bitcoin "intelligence artificielle" +IA « Robots »')
    assert f.describe() == '"intelligence artificielle" +ia +robot -bitcoin'
    assert parse_filter('-"crypto monnaie" l\'arcom').describe() == '+arcom -"crypto monnaie"'


def test_parse_is_cached() -> None:
    assert parse_filter("+cache -test") is parse_filter("+cache -test")


def test_many_subscriptions_parse_each_distinct_filter_once() -> None:
    texts = ["+robot", "-bitcoin", '"intelligence artificielle" -crypto', "+ia +licorne", ""]
    texts += [f"+mot{i} -autre{i}" for i in range(200)]
    subscriptions = [texts[i % len(texts)] for i in range(100_000)]
    doc = document(DOC.words[0], " ".join(DOC.words) * 20)
    parse_filter.cache_clear()
    hits = sum(parse_filter(text).matches(doc) for text in subscriptions)
    # What makes a fan-out to 100,000 subscriptions cheap: 205 parses, not 100,000.
    assert parse_filter.cache_info().misses == len(texts)
    matching = {"+robot", '"intelligence artificielle" -crypto', ""}
    assert {text for text in texts if parse_filter(text).matches(doc)} == matching
    assert hits == sum(text in matching for text in subscriptions)
