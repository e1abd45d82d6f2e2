"""State shared by the fake Bot API's parts: registries, per-bot state, wake-up signals."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, FailRule, bad_request, chat_not_found
from .objects import FakeChat, FakeTopic, FakeUser, SentCall, StoredFile, UploadedFile

ChatRef = FakeChat | FakeUser | int | str
UserRef = FakeUser | int

ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)
RESTRICTED_PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
    "can_react_to_messages",
)
_STATUS_ALIASES = {"owner": "creator", "banned": "kicked"}


def now() -> int:
    """Current UNIX time in whole seconds, the Bot API's date unit."""
    return int(time.time())


def member_json(
    user: dict[str, Any], status: str, chat_type: str, rights: dict[str, Any]
) -> dict[str, Any]:
    """A Bot API ChatMember object for status (creator/administrator/member/restricted/...)."""
    status = _STATUS_ALIASES.get(status, status)
    data: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        data.update(can_be_edited=False, is_anonymous=False)
        data.update({right: right == "can_manage_chat" for right in ADMIN_RIGHTS})
        if chat_type == "channel":
            data.update(can_post_messages=True, can_edit_messages=False)
        else:
            data["can_pin_messages"] = False
    elif status == "restricted":
        data.update({perm: False for perm in RESTRICTED_PERMISSIONS})
        data.update(is_member=True, until_date=0)
    elif status == "kicked":
        data["until_date"] = 0
    elif status not in ("member", "left"):
        raise ValueError(f"unknown chat member status {status!r}")
    data.update(rights)
    return data


class Signal:
    """Wakes every waiter on notify(); waiters may live on any event loop."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        """Wake all current waiters."""
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for fut in self._waiters:
            if fut.get_loop() is running:
                _wake(fut)
            else:
                # Injection from another thread must not touch a loop's futures directly;
                # a loop already closed has nobody left to wake.
                with contextlib.suppress(RuntimeError):
                    fut.get_loop().call_soon_threadsafe(_wake, fut)
        self._waiters.clear()

    async def wait(self, within: float) -> None:
        """Wait until notified or `within` seconds have passed."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(fut)
        try:
            await asyncio.wait_for(fut, max(within, 0))
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(fut)


