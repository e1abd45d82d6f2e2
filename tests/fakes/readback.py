"""Reading back what the bot did: recorded calls, chat contents, answers, commands."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from typing import Any

from .methods_chats import scope_key
from .objects import SentCall
from .state import ChatRef, CoreBase


class ReadBack(CoreBase):
    """Queries over the call log and per-bot state; results are copies, safe to keep."""

    def sent(
        self,
        chat_id: ChatRef | None = None,
        method: str | None = None,
        *,
        include_failed: bool = False,
        token: str | None = None,
    ) -> list[SentCall]:
        """Recorded calls (not getUpdates) in arrival order, successful ones unless asked."""
        wanted_chat = self._chat_key(chat_id)
        return [
            call
            for call in self._log
            if (include_failed or call.ok)
            and (token is None or call.token == token)
            and (method is None or call.method.lower() == method.lower())
            and (wanted_chat is None or call.chat_id == wanted_chat)
        ]

    def mark(self) -> int:
        """Current length of the call log, to pass as wait_for(since=...)."""
        return len(self._log)

    async def wait_for(
        self,
        predicate: Callable[[SentCall], bool] | None = None,
        within: float = 5.0,
        *,
        method: str | None = None,
        chat_id: ChatRef | None = None,
        since: int = 0,
        include_failed: bool = False,
    ) -> SentCall:
        """First call from log index `since` matching all filters; waits up to `within` seconds."""
        wanted_chat = self._chat_key(chat_id)

        def matches(call: SentCall) -> bool:
            return (
                (include_failed or call.ok)
                and (method is None or call.method.lower() == method.lower())
                and (wanted_chat is None or call.chat_id == wanted_chat)
                and (predicate is None or predicate(call))
            )

        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            for call in self._log[since:]:
                if matches(call):
                    return call
            since = len(self._log)
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = [(c.method, c.chat_id, c.text[:60]) for c in self._log[-5:]]
                raise TimeoutError(f"no matching call within {within}s; last calls: {recent}")
            await self._log_signal.wait(remaining)

    def messages(self, chat_id: ChatRef, *, token: str | None = None) -> list[dict[str, Any]]:
        """Messages currently in a chat (after edits and deletions), oldest first."""
        chat = self._find_chat(chat_id)
        stored = self._state(token).messages.get(chat.id, {})
        return [copy.deepcopy(stored[key]) for key in sorted(stored)]

    def callback_answer(self, query_id: str, *, token: str | None = None) -> dict[str, Any] | None:
        """How the bot answered a callback query (text, show_alert...), if it did."""
        return copy.deepcopy(self._state(token).callback_answers.get(str(query_id)))

    def inline_answer(self, query_id: str, *, token: str | None = None) -> dict[str, Any] | None:
        """How the bot answered an inline query (results, next_offset...), if it did."""
        return copy.deepcopy(self._state(token).inline_answers.get(str(query_id)))

    def commands(
        self,
        scope: dict[str, Any] | None = None,
        language_code: str = "",
        *,
        token: str | None = None,
    ) -> list[dict[str, Any]]:
        """The command list set for a scope (default scope if None) and language."""
        key = scope_key({"scope": scope, "language_code": language_code})
        return copy.deepcopy(self._state(token).commands.get(key, []))

    def file_content(self, token: str, file_path: str) -> bytes | None:
        """Bytes served at /file/bot{token}/{file_path}, or None."""
        state = self._bots.get(token)
        for stored in state.files.values() if state else ():
            if stored.file_path == file_path:
                return stored.content
        return None
