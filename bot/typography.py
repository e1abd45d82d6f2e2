"""French typography: the non-breaking spaces French puts before high punctuation and in « »."""

from __future__ import annotations

import re

NARROW_NBSP = "\u202f"  # before ; ! ? (espace fine insécable)
NBSP = "\u00a0"  # before : and inside « » (espace insécable)

_SPACES = " \u00a0\u202f"
_BEFORE_HIGH = re.compile(f"[{_SPACES}]+(?=[;!?])")
_BEFORE_COLON = re.compile(f"[{_SPACES}]+(?=:)")
_AFTER_OPEN = re.compile(f"«[{_SPACES}]*")
_BEFORE_CLOSE = re.compile(f"[{_SPACES}]*»")


def french_spaces(value: str) -> str:
    """`value` with the spaces French wants: U+202F before ; ! ?, U+00A0 before : and in « ».

    Only spaces already written are made non-breaking (`https://` or `?q=` stay as they
    are), except inside « », which always get one so Telegram never breaks a quote open.
    """
    value = _BEFORE_HIGH.sub(NARROW_NBSP, value)
    value = _BEFORE_COLON.sub(NBSP, value)
    value = _AFTER_OPEN.sub("«" + NBSP, value)
    return _BEFORE_CLOSE.sub(NBSP + "»", value)