def _wake(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


@dataclass
class BotState:
    """Everything one bot token sees: its messages, updates, commands, memberships..."""

    token: str
    user: FakeUser
    messages: dict[int, dict[int, dict[str, Any]]] = field(default_factory=dict)
    own_messages: set[tuple[int, int]] = field(default_factory=set)
    last_message_id: dict[int, int] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)
    next_update_id: int = 1
    allowed_updates: list[str] | None = None
    poll_generation: int = 0
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_max_connections: int = 40
    # (unix time, message) of the last delivery Telegram could not make, as getWebhookInfo says.
    webhook_error: tuple[int, str] | None = None
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    # chat_id -> user_id -> (status, rights overrides)
    members: dict[int, dict[int, tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    callback_queries: dict[str, dict[str, Any]] = field(default_factory=dict)
    callback_answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    inline_queries: dict[str, dict[str, Any]] = field(default_factory=dict)
    inline_answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    inline_messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    fail_rules: list[FailRule] = field(default_factory=list)


class CoreBase:
    """Registries and helpers the method handlers and update injectors build on."""

    def __init__(self) -> None:
        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, FakeChat] = {}
        self._bots: dict[str, BotState] = {}
        self._primary: str = ""
        self._log: list[SentCall] = []
        self._ids = itertools.count(1)
        self._updates_signal = Signal()
        self._log_signal = Signal()
        self._released = False
        self.migrations: dict[int, int] = {}  # basic group id -> supergroup id
        self.refused_photos: dict[str, str] = {}  # photo URL -> why sendPhoto refuses it
        self.forum_topics: dict[int, dict[int, FakeTopic]] = {}  # chat id -> thread id -> topic

    # -- lookups -------------------------------------------------------------------------
    def _state(self, token: str | None = None) -> BotState:
        return self._bots[token or self._primary]

    def _next_id(self) -> int:
        return next(self._ids)

    def _find_chat(self, ref: ChatRef) -> FakeChat:
        """Resolve a chat from a FakeChat, a FakeUser (their private chat), an id or "@name"."""
        if isinstance(ref, FakeUser):
            ref = ref.id
        if isinstance(ref, FakeChat):
            return self.chats.get(ref.id, ref)
        if isinstance(ref, str):
            if ref.startswith("@"):
                wanted = ref[1:].lower()
                for chat in self.chats.values():
                    if chat.username and chat.username.lower() == wanted:
                        return chat
                raise chat_not_found()
            try:
                ref = int(ref)
            except ValueError:
                raise chat_not_found() from None
        if isinstance(ref, bool) or not isinstance(ref, int) or ref not in self.chats:
            raise chat_not_found()
        return self.chats[ref]

    def _chat_key(self, ref: ChatRef | None) -> int | str | None:
        """A chat's id for matching and filtering; unknown chats keep their raw value."""
        if ref is None or isinstance(ref, FakeChat | FakeUser):
            return ref.id if ref is not None else None
        try:
            return self._find_chat(ref).id
        except ApiError:
            return ref

    def _user(self, ref: UserRef) -> FakeUser:
        if isinstance(ref, FakeUser):
            return ref
        if ref not in self.users:
            raise bad_request("user not found")
        return self.users[ref]

    def _user_json(self, state: BotState, user_id: int) -> dict[str, Any]:
        if user_id == state.user.id:
            return state.user.to_json()
        for bot in self._bots.values():
            if bot.user.id == user_id:
                return bot.user.to_json()
        return self._user(user_id).to_json()

    # -- memberships ---------------------------------------------------------------------
    def _status(self, state: BotState, chat: FakeChat, user_id: int) -> tuple[str, dict[str, Any]]:
        table = state.members.get(chat.id, {})
        if user_id in table:
            return table[user_id]
        if chat.type == "private":
            return ("member", {}) if user_id in (chat.id, state.user.id) else ("left", {})
        return ("left", {})

    def _member(self, state: BotState, chat: FakeChat, user_id: int) -> dict[str, Any]:
        status, rights = self._status(state, chat, user_id)
        return member_json(self._user_json(state, user_id), status, chat.type, rights)

    def _set_status(
        self, state: BotState, chat: FakeChat, user_id: int, status: str, rights: dict[str, Any]
    ) -> None:
        status = _STATUS_ALIASES.get(status, status)
        member_json({"id": user_id}, status, chat.type, rights)  # validates the status early
        state.members.setdefault(chat.id, {})[user_id] = (status, dict(rights))

    # -- messages and updates ------------------------------------------------------------
    def _new_message(
        self, state: BotState, chat: FakeChat, fields: dict[str, Any], *, own: bool = False
    ) -> dict[str, Any]:
        """Store a message with the next per-chat message_id and the current date."""
        message_id = state.last_message_id.get(chat.id, 0) + 1
        state.last_message_id[chat.id] = message_id
        message = {"message_id": message_id, "date": now(), "chat": chat.to_json()}
        message.update({key: value for key, value in fields.items() if value is not None})
        state.messages.setdefault(chat.id, {})[message_id] = message
        if own:
            state.own_messages.add((chat.id, message_id))
        return copy.deepcopy(message)

    def _stored(self, state: BotState, chat_id: int, message_id: int) -> dict[str, Any] | None:
        return state.messages.get(chat_id, {}).get(message_id)

    def _store_file(
        self, state: BotState, upload: UploadedFile, folder: str = "documents"
    ) -> StoredFile:
        number = self._next_id()
        suffix = "." + upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else ""
        stored = StoredFile(
            file_id=f"BQACAgQAAx{state.user.id}_{number:06d}",
            file_unique_id=f"AgAD{number:06d}",
            file_name=upload.filename,
            mime_type=upload.mime_type,
            content=upload.content,
            file_path=f"{folder}/file_{number}{suffix}",
        )
        state.files[stored.file_id] = stored
        return stored

    def _enqueue(self, state: BotState, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": state.next_update_id, kind: copy.deepcopy(obj)}
        state.next_update_id += 1
        state.updates.append(update)
        self._updates_signal.notify()
        return copy.deepcopy(update)
