"""Interviews told by their layout (feeds): questions in bold or headings, answers after them.

Dumps mark turns with `SPEAKER :` prefixes (see passages.py); feed articles mostly set the
questions apart instead: a bold paragraph or a heading, often led by a dash, `Q :` or the
outlet's name. A false interview is worse than none, so a layout only counts when the title
announces an interview (« entretien avec X », « interview de X », « X : « … » ») or at least
three questions carry an explicit marker; headings that merely end in « ? » (« Comment
personnaliser Windows ? ») never make an interview on their own. Once bold paragraphs are known
to be the questions, a bold paragraph between them that does not end in « ? » (« Quel(s)
conseil(s) donnerais-tu… », a question with a closing aside) is one too when an answer follows
it, so that the interviewer's words are never given to the interviewee.

A group interview names its voices instead: answers open with « llaq : », « méli : »,
« Maiwann : » (pseudonyms, lowercase ones too). Two names that each open two answers or more,
one of them right after each of two questions, are the cue; every answer then goes to the
voice that opens it, or to the last one named.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.ingest.html_text import Block
from bot.models import Passage

_QUESTION_MARKER = re.compile(r"^(?:[-–—]\s*|q\s*[:.]\s*|question\s*:\s*)", re.IGNORECASE)
# Questions carry their context: a Framablog one with its reason in brackets runs to 525.
_QUESTION_MAX_CHARS = 700
_MIN_QUESTIONS = 2
_MIN_MARKED_WITHOUT_CUE = 3
_NAME_WORD = r"(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*|[A-ZÀ-ÖØ-Þ]\.)"
_PARTICLE = r"(?:de|du|des|d['’]|van|von|der|la|le|ben|al|el)"
_NAME = rf"{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_NAME_WORD}){{0,3}}"
# « Entretien avec Antonio Casilli », « interview de Oskunk », « Rencontre avec … ».
_WITH = re.compile(
    rf"(?i:\b(?:entretien|interview|rencontre|conversation|dialogue)\s+(?:avec|de|d['’])\s*)"
    rf"(?P<name>{_NAME})"
)
# « Vincent Béal, sociologue : « … » » or « Antonio Casilli : « … » ».
_SAYS = re.compile(r"^\s*(?P<name>[^:«»\"“”]{2,80}?)\s*:\s*[«\"“]")
_NAME_ONLY = re.compile(rf"^{_NAME}$")
_INTERVIEW_WORD = re.compile(r"\b(?:entretien|interview|questions? à)\b", re.IGNORECASE)
_GUILLEMET = re.compile("[«»]")
# « llaq : … »: one to three short words, no sentence punctuation, then a colon and the answer.
_VOICE_WORD = r"[^\s:«»\"“”,;.!?()\[\]]{1,20}"
_VOICE = re.compile(
    rf"^(?P<name>(?![-–—]){_VOICE_WORD}(?: {_VOICE_WORD}){{0,2}})"
    r"[ \u00a0\u202f]*:[ \u00a0\u202f]+(?=\S)"
)
# A section that holds an interview inside a longer text (a newsletter's « L’entretien »).
_SECTION = re.compile(
    r"^[\W_]*(?i:l['’][ \u00a0]*)?(?i:entretien|interview|rencontre|questions?)"
    rf"(?:[ \u00a0]+(?i:avec|de|à)[ \u00a0]+|[ \u00a0]*d['’])?(?P<name>{_NAME})?[\W_]*$"
)
_SECTION_MAX_CHARS = 60
# Intro lines that name the interviewee: « nous avons interviewé **Bela Loto** », « X a
# répondu à nos questions », « entretien avec X ».
_INTRO = (
    re.compile(
        r"(?i:\bnous avons (?:interviewé|interrogé|rencontré|questionné|posé nos questions à)"
        r"|\bj['’]ai (?:interviewé|interrogé|rencontré|questionné))"
        rf"[ \u00a0]+(?:[a-zà-ÿ’'-]+[ \u00a0]+){{0,2}}?(?P<name>{_NAME})"
    ),
    re.compile(
        rf"(?P<name>{_NAME})(?:,[^,.;]{{1,80}},)?[ \u00a0]+a[ \u00a0]+"
        r"(?:bien voulu[ \u00a0]+|accepté de[ \u00a0]+)?répond(?:u|re)[ \u00a0]+à[ \u00a0]+nos"
        r"[ \u00a0]+questions"
    ),
    # « Entretien avec X » opening a sentence, « notre entretien avec X », « nous publions une
    # conversation avec X »; never « lors d’un entretien avec le ministre », which reports a talk.
    re.compile(
        r"(?:^|[.!?…:»][ \u00a0]+|\b(?i:cet|cette|notre|ce|voici|nous publions)"
        r"(?:[ \u00a0]+(?i:une?|notre))?[ \u00a0]+)"
        r"(?i:entretien|interview|rencontre|conversation)[ \u00a0]+(?i:avec|de)[ \u00a0]+"
        rf"(?P<name>{_NAME})"
    ),
)
# « Propos recueillis par X » names the interviewer, never the interviewee.
_COLLECTED_BY = re.compile(rf"(?i:propos recueillis par)[ \u00a0]+(?P<name>{_NAME})")
_INTRO_BLOCKS = 3
# A title made of a quote and its speaker: « « … » - Marc Joly » (Élucid) or
# « Franck Courtès, écrivain : « … » » (Le Figaro, Rue89); the name has two words or more.
_FULL_NAME = rf"{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_NAME_WORD}){{1,3}}"
# What may follow the name: a role (« , sociologue »), where it was said (« sur RTL »,
# « (France Info) »).
_AFTER_NAME = r"(?:\s*,[^«»:|()]{1,60})?(?:\s+sur\s+[^«»:|()]{1,40})?(?:\s*\([^()«»]{1,40}\))?"
_QUOTE_THEN_NAME = re.compile(
    rf"^\s*«\s*(?P<quote>[^«»]{{3,}}?)\s*»\s*[-–—|]\s*(?P<name>{_FULL_NAME}){_AFTER_NAME}\s*$"
)
_NAME_THEN_QUOTE = re.compile(
    rf"^\s*(?P<name>{_FULL_NAME}){_AFTER_NAME}\s*:\s*«\s*(?P<quote>[^«»]{{3,}}?)\s*»"
    r"(?:\s*\([^()«»]{1,40}\))?\s*$"
)
# A label that opens what looks like a name is the genre of the piece, not who speaks
# (« « Le colloque » - Introduction de Jean-Luc Mélenchon »).
_GENRES = frozenset(
    "introduction conclusion entretien interview discours conférence intervention débat"
    " rencontre portrait tribune analyse chronique édito extrait vidéo replay live"
    " allocution audition émission meeting".split()
)
_MIN_VOICES = 2
_MIN_VOICE_TURNS = 2
_EDGE_SPACES = " \u00a0\u202f\t"


def pull_quote(paragraph: str) -> str | None:
    """The inside of a paragraph wholly within « … » (a final `.` allowed), else None."""
    text = paragraph.strip()
    if text.endswith("."):
        text = text[:-1].rstrip()
    if len(text) < 3 or text[0] != "«" or text[-1] != "»":
        return None
    depth = 0
    for mark in _GUILLEMET.finditer(text):
        depth += 1 if mark.group() == "«" else -1
        # Closing to depth 0 before the end means two quotes with text between: not one quote.
        if depth <= 0 and mark.start() < len(text) - 1:
            return None
    inner = text[1:-1].strip(_EDGE_SPACES)
    return inner or None


def title_speaker(title: str | None) -> str | None:
    """The interviewee a title names (« entretien avec X », « X, rôle : « … » »), or None."""
    if not title:
        return None
    match = _WITH.search(title)
    if match:
        return match["name"].rstrip(".")
    match = _SAYS.match(title)
    if match:
        name = match["name"].split(",")[0].strip()
        if _NAME_ONLY.match(name):
            return name
    return None


def title_quote(title: str | None) -> tuple[str, str] | None:
    """(quote, speaker) of a title made of a quote and who said it, else None."""
    if not title:
        return None
    match = _QUOTE_THEN_NAME.match(title) or _NAME_THEN_QUOTE.match(title)
    if match is None:
        return None
    name = match["name"]
    if name.split()[0].casefold() in _GENRES:
        return None
    if name.isupper():  # « JEAN-PHILIPPE TANGUY : « … » »
        name = name.title()
    quote = match["quote"].strip(_EDGE_SPACES).rstrip(".")
    return (quote, name) if quote else None


@dataclass(frozen=True, slots=True)
class BodyCue:
    """Where a body says an interview starts, and who it names as interviewee and interviewer."""

    start: int
    section: bool
    interviewee: str | None
    interviewer: str | None


def body_cue(blocks: Sequence[Block]) -> BodyCue | None:
    """The interview a body announces itself: a section heading or an intro line, or None."""
    interviewer = next(
        (m["name"] for block in blocks if (m := _COLLECTED_BY.search(block.text))), None
    )
    for i, block in enumerate(blocks):
        text = block.text.strip(_EDGE_SPACES)
        if (
            (block.kind == "heading" or block.bold)
            and len(text) <= _SECTION_MAX_CHARS
            and (section := _SECTION.match(text)) is not None
        ):
            named = section["name"] or _intro_name(blocks[i + 1 : i + 1 + _INTRO_BLOCKS])
            return BodyCue(i, True, _not(named, interviewer), interviewer)
        named = _intro_name([block]) if block.kind == "paragraph" else None
        if _not(named, interviewer) is not None:
            return BodyCue(i, False, named, interviewer)
    return None


def _intro_name(blocks: Sequence[Block]) -> str | None:
    for block in blocks:
        if block.kind not in ("paragraph", "heading"):
            continue
        for pattern in _INTRO:
            match = pattern.search(block.text)
            if match:
                return match["name"].rstrip(".")
    return None


def _not(name: str | None, interviewer: str | None) -> str | None:
    return None if name is None or name == interviewer else name


def announces_interview(title: str | None) -> bool:
    """Whether a title presents its article as an interview."""
    if not title:
        return False
    return _INTERVIEW_WORD.search(title) is not None or title_speaker(title) is not None


def layout_interview(
    blocks: Sequence[Block], title: str | None, *, interviewer: str | None = None
) -> tuple[Passage, ...] | None:
    """Passages of an interview set out by layout, or None when the layout is not sure."""
    questions = [_question(block, interviewer) for block in blocks]
    if sum(1 for q in questions if q is not None) < _MIN_QUESTIONS:
        return None  # most articles end here, before any cue is looked for
    cue = body_cue(blocks)
    if cue is not None and cue.interviewer and not interviewer:
        interviewer = cue.interviewer
        questions = [_question(block, interviewer) for block in blocks]
    if cue is not None and not announces_interview(title):
        _keep_section(blocks, questions, cue)
    asked = {i: q for i, q in enumerate(questions) if q is not None}
    answered = [
        i
        for i in asked
        if i + 1 < len(blocks) and questions[i + 1] is None and _answer(blocks[i + 1])
    ]
    if len(answered) < _MIN_QUESTIONS:
        return None
    marked = sum(1 for _, explicit in asked.values() if explicit)
    voices = _voices(blocks, questions)
    if (
        not announces_interview(title)
        and cue is None
        and not voices
        and not (
            marked >= _MIN_MARKED_WITHOUT_CUE and all(q.endswith("?") for q, _ in asked.values())
        )
    ):
        return None
    _add_bold_questions(blocks, questions, asked)
    interviewee = title_speaker(title) or (cue.interviewee if cue else None)
    return _passages(blocks, questions, interviewee, interviewer, voices)


def _keep_section(
    blocks: Sequence[Block], questions: list[tuple[str, bool] | None], cue: BodyCue
) -> None:
    """Only questions after the cue ask; a heading that asks nothing ends a cued section."""
    asking = False
    for i in range(len(blocks)):
        if i <= cue.start:
            questions[i] = None
        elif questions[i] is not None:
            asking = True
        elif cue.section and asking and blocks[i].kind == "heading":
            for j in range(i, len(blocks)):
                questions[j] = None
            return


def _question(block: Block, interviewer: str | None) -> tuple[str, bool] | None:
    """(question text, explicitly marked) when a block reads as an interviewer's question."""
    text = block.text.strip()
    if len(text) > _QUESTION_MAX_CHARS or block.kind in ("list", "quote"):
        return None
    emphasized = block.kind == "heading" or block.bold
    if interviewer and text.startswith(interviewer):
        rest = text[len(interviewer) :].lstrip(" \u00a0\u202f:–—-").strip()
        if rest and (emphasized or rest.endswith("?")):
            return rest, True
    marker = _QUESTION_MARKER.match(text)
    if marker and (emphasized or text.endswith("?")):
        rest = text[marker.end() :].strip()
        return (rest, True) if rest else None
    if emphasized and text.endswith("?"):
        return text, False
    return None


