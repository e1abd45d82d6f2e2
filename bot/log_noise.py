"""Library log records an operator need not read at INFO: start-up tracebacks, job chatter."""

from __future__ import annotations

import logging

# python-telegram-bot's retry loop around start-up (getMe, deleteWebhook, …) logs the whole
# traceback when it gives up; `run` then says what failed in one line of its own.
_BOOTSTRAP = "Network Retry Loop (Bootstrap"


class LibraryNoise(logging.Filter):
    """Demotes APScheduler's per-run INFO lines (« Running job », « executed successfully »,
    twice every 20 s) to DEBUG, and keeps PTB's start-up tracebacks for DEBUG only."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self._debug = level <= logging.DEBUG

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a record that is not shown at the configured level."""
        if record.name.startswith("apscheduler") and record.levelno == logging.INFO:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return self._debug
        if record.name.startswith("telegram") and str(record.msg).startswith(_BOOTSTRAP):
            return self._debug
        return True


def quiet_library_noise(level: int, handlers: list[logging.Handler]) -> None:
    """Install LibraryNoise for the configured level on each handler (they see every record)."""
    noise = LibraryNoise(level)
    for handler in handlers:
        handler.addFilter(noise)
