"""The score of one normalized passage against a resolved query: coverage, proximity,
phrase, title.

The score is 0-100:

    55 × coverage   IDF-weighted share of the query words found, fuzzy matches counting less
  + 30 × proximity  how tightly the found words sit together, compared with the query itself
  + 10 × phrase     the query's words (stop words included) stand in a row, in order; for
                    a passage lacking some, the share of the query's weight of those it
                    holds, when they are a run of the query as written
  +  8 × title      the passage is the post's title (less than the exact phrase: the
                    phrase in the body beats the same words, close but not it, in a title)

A word the passage lacks but its post's title holds (`context`) counts for the coverage as
the title holds it, when the title holds none of the passage's own words: the title heads
every passage, and the two hold the query between them. The passage's own words give the
proximity and phrase, the title's words counting half (TITLE_CONTEXT), so a passage
holding the rest of the query together, under a title naming its rare word, ranks above
all the words scattered in one passage and below all of them together.

`MIN_SCORE` (55) is the cutoff: every query word present anywhere in a passage just clears
it; a fuzzy, partial or scattered match has to make up for it with proximity, which is how
unrelated queries end up with no result instead of the least bad noise.

Before any score, a passage must hold every query word of a one- or two-word query, all but
one of three to five words, all but a third of longer ones; and a missing word is forgiven
only when the others sit together (proximity >= 0.5), as an extra word next to a real match.
Stop words never count as query words: they only help the phrase bonus.
"""

from __future__ import annotations

from itertools import pairwise

from bot.search.resolved import ResolvedQuery
from bot.text import STOP_WORDS, stem, word_spans, words

MIN_SCORE = 55.0
W_COVERAGE, W_PROXIMITY, W_PHRASE, W_TITLE = 55.0, 30.0, 10.0, 8.0
# How much a word held by the post's title only counts in a passage's proximity.
TITLE_CONTEXT = 0.5
# Characters of extra distance that halve the proximity (about two words and a half).
PROXIMITY_HALF = 15.0
# A snippet's bold span wider than this is narrowed to the rarest word.
MAX_SPAN_CHARS = 160
# Characters around the query's words where its leading or trailing stop words may stand.
WORDING_MARGIN = 24

_ALNUM = frozenset("0123456789abcdefghijklmnopqrstuvwxyz")


def occurrences(query: ResolvedQuery, norm: str) -> list[tuple[int, int, int, float]]:
    """(start, end, term index, quality) of every expanded query word in `norm`, in order.

    str.find per expansion is far cheaper than tokenizing the whole passage in Python.
    """
    occ: list[tuple[int, int, int, float]] = []
    size = len(norm)
    find = norm.find
    for word, hits in query.wordlist:
        n = len(word)
        pos = find(word)
        while pos != -1:
            end = pos + n
            if (pos == 0 or norm[pos - 1] not in _ALNUM) and (
                end == size or norm[end] not in _ALNUM
            ):
                for ti, q in hits:
                    occ.append((pos, end, ti, q))
                pos = find(word, end)
            else:
                pos = find(word, pos + 1)
    occ.sort()
    return occ


def score_passage(
    query: ResolvedQuery,
    norm: str,
    *,
    title: bool = False,
    context: list[float] | None = None,
) -> float | None:
    """The 0-100 score of a normalized passage, or None when it does not match; `context`:
    by term, the quality at which the post's title holds it."""
    occ = occurrences(query, norm)
    if not occ:
        return None
    terms = query.terms
    n = len(terms)
    own = [0.0] * n
    for _, _, ti, q in occ:
        if q > own[ti]:
            own[ti] = q
    best = own
    if context and not any(o and c for o, c in zip(own, context, strict=True)):
        # The title and the passage each hold their part of the query: together, the post
        # holds it. (A title holding the passage's words too is scored on its own.)
        best = [max(o, c) for o, c in zip(own, context, strict=True)]
    matched = [i for i in range(n) if best[i] > 0.0]
    k = len(matched)
    if k < n - query.allowed_misses:
        return None
    coverage = sum(w * q for w, q in zip(query.weights, best, strict=True)) / query.total_weight
    inside = [i for i in range(n) if own[i] > 0.0]
    proximity, phrase = _proximity(query, norm, occ, inside, own)
    if len(inside) < k:
        # Words from the title: nearer than anywhere else in the post, not in the passage.
        held = sum(query.weights[i] for i in inside)
        heading = sum(query.weights[i] for i in matched) - held
        near = (held + TITLE_CONTEXT * heading) / (held + heading)
        proximity, phrase = proximity * near, phrase * near
    if k < n and proximity < 0.5:
        # A missing word is tolerated as an extra word next to a real match, not otherwise.
        return None
    score = W_COVERAGE * coverage + W_PROXIMITY * proximity + W_PHRASE * phrase
    if title:
        score += W_TITLE
    return min(100.0, score)