def _add_bold_questions(
    blocks: Sequence[Block],
    questions: list[tuple[str, bool] | None],
    asked: dict[int, tuple[str, bool]],
) -> None:
    """Make questions of the bold paragraphs answered by plain ones, when bold is the layout."""
    if not all(blocks[i].kind == "paragraph" and blocks[i].bold for i in asked):
        # Headings ask (Cultiz): there, a bold paragraph is an answer set in bold.
        return
    # Only between questions that ask: a bold line after the last one (« Propos recueillis
    # par … ») is no question.
    for i in range(min(asked) + 1, max(asked)):
        block, after = blocks[i], blocks[i + 1]
        if (
            questions[i] is None
            and block.kind == "paragraph"
            and block.bold
            and len(block.text) <= _QUESTION_MAX_CHARS
            and after.kind == "paragraph"
            and not after.bold
        ):
            questions[i] = (block.text, False)


def _voice(line: str) -> tuple[str, str] | None:
    """(name, answer) when a line opens with « name : »."""
    match = _VOICE.match(line)
    return (match["name"], line[match.end() :]) if match else None


def _voices(
    blocks: Sequence[Block], questions: Sequence[tuple[str, bool] | None]
) -> frozenset[str]:
    """The names that open the answers of a group interview, or none."""
    first = next((i for i, q in enumerate(questions) if q is not None), len(blocks))
    replies = [
        (i, block)
        for i, block in enumerate(blocks[first + 1 :], start=first + 1)
        if questions[i] is None and block.kind == "paragraph"
    ]
    counts = Counter(
        voice[0]
        for _, block in replies
        for line in block.text.split("\n")
        if (voice := _voice(line)) is not None
    )
    names = frozenset(name for name, n in counts.items() if n >= _MIN_VOICE_TURNS)
    if len(names) < _MIN_VOICES:
        return frozenset()
    opened = sum(
        1
        for i, block in replies
        if questions[i - 1] is not None
        and (voice := _voice(block.text)) is not None
        and voice[0] in names
    )
    return names if opened >= _MIN_QUESTIONS else frozenset()


