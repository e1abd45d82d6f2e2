"""Bot API methods about queries, commands, chats, members and the bot itself."""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import bad_request
from .methods_messages import Files, Params, inline_markup, int_param, json_param, render
from .state import BotState, CoreBase
from .telegram_html import MAX_TEXT_LENGTH

MAX_INLINE_RESULTS = 50
MAX_INLINE_ID_BYTES = 64
MAX_CALLBACK_ANSWER_CHARS = 200
MAX_COMMANDS = 100
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_ADMIN_STATUSES = ("creator", "administrator")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _flag(value: Any) -> bool:
    return str(value).lower() in ("true", "1")


_START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _check_results_button(button: Any) -> None:
    """The button above inline results: a text, and a web app or a /start parameter."""
    if not isinstance(button, dict) or not str(button.get("text", "")):
        raise bad_request("BUTTON_TEXT_INVALID")  # wording unverified
    start = button.get("start_parameter")
    if ("web_app" in button) == (start is not None):
        raise bad_request("BUTTON_TYPE_INVALID")  # wording unverified
    if start is not None and not _START_PARAMETER.fullmatch(str(start)):
        raise bad_request("START_PARAM_INVALID")


def scope_key(params: Params) -> tuple[str, str]:
    """Key for a command list: the scope as canonical JSON plus the language code."""
    scope = json_param(params.get("scope"), "scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")