def in_query_order(query: ResolvedQuery, norm: str) -> bool:
    """True when `norm` holds every query word and those in its tightest window read in
    the query's order (the query's wording, not two of its words in a row)."""
    occ = occurrences(query, norm)
    present = {ti for _, _, ti, _ in occ}
    if len(present) < len(query.terms):
        return False
    if len(present) < 2:
        return True
    left, right = min_window(occ, len(present))
    first: dict[int, int] = {}
    for start, _, ti, _ in occ[left : right + 1]:
        first.setdefault(ti, start)
    order = sorted(first, key=first.__getitem__)
    return all(query.starts[a] < query.starts[b] for a, b in pairwise(order))


def holds_wording(query: ResolvedQuery, norm: str) -> bool:
    """True when `norm` holds the query as typed, stop words included, word after word in
    its order with at most a few others between (« une diminution drastique du travail
    payé » for `diminution du travail paye`); « diminution un travail payé » does not."""
    if not in_query_order(query, norm):
        return False
    seq = query.sequence
    if len(seq) < 2:
        return True
    occ = occurrences(query, norm)
    left, right = min_window(occ, len({ti for _, _, ti, _ in occ}))
    start, end = occ[left][0], max(e for _, e, _, _ in occ[left : right + 1])
    # Stop words of the query may stand just before its first word or after its last.
    toks = words(norm[max(0, start - WORDING_MARGIN) : end + WORDING_MARGIN])
    expansions = {t.word: t.expansions for t in query.terms}
    at = 0
    for tok in toks:
        qw = seq[at]
        if tok == qw or stem(tok) == stem(qw) or tok in expansions.get(qw, ()):
            at += 1
            if at == len(seq):
                return True
    return False


def _proximity(
    query: ResolvedQuery,
    norm: str,
    occ: list[tuple[int, int, int, float]],
    matched: list[int],
    best: list[float],
) -> tuple[float, float]:
    """(proximity 0-1, phrase 0 or 1) of the tightest window holding every matched word."""
    n = len(query.terms)
    if len(matched) == 1:
        exact = n == 1 and best[matched[0]] >= 1.0
        return 1.0, 1.0 if exact or query.phrases else 0.0
    left, right = min_window(occ, len(matched))
    first: dict[int, int] = {}
    win_end = 0
    for start, end, ti, _ in occ[left : right + 1]:
        first.setdefault(ti, start)
        win_end = max(win_end, end)
    win_start = occ[left][0]
    order = sorted(first, key=first.__getitem__)
    starts = query.starts
    in_order = all(starts[a] < starts[b] for a, b in pairwise(order))
    ideal = max(query.ends[i] for i in matched) - min(starts[i] for i in matched)
    slack = max(0, (win_end - win_start) - ideal)
    proximity = 1.0 / (1.0 + slack / PROXIMITY_HALF)
    if not in_order:
        proximity *= 0.85
    if query.phrases:
        # Every candidate already holds the quoted phrases word for word.
        return proximity, 1.0
    phrase = 0.0
    if in_order and slack <= 3 and len(query.sequence) > 1:
        around = words(norm[max(0, win_start - 40) : win_end + 40])
        if len(matched) == n:
            phrase = 1.0 if _holds_sequence(query, around) else 0.0
        elif (run := _run(query, matched)) and _holds_sequence(query, around, run):
            # Part of the query as written (« travailleurs du clic » of a sentence): its
            # share of the query's weight.
            phrase = sum(query.weights[i] for i in matched) / query.total_weight
    return proximity, phrase


