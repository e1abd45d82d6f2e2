"""The token filter: whatever the logger, level, arguments, exception or stack, no token."""

from __future__ import annotations

import io
import logging

from bot.redaction import TokenRedactor, redact_token

TOKEN = "5550000001:AAFakeRelaisTestToken_abcdefghijklmno"
SECRET = TOKEN.split(":")[1]


class Rejected(Exception):
    """An error that carries the token, as python-telegram-bot's InvalidToken does."""


def test_no_record_or_exception_shows_the_token() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    redact_token(TOKEN, [handler])
    root = logging.getLogger("relais-test-redaction")
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    child = logging.getLogger("relais-test-redaction.deep.child")  # propagates to root's handler
    try:
        child.debug("Set Bot API URL: http://x/bot%s", TOKEN)
        child.info("encoded %s", "http://x/bot" + TOKEN.replace(":", "%3A"))
        child.warning(f"inline {TOKEN}")
        child.error("mismatched %s %s", TOKEN)  # bad arguments still go through the filter
        child.info("with stack", stack_info=True, extra={"unused": TOKEN})
        try:
            try:
                raise KeyError(TOKEN)
            except KeyError as inner:
                raise Rejected(f"The token `{TOKEN}` was rejected by the server.") from inner
        except Rejected:
            child.exception("while starting")
    finally:
        root.removeHandler(handler)
    output = stream.getvalue()
    assert SECRET not in output, output
    assert output.count("5550000001:***") >= 4
    assert "Traceback" in output
    assert "Rejected: The token `5550000001:***`" in output
    assert "KeyError" in output
    assert "mismatched" in output


def test_the_filter_masks_only_the_token() -> None:
    redactor = TokenRedactor(TOKEN)
    assert redactor.redact(f"a {TOKEN} b") == "a 5550000001:*** b"
    assert redactor.redact("nothing secret") == "nothing secret"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%d posts", (3,), None)
    assert redactor.filter(record)
    assert record.getMessage() == "3 posts"
    record.stack_info = f'Stack (most recent call last):\n  File "x.py", line 1\n    get("{TOKEN}")'
    redactor.filter(record)
    assert SECRET not in record.stack_info
    assert "***" in record.stack_info