class ChatMethods(CoreBase):
    """answer*Query, *MyCommands, getChat*, webhooks, getMe and accepted no-ops."""

    # -- bot -----------------------------------------------------------------------------
    def api_getMe(self, state: BotState, params: Params, files: Files) -> Any:
        data = state.user.to_json()
        data.pop("language_code", None)
        data.update(
            can_join_groups=True,
            can_read_all_group_messages=False,
            supports_inline_queries=True,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
        return data

    def api_logOut(self, state: BotState, params: Params, files: Files) -> Any:
        return True

    def api_close(self, state: BotState, params: Params, files: Files) -> Any:
        return True

    def _accept(self, state: BotState, params: Params, files: Files) -> Any:
        return True

    # Settings the bot may push at startup; recorded in the log, otherwise ignored.
    api_setMyDescription = _accept
    api_setMyShortDescription = _accept
    api_setMyName = _accept
    api_setChatMenuButton = _accept
    api_setMyDefaultAdministratorRights = _accept
    api_pinChatMessage = _accept
    api_unpinChatMessage = _accept

    # -- webhook -------------------------------------------------------------------------
    def api_setWebhook(self, state: BotState, params: Params, files: Files) -> Any:
        # Like a self-hosted Bot API server, plain http and any port are accepted.
        url = str(params.get("url", ""))
        if url and not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = str(params.get("secret_token") or "")
        if secret and not _SECRET_RE.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        connections = 40
        if params.get("max_connections") not in (None, ""):
            connections = int_param(params, "max_connections")
        if not 1 <= connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        allowed = json_param(params.get("allowed_updates"), "allowed updates")
        if allowed is not None:
            state.allowed_updates = list(allowed)
        if _flag(params.get("drop_pending_updates")):
            state.updates.clear()
        state.webhook_url, state.webhook_secret = url, secret if url else ""
        state.webhook_max_connections = connections
        self._updates_signal.notify()  # the webhook pusher starts delivering
        return True

    def api_deleteWebhook(self, state: BotState, params: Params, files: Files) -> Any:
        state.webhook_url = state.webhook_secret = ""
        if _flag(params.get("drop_pending_updates")):
            state.updates.clear()
        return True

    def api_getWebhookInfo(self, state: BotState, params: Params, files: Files) -> Any:
        info: dict[str, Any] = {
            "url": state.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(state.updates),
        }
        if state.webhook_url:
            info["max_connections"] = state.webhook_max_connections
            if state.allowed_updates is not None:
                info["allowed_updates"] = list(state.allowed_updates)
        if state.webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = state.webhook_error
        return info

    # -- commands ------------------------------------------------------------------------
    def api_setMyCommands(self, state: BotState, params: Params, files: Files) -> Any:
        commands = json_param(params.get("commands", []), "commands")
        if len(commands) > MAX_COMMANDS:
            raise bad_request("too many commands")
        for command in commands:
            if not _COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")  # wording unverified
        state.commands[scope_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def api_getMyCommands(self, state: BotState, params: Params, files: Files) -> Any:
        return list(state.commands.get(scope_key(params), []))

    def api_deleteMyCommands(self, state: BotState, params: Params, files: Files) -> Any:
        state.commands.pop(scope_key(params), None)
        return True

    # -- chats and members ---------------------------------------------------------------
    def api_getChat(self, state: BotState, params: Params, files: Files) -> Any:
        return self._find_chat(params.get("chat_id", "")).full_info()

    def api_getChatMember(self, state: BotState, params: Params, files: Files) -> Any:
        chat = self._find_chat(params.get("chat_id", ""))
        user_id = int_param(params, "user_id")
        return self._member(state, chat, user_id)

    def api_getChatAdministrators(self, state: BotState, params: Params, files: Files) -> Any:
        chat = self._find_chat(params.get("chat_id", ""))
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        with_bots = str(params.get("return_bots", "")).lower() in ("true", "1")
        admins = []
        for user_id, (status, _rights) in state.members.get(chat.id, {}).items():
            if status not in _ADMIN_STATUSES:
                continue
            member = self._member(state, chat, user_id)
            # Other bots are omitted unless return_bots; the calling bot is always listed.
            if member["user"]["is_bot"] and user_id != state.user.id and not with_bots:
                continue
            admins.append(member)
        return admins

    def api_getChatMemberCount(self, state: BotState, params: Params, files: Files) -> Any:
        chat = self._find_chat(params.get("chat_id", ""))
        if chat.type == "private":
            return 2
        table = state.members.get(chat.id, {})
        return sum(1 for status, _ in table.values() if status not in ("left", "kicked"))

    def api_leaveChat(self, state: BotState, params: Params, files: Files) -> Any:
        chat = self._find_chat(params.get("chat_id", ""))
        self._set_status(state, chat, state.user.id, "left", {})
        return True

    # -- queries -------------------------------------------------------------------------
    def api_answerCallbackQuery(self, state: BotState, params: Params, files: Files) -> Any:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in state.callback_queries or query_id in state.callback_answers:
            raise bad_request(_QUERY_TOO_OLD)
        text = str(params.get("text", ""))
        if len(text) > MAX_CALLBACK_ANSWER_CHARS:
            raise bad_request("MESSAGE_TOO_LONG")  # wording unverified
        state.callback_answers[query_id] = {
            "text": text,
            "show_alert": bool(params.get("show_alert", False)),
            "url": params.get("url"),
            "cache_time": params.get("cache_time"),
        }
        return True

    def api_answerInlineQuery(self, state: BotState, params: Params, files: Files) -> Any:
        query_id = str(params.get("inline_query_id", ""))
        if query_id not in state.inline_queries or query_id in state.inline_answers:
            raise bad_request(_QUERY_TOO_OLD)
        results = json_param(params.get("results", []), "inline query results")
        if len(results) > MAX_INLINE_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            result_id = str(result.get("id", ""))
            if not 1 <= len(result_id.encode("utf-8")) <= MAX_INLINE_ID_BYTES:
                raise bad_request("RESULT_ID_INVALID")
            if result_id in seen:
                raise bad_request("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            content = result.get("input_message_content") or {}
            if "message_text" in content:
                render(
                    str(content["message_text"]),
                    content.get("parse_mode"),
                    content.get("entities"),
                    MAX_TEXT_LENGTH,
                )
            inline_markup(result)
        button = json_param(params.get("button"), "inline query results button")
        if button is not None:
            _check_results_button(button)
        next_offset = str(params.get("next_offset", ""))
        if len(next_offset.encode("utf-8")) > MAX_INLINE_ID_BYTES:
            raise bad_request("NEXT_OFFSET_INVALID")  # wording unverified
        state.inline_answers[query_id] = {
            "results": results,
            "next_offset": next_offset,
            "cache_time": params.get("cache_time"),
            "is_personal": params.get("is_personal"),
            "button": button,
        }
        return True
