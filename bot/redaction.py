"""A logging filter that keeps the bot token out of every log record and traceback."""

from __future__ import annotations

import logging

MASK = "***"
_FORMATTER = logging.Formatter()


class TokenRedactor(logging.Filter):
    """Masks the secret half of the bot token in a record's message, exception and stack.

    The part after the colon is what grants control of the bot; it is made of url-safe
    characters, so masking it also covers the token inside URLs, even percent-encoded.
    """

    def __init__(self, token: str) -> None:
        super().__init__()
        self._secret = token.partition(":")[2] or token

    def redact(self, value: str) -> str:
        """`value` with every occurrence of the secret masked."""
        return value.replace(self._secret, MASK)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place (message with its arguments, exception, stack)."""
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the message: keep both, masked
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info:
            # Formatted now, once, and masked; the live exception is dropped so that no
            # formatter can print it again unmasked.
            record.exc_text = record.exc_text or _FORMATTER.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def redact_token(token: str | None, handlers: list[logging.Handler]) -> None:
    """Install a TokenRedactor on each handler (every record logged anywhere reaches them)."""
    if not token:
        return
    redactor = TokenRedactor(token)
    for handler in handlers:
        handler.addFilter(redactor)
