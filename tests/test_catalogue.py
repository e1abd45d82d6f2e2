"""One catalogue holds every sentence a user reads, in French and English alike."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

from bot.i18n import MESSAGES, TEXTS, message, text
from tests.conftest import ROOT

BOT = ROOT / "bot"
# Calls whose string arguments reach a chat: replies, sends, edits, query answers, alerts.
SENDERS = {
    "reply",
    "reply_text",
    "reply_lines",
    "show_page",
    "reply_document",
    "send_message",
    "edit_message_text",
    "answer",
    "tell_admins",
    "InlineKeyboardButton",
    "KeyboardButton",
}
# Two letters in a row outside a tag: a word, hence a sentence that bypassed the catalogue.
_WORD = re.compile(r"[^\W\d_]{2,}")
_TAG = re.compile(r"</?[a-z]+[^>]*>|\{[a-z_]*\}")  # tags and placeholders


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _trees() -> dict[Path, ast.AST]:
    return {
        path: ast.parse(path.read_text(encoding="utf-8"))
        for path in BOT.rglob("*.py")
        if "__pycache__" not in path.parts
    }


def _called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _literal_words(node: ast.AST) -> list[str]:
    """Words in the literal parts of a string or f-string argument (tags left out)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if node.value in TEXTS["fr"]:
            return []  # a catalogue key (tell_admins takes one)
        parts = [node.value]
    elif isinstance(node, ast.JoinedStr):
        parts = [
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        ]
    else:
        return []
    return [word for part in parts for word in _WORD.findall(_TAG.sub("", part))]


def test_both_languages_have_every_key_with_the_same_placeholders() -> None:
    for table in (TEXTS, MESSAGES):
        assert table["fr"].keys() == table["en"].keys()
        for key, template in table["fr"].items():
            assert _placeholders(template) == _placeholders(table["en"][key]), key


def test_every_key_and_error_code_used_in_the_code_is_in_the_catalogue() -> None:
    prefixes = {"FilterError": "filter.", "QueryWarning": "query.", "ScheduleError": "schedule."}
    used: set[str] = set()
    for tree in _trees().values():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = _called(node)
            first = node.args[0]
            if (
                name in prefixes
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                used.add(prefixes[name] + first.value)
            elif name in ("text", "tell_admins") and len(node.args) > 1:
                argument = node.args[1] if name == "text" else first
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    used.add(argument.value)
    assert len(used) > 60
    for key in used:
        table = MESSAGES if "." in key else TEXTS
        assert key in table["fr"], key
        assert key in table["en"], key


def test_no_sentence_reaches_a_chat_without_the_catalogue() -> None:
    found = []
    for path, tree in _trees().items():
        if "telegram" not in path.parts:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called(node) in SENDERS:
                shown = [k.value for k in node.keywords if k.arg in ("text", "caption")]
                arguments = [*node.args, *shown]
                for argument in arguments:
                    if words := _literal_words(argument):
                        found.append(f"{path.name}:{node.lineno}: {' '.join(words)}")
    assert found == []


def test_the_scan_would_see_a_stray_sentence() -> None:
    stray = ast.parse('await message.reply_text(f"<b>{name}</b> keeps failing")').body[0]
    call = stray.value.value  # type: ignore[attr-defined]
    assert _literal_words(call.args[0]) == ["keeps", "failing"]
    assert _literal_words(ast.parse('"<b>✖</b> {x}"').body[0].value) == []  # type: ignore[attr-defined]


def test_french_sentences_carry_no_english_words() -> None:
    english = {"use", "the", "unknown", "failing", "keeps", "file", "larger", "than", "skipped"}
    for key, template in {**TEXTS["fr"], **MESSAGES["fr"]}.items():
        if key == "help":  # command syntax (daily, weekly, on, off) is English by design
            continue
        # Upper-case words are names (SOURCES_FILE, ADMIN_IDS), not sentences.
        words = {w.lower() for w in _WORD.findall(_TAG.sub("", template)) if not w.isupper()}
        assert not words & english, (key, words & english)
    assert text("en", "bad_schedule", error=message("en", "schedule.form")).startswith(
        "Unreadable schedule: use daily"
    )
