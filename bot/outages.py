"""One log line per kind of failure while something keeps failing, and one on recovery.

A database stopped 5 s under two replicas logged about 118 tracebacks: the outbox drain
every second, the poller's source listing every 2 s. An outage is expected: it is told
once per kind of failure (no traceback), and once more when the work succeeds again. A
failure that is not an outage is a bug: its traceback is logged, once per kind as well.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.store.errors import database_unavailable


class FailureLog:
    """Logs the failures of one piece of work (`what`) without repeating itself."""

    def __init__(
        self, log: logging.Logger, what: str, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._log = log
        self._what = what
        self._clock = clock
        self._kinds: set[str] = set()
        self._since = 0.0
        self.failures = 0

    def failed(self, exc: BaseException) -> None:
        """Another failure: logged only if its kind is new in this outage."""
        if self.failures == 0:
            self._since = self._clock()
        self.failures += 1
        kind = f"{type(exc).__name__}: {str(exc)[:200]}"
        if kind in self._kinds:
            return
        self._kinds.add(kind)
        if database_unavailable(exc):
            self._log.warning(
                "%s failed, the database is unavailable (%s): retrying", self._what, kind
            )
        else:
            self._log.error("%s failed unexpectedly: retrying", self._what, exc_info=exc)

    def succeeded(self) -> None:
        """The work went through: after failures, one line says so."""
        if self.failures == 0:
            return
        self._log.warning(
            "%s works again after %.0f s (%d failed %s)",
            self._what, self._clock() - self._since, self.failures,
            "attempt" if self.failures == 1 else "attempts",
        )  # fmt: skip
        self.failures = 0
        self._kinds.clear()