def _answer(block: Block) -> bool:
    # Answers may be bold throughout (Cultiz sets whole replies in <strong>); a heading that
    # is no question closes the interview part (« Pour en voir plus : »), and so does the
    # line that names the interviewer (« Propos recueillis par … »).
    if block.kind == "heading":
        return False
    return not (len(block.text) <= _SECTION_MAX_CHARS + 20 and _COLLECTED_BY.match(block.text))


def _passages(
    blocks: Sequence[Block],
    questions: Sequence[tuple[str, bool] | None],
    interviewee: str | None,
    interviewer: str | None,
    voices: frozenset[str] = frozenset(),
) -> tuple[Passage, ...]:
    """Lede paragraphs, then a question passage and one answer passage per turn (and voice)."""
    out: list[Passage] = []
    answer: list[str] = []
    quotes: list[Passage] = []
    in_turn = False
    speaker = interviewee

    def end_turn() -> None:
        if answer:
            out.append(Passage("answer", "\n\n".join(answer), speaker))
        out.extend(quotes)
        answer.clear()
        quotes.clear()

    for block, question in zip(blocks, questions, strict=True):
        if question is not None:
            end_turn()
            out.append(Passage("question", question[0], interviewer))
            in_turn = True
            speaker = interviewee
            continue
        quote = block.text if block.kind == "quote" else pull_quote(block.text)
        if quote is not None and in_turn:
            quotes.append(Passage("pullquote", quote, block.speaker or speaker))
        elif in_turn and voices and block.kind == "paragraph":
            for name, text in _by_voice(block.text, voices):
                if name is not None:
                    end_turn()
                    speaker = name
                answer.append(text)
        elif in_turn and _answer(block):
            answer.append(block.text)
        else:
            end_turn()
            in_turn = False
            out.append(Passage("paragraph", block.text))
    end_turn()
    return tuple(out)


def _by_voice(text: str, voices: frozenset[str]) -> list[tuple[str | None, str]]:
    """A paragraph cut where a line opens with a voice: (name or None to go on, text)."""
    parts: list[tuple[str | None, list[str]]] = []
    for line in text.split("\n"):
        voice = _voice(line)
        if voice is not None and voice[0] in voices:
            parts.append((voice[0], [voice[1]]))
        elif parts:
            parts[-1][1].append(line)
        else:
            parts.append((None, [line]))
    return [(name, "\n".join(lines)) for name, lines in parts]
