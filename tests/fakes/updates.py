"""Test-side injection of the updates Telegram would send: messages, presses, queries..."""

from __future__ import annotations

import copy
import mimetypes
import re
from typing import Any

from .chats import SUPERGROUP_ID_BASE, ChatRegistry
from .objects import FakeChat, FakeUser, SentCall, UploadedFile
from .state import ChatRef, UserRef, member_json, now
from .telegram_html import utf16_len

_COMMAND_RE = re.compile(r"(?:^|(?<=\s))/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,32})?")
_URL_RE = re.compile(r"https?://[^\s<>\"]+")
_MIME_TYPES = {".opml": "text/x-opml", ".xml": "application/xml", ".json": "application/json"}

MessageRef = dict[str, Any] | SentCall


def detect_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command and url entities Telegram's clients attach to a typed message."""
    found = [("bot_command", m) for m in _COMMAND_RE.finditer(text)]
    found += [("url", m) for m in _URL_RE.finditer(text)]
    entities = [
        {
            "type": kind,
            "offset": utf16_len(text[: m.start()]),
            "length": utf16_len(m.group()),
        }
        for kind, m in found
    ]
    return sorted(entities, key=lambda e: e["offset"])


class UpdateInjectors(ChatRegistry):
    """Enqueue updates for the bot to fetch; every injector returns the Update dict."""

    # -- messages ------------------------------------------------------------------------
    def _author(self, chat: FakeChat, user: UserRef | None) -> FakeUser:
        if user is not None:
            return self._user(user)
        if chat.type == "private":
            return self._user(chat.id)
        raise ValueError(f"a user is needed to write in {chat.type} {chat.id}")

    def _user_post(
        self, chat: ChatRef, user: UserRef | None, fields: dict[str, Any], token: str | None
    ) -> dict[str, Any]:
        state = self._state(token)
        chat = self._find_chat(chat)
        if chat.id not in self.chats:
            self.register_chat(chat, token=token)
        author = self._author(chat, user)
        if chat.type != "private" and author.id not in state.members.get(chat.id, {}):
            self._set_status(state, chat, author.id, "member", {})
        message = self._new_message(state, chat, {"from": author.to_json(), **fields})
        return self._enqueue(state, "message", message)

    def user_message(
        self,
        chat: ChatRef,
        text: str,
        user: UserRef | None = None,
        *,
        reply_to: MessageRef | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """A user writes text (entities detected as a client would); returns the Update."""
        fields: dict[str, Any] = {"text": text}
        if entities := detect_entities(text):
            fields["entities"] = entities
        if reply_to is not None:
            fields["reply_to_message"] = self._current(reply_to, token)
        return self._user_post(chat, user, fields, token)

    def command(
        self, chat: ChatRef, text: str, user: UserRef | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """A user sends a command such as "/search travail du clic" or "/start@bot x"."""
        if not text.startswith("/"):
            raise ValueError(f"a command starts with '/': {text!r}")
        return self.user_message(chat, text, user, token=token)

    def document(
        self,
        chat: ChatRef,
        filename: str,
        content: bytes,
        user: UserRef | None = None,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """A user sends a file; getFile and the file download then serve its bytes."""
        suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        mime = mime_type or _MIME_TYPES.get(suffix) or mimetypes.guess_type(filename)[0]
        upload = UploadedFile(filename, bytes(content), mime or "application/octet-stream")
        stored = self._store_file(self._state(token), upload)
        fields: dict[str, Any] = {"document": stored.document_json(), "caption": caption}
        return self._user_post(chat, user, fields, token)

    def chat_shared(
        self,
        chat: ChatRef,
        shared: FakeChat,
        request_id: int = 1,
        user: UserRef | None = None,
        *,
        token: str | None = None,
    ) -> dict[str, Any]:
        """The service message after the user picked a chat from a request_chat button."""
        chat = self._find_chat(chat)
        if chat.type != "private":
            raise ValueError("chat_shared only happens in private chats")
        info: dict[str, Any] = {"request_id": request_id, "chat_id": shared.id}
        info.update(
            {k: v for k, v in (("title", shared.title), ("username", shared.username)) if v}
        )
        return self._user_post(chat, user, {"chat_shared": info}, token)

    def channel_post(self, chat: ChatRef, text: str, *, token: str | None = None) -> dict[str, Any]:
        """A post in a channel the bot belongs to (no from, sender_chat set)."""
        state = self._state(token)
        chat = self._find_chat(chat)
        fields: dict[str, Any] = {"sender_chat": chat.to_json(), "text": text}
        fields["entities"] = detect_entities(text) or None
        return self._enqueue(state, "channel_post", self._new_message(state, chat, fields))

    # -- queries -------------------------------------------------------------------------
    def _current(self, ref: MessageRef, token: str | None) -> dict[str, Any]:
        """The message as stored now (after edits), from a Message dict, Update or SentCall."""
        message = ref.result if isinstance(ref, SentCall) else ref
        if isinstance(message, dict) and "update_id" in message:
            message = message.get("message") or message.get("channel_post")
        if not isinstance(message, dict) or "message_id" not in message:
            raise ValueError(f"not a message: {ref!r}")
        stored = self._stored(self._state(token), message["chat"]["id"], message["message_id"])
        if stored is None:
            raise ValueError(f"message {message['message_id']} no longer exists")
        return copy.deepcopy(stored)

    def press(
        self,
        message: MessageRef,
        data: str,
        user: UserRef | None = None,
        *,
        token: str | None = None,
    ) -> dict[str, Any]:
        """A user presses an inline button carrying data on message; returns the Update."""
        state = self._state(token)
        current = self._current(message, token)
        chat = self._find_chat(current["chat"]["id"])
        query: dict[str, Any] = {
            "id": str(9_000_000_000_000 + self._next_id()),
            "from": self._author(chat, user).to_json(),
            "message": current,
            "chat_instance": str(abs(chat.id) * 1_000_003 % 10**18),
            "data": data,
        }
        state.callback_queries[query["id"]] = query
        return self._enqueue(state, "callback_query", query)

    def inline_query(
        self, user: UserRef, query: str, offset: str = "", *, token: str | None = None
    ) -> dict[str, Any]:
        """A user types "@bot query" in any chat; returns the Update."""
        state = self._state(token)
        inline: dict[str, Any] = {
            "id": str(8_000_000_000_000 + self._next_id()),
            "from": self._user(user).to_json(),
            "query": query,
            "offset": offset,
            "chat_type": "sender",
        }
        state.inline_queries[inline["id"]] = inline
        return self._enqueue(state, "inline_query", inline)

    # -- membership changes --------------------------------------------------------------
    def my_chat_member(
        self,
        chat: ChatRef,
        old_status: str,
        new_status: str,
        user: UserRef | None = None,
        *,
        token: str | None = None,
        **new_rights: Any,
    ) -> dict[str, Any]:
        """The bot's own status changes (added, promoted, removed, blocked); returns the Update."""
        state = self._state(token)
        chat = self._find_chat(chat)
        actor = self._author(chat, user) if chat.type == "private" or user else None
        actor_json = (
            actor.to_json() if actor else {"id": 777000, "is_bot": False, "first_name": "Telegram"}
        )
        bot = state.user.to_json()
        self._set_status(state, chat, state.user.id, new_status, new_rights)
        change = {
            "chat": chat.to_json(),
            "from": actor_json,
            "date": now(),
            "old_chat_member": member_json(bot, old_status, chat.type, {}),
            "new_chat_member": member_json(bot, new_status, chat.type, new_rights),
        }
        return self._enqueue(state, "my_chat_member", change)

    def block(self, user: UserRef, *, token: str | None = None) -> dict[str, Any]:
        """The user blocks the bot: sends then fail with 403 until unblock()."""
        return self.my_chat_member(self.private_chat(user), "member", "kicked", token=token)

    def unblock(self, user: UserRef, *, token: str | None = None) -> dict[str, Any]:
        """The user unblocks the bot; injected persistent 403s for that chat go too."""
        chat = self.private_chat(user)
        state = self._state(token)
        state.fail_rules = [
            rule
            for rule in state.fail_rules
            if not (rule.chat_id == chat.id and rule.error.status == 403)
        ]
        return self.my_chat_member(chat, "kicked", "member", token=token)

    def migrate(self, group: ChatRef, *, token: str | None = None) -> FakeChat:
        """Upgrade a basic group: sends to it then raise ChatMigrated; returns the supergroup."""
        state = self._state(token)
        old = self._find_chat(group)
        new = FakeChat(SUPERGROUP_ID_BASE - self._next_id(), "supergroup", title=old.title)
        self.chats[new.id] = new
        self.migrations[old.id] = new.id
        state.members[new.id] = copy.deepcopy(state.members.get(old.id, {}))
        self._enqueue(
            state, "message", self._new_message(state, old, {"migrate_to_chat_id": new.id})
        )
        self._enqueue(
            state, "message", self._new_message(state, new, {"migrate_from_chat_id": old.id})
        )
        return new
