"""FakeBotAPI: an in-memory Telegram Bot API shared by the in-process and HTTP transports."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import time
from collections.abc import Callable
from typing import Any

from .errors import NOT_FOUND, UNAUTHORIZED, ApiError, FailRule, bad_request
from .methods_chats import ChatMethods
from .methods_messages import MessageMethods, json_param
from .objects import FakeUser, SentCall, UploadedFile
from .readback import ReadBack
from .state import BotState, ChatRef
from .topics import TopicMethods

DEFAULT_TOKEN = "5550000001:AAFakeRelaisTestToken_abcdefghijklmno"
_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")
# Telegram leaves these out when allowed_updates is empty or was never set.
_OPT_IN_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}
_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)

Body = dict[str, Any]


def _ok(result: Any) -> tuple[int, Body]:
    return 200, {"ok": True, "result": result}


class FakeBotAPI(MessageMethods, ChatMethods, TopicMethods, ReadBack):
    """A fake Telegram Bot API: per-token state, method dispatch, injection and read-back."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = "relais_test_bot",
        first_name: str = "Relais",
        strict: bool = True,
    ) -> None:
        super().__init__()
        self.strict = strict
        # What stamps each call's arrival (SentCall.time); tests may give a virtual clock.
        self.clock: Callable[[], float] = time.monotonic
        # Telegram matches method names case-insensitively.
        self._methods = {
            name[4:].lower(): name[4:] for name in dir(self) if name.startswith("api_")
        }
        self._methods["getupdates"] = "getUpdates"
        self._release_epoch = 0
        self.crashes: list[Exception] = []  # exceptions the fake itself raised (answered 500)
        # Seconds between a call taking effect (logged, visible in the chat) and its answer
        # reaching the bot, as over a slow network; a process killed meanwhile never learns.
        self.latency = 0.0
        self.add_bot(token, username=username, first_name=first_name)

    # -- bots ----------------------------------------------------------------------------
    def add_bot(
        self, token: str, *, username: str = "relais_test_bot", first_name: str = "Relais"
    ) -> FakeUser:
        """Register a bot token; the first one becomes the default for helpers."""
        if not _TOKEN_RE.fullmatch(token):
            raise ValueError(f"malformed bot token {token!r}")
        user = FakeUser(
            int(token.split(":")[0]), first_name, language_code=None, username=username, is_bot=True
        )
        self._bots[token] = BotState(token=token, user=user)
        self._primary = self._primary or token
        return user

    @property
    def token(self) -> str:
        """The default bot token."""
        return self._primary

    @property
    def bot_user(self) -> FakeUser:
        """The default bot's User."""
        return self._state().user

    # -- dispatch ------------------------------------------------------------------------
    async def call(
        self,
        token: str,
        method: str,
        params: dict[str, Any] | None = None,
        files: dict[str, UploadedFile] | None = None,
    ) -> tuple[int, Body]:
        """Answer one Bot API request as (HTTP status, JSON body), as Telegram would."""
        arrival = self.clock()
        state = self._bots.get(token)
        if state is None:
            if not _TOKEN_RE.fullmatch(token):
                return NOT_FOUND.status, NOT_FOUND.body()
            if self.strict:
                return UNAUTHORIZED.status, UNAUTHORIZED.body()
            self.add_bot(token, username=f"bot{token.split(':')[0]}_bot", first_name="Bot")
            state = self._bots[token]
        params = dict(params or {})
        files = dict(files or {})
        name = self._methods.get(method.lower())
        if name == "getUpdates":
            # Polls are not logged; failures reach them only when aimed at getUpdates by name.
            try:
                if (rule := self._take_failure(state, name, None, by_name=True)) is not None:
                    raise rule.error
                return await self._get_updates(state, params)
            except ApiError as error:
                return error.status, error.body()
        record = SentCall(
            seq=len(self._log) + 1,
            token=token,
            method=name or method,
            params=params,
            chat_id=self._chat_key(params.get("chat_id")),
            time=arrival,
            files=files,
        )
        try:
            if name is None:
                raise NOT_FOUND
            if (rule := self._take_failure(state, name, record.chat_id)) is not None:
                raise rule.error
            status, body = _ok(getattr(self, f"api_{name}")(state, params, files))
        except ApiError as error:
            status, body = error.status, error.body()
        except Exception as exc:  # a bug in the fake: keep serving, keep the evidence
            self.crashes.append(exc)
            status, body = (
                500,
                {
                    "ok": False,
                    "error_code": 500,
                    "description": f"Internal Server Error: fake Bot API crashed: {exc!r}",
                },
            )
        record.status, record.response = status, copy.deepcopy(body)
        self._log.append(record)
        self._log_signal.notify()
        if self.latency:
            await asyncio.sleep(self.latency)
        return status, copy.deepcopy(body)

    # -- long polling --------------------------------------------------------------------
    async def _get_updates(self, state: BotState, params: dict[str, Any]) -> tuple[int, Body]:
        if state.webhook_url:
            return 409, ApiError(409, _WEBHOOK_CONFLICT).body()
        try:
            offset = int(params.get("offset") or 0)
            limit = min(max(int(params.get("limit") or 100), 1), 100)
            timeout = float(params.get("timeout") or 0)
        except (TypeError, ValueError):
            raise bad_request("invalid getUpdates parameters") from None
        allowed = json_param(params.get("allowed_updates"), "allowed updates")
        if allowed is not None:
            state.allowed_updates = list(allowed)
        # A newer getUpdates ends any older one with 409, as Telegram does.
        state.poll_generation += 1
        generation, epoch = state.poll_generation, self._release_epoch
        self._updates_signal.notify()
        if offset > 0:
            state.updates = [u for u in state.updates if u["update_id"] >= offset]
        elif offset < 0:
            state.updates = state.updates[offset:]
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            ready = self._deliverable(state)
            if ready:
                return _ok(copy.deepcopy(ready[:limit]))
            if generation != state.poll_generation:
                return 409, ApiError(409, _CONFLICT).body()
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0 or epoch != self._release_epoch:
                return _ok([])
            await self._updates_signal.wait(remaining)

    def _deliverable(self, state: BotState) -> list[dict[str, Any]]:
        wanted = set(state.allowed_updates or ())

        def allowed(update: dict[str, Any]) -> bool:
            kind = next(key for key in update if key != "update_id")
            return kind in wanted if wanted else kind not in _OPT_IN_UPDATES

        # Telegram never stores updates of unwanted types, so they are dropped for good.
        state.updates = [u for u in state.updates if allowed(u)]
        return state.updates

    def release_pollers(self) -> None:
        """End every pending long poll now with an empty result (used at server shutdown)."""
        self._release_epoch += 1
        self._updates_signal.notify()

    def pending_updates(self, *, token: str | None = None) -> list[dict[str, Any]]:
        """Updates injected but not yet confirmed by a getUpdates offset."""
        return copy.deepcopy(self._state(token).updates)

    # -- error injection -----------------------------------------------------------------
    def fail_next(
        self,
        error: ApiError,
        *,
        chat_id: ChatRef | None = None,
        method: str | None = None,
        times: int | None = 1,
        token: str | None = None,
    ) -> FailRule:
        """Answer the next `times` matching calls with error (times=None: until cleared)."""
        rule = FailRule(error=error, chat_id=self._chat_key(chat_id), method=method, times=times)
        self._state(token).fail_rules.append(rule)
        return rule

    def clear_failures(self, *, token: str | None = None) -> None:
        """Drop every pending injected failure."""
        self._state(token).fail_rules.clear()

    def _take_failure(
        self, state: BotState, method: str, chat_id: Any, *, by_name: bool = False
    ) -> FailRule | None:
        for rule in state.fail_rules:
            if by_name and rule.method is None:
                continue
            if rule.matches(method, chat_id):
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        state.fail_rules.remove(rule)
                return rule
        return None


def dumps(body: Body) -> bytes:
    """Encode a response body the way Telegram does (compact UTF-8 JSON)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
