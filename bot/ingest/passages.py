"""Split a post body into passages: paragraphs, interview turns and pull quotes; credits apart.

Used for Movim dumps and feed entries alike, so a plain article must come out as plain
paragraphs. Interview detection is deliberately cautious: French prose is full of
"Résultat : …" paragraphs, so a `SPEAKER :` prefix only counts as a turn when the body reads
like an interview (see `_interview_speakers`).

One passage per turn: an answer (or question) passage is the paragraph that opens the turn,
without its `SPEAKER :` prefix, plus the paragraphs that follow it until the next turn, joined
with a blank line. That keeps "10 questions, 10 answers" countable from the passages alone.
Pull quotes (a paragraph wholly inside « … ») are repeated highlights of the answer: they become
their own passage, attributed to the interviewee, and do not end the current turn.

Feed articles come as blocks (bold paragraphs, headings, quotes, lists): when they hold no
`SPEAKER :` turns, interviews.py reads an interview from that layout instead, and
testimony.py a witness's quoted words when there is none.

Text keeps its typography (non-breaking spaces, curly apostrophes, « »); matching code
normalizes it later.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from bot.ingest.html_text import Block
from bot.ingest.interviews import layout_interview, pull_quote, title_quote, title_speaker
from bot.ingest.testimony import testimony
from bot.models import Passage, PassageKind

__all__ = ["is_credit", "pull_quote", "split_passages"]

# The speaker part is bounded ({0,39}) so the lazy match cannot run far on long paragraphs.
_TURN = re.compile(
    r"(?P<speaker>[^\s:«»][^:«»\n]{0,39}?)[ \u00a0\u202f]+:[ \u00a0\u202f\t]*(?P<rest>\S.*)",
    re.DOTALL,
)
_NOT_IN_SPEAKER = frozenset(',;!?()[]"“”«»')
_CREDIT_START = re.compile(
    r"(?:\(c\)|cr[ée]dits?(?:\s+photos?)?|photos?|illustrations?|images?|pictures?)"
    r"(?:[ \u00a0\u202f]*:|[ \u00a0\u202f]+(?:par|by|from)[ \u00a0\u202f])",
    re.IGNORECASE,
)
_CREDIT_MAX_CHARS = 200
_EDGE_SPACES = " \u00a0\u202f\t"


def split_passages(
    paragraphs: Sequence[str | Block], *, title: str | None = None
) -> tuple[tuple[Passage, ...], tuple[str, ...]]:
    """Turn paragraphs (or blocks) into passages; return (passages, credits kept out of search).

    `title` lets a feed article name its interviewee (« entretien avec X »).
    """
    credits: list[str] = []
    body: list[Block] = []
    for item in paragraphs:
        block = item if isinstance(item, Block) else Block("paragraph", item or "")
        text = block.text.strip()
        if not text:
            continue
        if is_credit(text):
            credits.append(text)
        else:
            body.append(block if text == block.text else replace(block, text=text))
    # A heading « Distanciel : … » names a section and a list item « Name : « talk » » a
    # reference: only paragraphs open turns.
    turns = [_turn(b.text) if b.kind == "paragraph" else None for b in body]
    speakers = _interview_speakers(turns)
    if speakers:
        passages = _interview(body, turns, speakers, title_speaker(title))
        return _with_title_quote(passages, title), tuple(credits)
    laid_out = layout_interview(body, title, interviewer=_lone_interviewer(turns))
    if laid_out is not None:
        return _with_title_quote(laid_out, title), tuple(credits)
    witnessed = testimony(body, title)
    if witnessed is not None:
        return witnessed, tuple(credits)
    plain = tuple(
        Passage("pullquote", b.text, b.speaker) if b.kind == "quote" and b.speaker
        else Passage("paragraph", b.text)
        for b in body
    )  # fmt: skip
    return _with_title_quote(plain, title), tuple(credits)


def _with_title_quote(passages: tuple[Passage, ...], title: str | None) -> tuple[Passage, ...]:
    """Passages with the title's quote as its speaker's pull quote (« « … » - Marc Joly »).

    Only when the body gives that speaker no words: a teaser under the title, not the
    interview itself, whose answers /quote already has.
    """
    found = title_quote(title)
    if found is None:
        return passages
    quote, speaker = found
    if any(p.kind == "answer" or p.speaker == speaker for p in passages):
        return passages
    return (*passages, Passage("pullquote", quote, speaker))


def _lone_interviewer(turns: Sequence[tuple[str, str] | None]) -> str | None:
    """The outlet prefix of questions whose answers carry none (« LVSL : … ? » twice or more)."""
    counts = Counter(turn[0] for turn in turns if turn is not None)
    if len(counts) == 1:
        ((name, n),) = counts.items()
        return name if n >= 2 else None
    return None


def is_credit(paragraph: str) -> bool:
    """True for a photo credit or caption line (`© Name`, `Crédit photo : …`)."""
    text = paragraph.strip()
    if not text or len(text) > _CREDIT_MAX_CHARS:
        return False
    return "©" in text or _CREDIT_START.match(text) is not None


def _turn(paragraph: str) -> tuple[str, str] | None:
    """(speaker, text without prefix) when the paragraph starts with `SPEAKER :`."""
    match = _TURN.match(paragraph)
    if match is None:
        return None
    speaker = match["speaker"].strip(_EDGE_SPACES)
    if (
        not speaker
        or len(speaker) > 40
        or len(speaker.split()) > 4
        or not speaker[0].isupper()
        or any(c in _NOT_IN_SPEAKER for c in speaker)
    ):
        return None
    return speaker, match["rest"].strip()


def _interview_speakers(turns: Sequence[tuple[str, str] | None]) -> set[str]:
    """The speakers whose prefixes are real turns; empty when the body is not an interview.

    Two speakers who each speak at least twice, one of them asking a question, make an
    interview; a lone `Bilan : …` or `Je dis : …` line in prose does not, nor labels that
    recur in a review (`Avantage : …`, `Limite : …`), which ask nothing. A short exchange
    (each speaking once) still counts when it opens with a question.
    """
    found = [t for t in turns if t is not None]
    counts = Counter(speaker for speaker, _ in found)
    recurring = {speaker for speaker, n in counts.items() if n >= 2}
    asks = any(
        speaker in recurring and text.rstrip(_EDGE_SPACES).endswith("?") for speaker, text in found
    )
    if len(recurring) >= 2 and asks:
        return recurring
    short = len(counts) >= 2 and all(n == 1 for n in counts.values())
    if short and found[0][1].rstrip(_EDGE_SPACES).endswith("?"):
        return set(counts)
    return set()


def _interview(
    body: Sequence[Block],
    turns: Sequence[tuple[str, str] | None],
    speakers: set[str],
    named: str | None = None,
) -> tuple[Passage, ...]:
    """Passages of an interview: lede paragraphs, one passage per turn, pull quotes."""
    opening = [t[0] for t in turns if t is not None and t[0] in speakers]
    interviewer = opening[0]
    others = Counter(s for s in opening if s != interviewer)
    interviewee = others.most_common(1)[0][0] if others else named

    out: list[Passage] = []
    turn_kind: PassageKind | None = None
    turn_speaker: str | None = None
    turn_parts: list[str] = []
    # Pull quotes met inside a turn wait until the turn is written, to keep reading order.
    quotes: list[Passage] = []

    def flush() -> None:
        if turn_kind is not None and turn_parts:
            out.append(Passage(turn_kind, "\n\n".join(turn_parts), turn_speaker))
        out.extend(quotes)
        quotes.clear()

    last_answerer: str | None = None
    for block, turn in zip(body, turns, strict=True):
        text = block.text
        if turn is not None and turn[0] in speakers:
            flush()
            turn_speaker, first = turn
            turn_kind = "question" if turn_speaker == interviewer else "answer"
            turn_parts = [first]
            if turn_kind == "answer":
                last_answerer = turn_speaker
            continue
        quote = text if block.kind == "quote" else pull_quote(text)
        if quote is not None:
            passage = Passage("pullquote", quote, block.speaker or last_answerer or interviewee)
            (quotes if turn_kind is not None else out).append(passage)
        elif turn_kind is None:
            out.append(Passage("paragraph", text))
        else:
            turn_parts.append(text)
    flush()
    return tuple(out)