def _run(query: ResolvedQuery, matched: list[int]) -> tuple[str, ...] | None:
    """The query's words from the first of `matched` to the last, stop words between
    included, when at least two and no other query word stands between them."""
    seq = query.sequence
    at = {i: seq.index(query.terms[i].word) for i in matched if query.terms[i].word in seq}
    if len(at) < 2 or len(at) < len(matched):
        return None
    lo, hi = min(at.values()), max(at.values())
    others = (t.word for i, t in enumerate(query.terms) if i not in at)
    if any(w in seq[lo : hi + 1] for w in others):
        return None
    return seq[lo : hi + 1]


def min_window(occ: list[tuple[int, int, int, float]], need: int) -> tuple[int, int]:
    """Indexes into `occ` of the shortest run covering `need` distinct terms (need >= 1
    and present, or the whole list)."""
    counts: dict[int, int] = {}
    have = 0
    best = (0, len(occ) - 1)
    best_len = 1 << 60
    left = 0
    for right, (pos, _, ti, _) in enumerate(occ):
        c = counts.get(ti, 0)
        counts[ti] = c + 1
        if c == 0:
            have += 1
        while have == need:
            lpos, _, lti, _ = occ[left]
            if pos - lpos < best_len:
                best_len = pos - lpos
                best = (left, right)
            counts[lti] -= 1
            if counts[lti] == 0:
                have -= 1
            left += 1
    return best


def _holds_sequence(
    query: ResolvedQuery, toks: list[str], seq: tuple[str, ...] | None = None
) -> bool:
    """True when the query's words (or `seq`, a run of them) stand in a row in `toks`
    (stems and expansions count)."""
    seq = query.sequence if seq is None else seq
    expansions = {t.word: t.expansions for t in query.terms}
    n = len(seq)
    for i in range(len(toks) - n + 1):
        for qw, pw in zip(seq, toks[i : i + n], strict=True):
            if qw == pw or stem(qw) == stem(pw):
                continue
            if qw not in STOP_WORDS and pw in expansions.get(qw, ()):
                continue
            break
        else:
            return True
    return False


def match_span(query: ResolvedQuery, norm: str) -> tuple[int, int] | None:
    """Where to bold in `norm`: a quoted phrase, else the tightest window of matched words,
    narrowed to its rarest word when wide."""
    found = match_parts(query, norm)
    return (found[0][0], found[-1][1]) if found else None


def match_parts(query: ResolvedQuery, norm: str) -> list[tuple[int, int]]:
    """What `match_span` covers, as the runs of query words to bold: words standing apart
    in it are bolded apart, words joined by stop words (« travail du clic ») as one."""
    for phrase in query.phrases:
        span = phrase_span(norm, phrase)
        if span is not None:
            return [span]
    occ = occurrences(query, norm)
    if not occ:
        return []
    present = {ti for _, _, ti, _ in occ}
    left, right = min_window(occ, len(present))
    window = occ[left : right + 1]
    if max(e for _, e, _, _ in window) - window[0][0] > MAX_SPAN_CHARS:
        rarest = max(present, key=query.weights.__getitem__)
        return [next((s, e) for s, e, ti, _ in window if ti == rarest)]
    runs: list[tuple[int, int]] = []
    for start, end, _, _ in window:
        if runs and start <= runs[-1][1]:  # the same word found twice (two terms)
            runs[-1] = (runs[-1][0], max(runs[-1][1], end))
        elif runs and _joins(norm[runs[-1][1] : start]):
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs


def _joins(gap: str) -> bool:
    """True when the text between two matched words holds at most two stop words and no
    sentence punctuation: the words read as one phrase."""
    between = words(gap)
    return (
        len(between) <= 2
        and all(w in STOP_WORDS for w in between)
        and not any(c in gap for c in '.;:!?()«»"')
    )


def phrase_span(norm: str, phrase: tuple[str, ...]) -> tuple[int, int] | None:
    """Character span in `norm` of the phrase's words in a row, or None."""
    spans = word_spans(norm)
    n = len(phrase)
    for i in range(len(spans) - n + 1):
        if spans[i][0] == phrase[0] and all(spans[i + j][0] == phrase[j] for j in range(n)):
            return spans[i][1], spans[i + n - 1][2]
    return None


def has_phrase(norm: str, phrase: tuple[str, ...]) -> bool:
    """True when the normalized text holds the phrase's words in a row."""
    if not phrase:
        return True
    # Cheap rejection first: the phrase's longest word must appear at all.
    if max(phrase, key=len) not in norm:
        return False
    return phrase_span(norm, phrase) is not None
