"""Registering the users and chats that tests talk to, and their memberships."""

from __future__ import annotations

from typing import Any

from .objects import FakeChat, FakeUser
from .state import ChatRef, CoreBase, UserRef

# Ids in realistic ranges: user ids above 2**32, supergroups and channels as -100...
_USER_ID_BASE = 7_000_000_000
_GROUP_ID_BASE = -4_000_000_000
SUPERGROUP_ID_BASE = -1_001_000_000_000


class ChatRegistry(CoreBase):
    """Create users, groups, supergroups and channels; set who is member or admin."""

    def user(
        self,
        first_name: str = "Alice",
        *,
        language_code: str | None = "fr",
        username: str | None = None,
        user_id: int | None = None,
    ) -> FakeUser:
        """Register a user and their private chat with the bot."""
        user = FakeUser(
            id=user_id or _USER_ID_BASE + self._next_id(),
            first_name=first_name,
            language_code=language_code,
            username=username,
        )
        self.users[user.id] = user
        self.chats[user.id] = FakeChat(user.id, "private", username=username, first_name=first_name)
        return user

    def private_chat(self, user: UserRef) -> FakeChat:
        """The private chat between the bot and user."""
        return self.chats[self._user(user).id]

    def group(
        self, title: str = "Groupe", *, bot_status: str = "member", **rights: Any
    ) -> FakeChat:
        """Register a basic group (negative id) with the bot in it."""
        chat = FakeChat(_GROUP_ID_BASE - self._next_id(), "group", title=title)
        return self.register_chat(chat, bot_status=bot_status, **rights)

    def supergroup(
        self,
        title: str = "Supergroupe",
        *,
        username: str | None = None,
        bot_status: str = "member",
        **rights: Any,
    ) -> FakeChat:
        """Register a supergroup (-100... id) with the bot in it."""
        chat = FakeChat(
            SUPERGROUP_ID_BASE - self._next_id(), "supergroup", title=title, username=username
        )
        return self.register_chat(chat, bot_status=bot_status, **rights)

    def channel(
        self,
        title: str = "Canal",
        *,
        username: str | None = None,
        bot_status: str = "administrator",
        **rights: Any,
    ) -> FakeChat:
        """Register a channel; by default the bot is an admin allowed to post."""
        chat = FakeChat(
            SUPERGROUP_ID_BASE - self._next_id(), "channel", title=title, username=username
        )
        return self.register_chat(chat, bot_status=bot_status, **rights)

    def register_chat(
        self, chat: FakeChat, *, bot_status: str = "member", token: str | None = None, **rights: Any
    ) -> FakeChat:
        """Make a hand-built chat known, with the bot's membership status in it."""
        self.chats[chat.id] = chat
        if chat.type != "private":
            state = self._state(token)
            self._set_status(state, chat, state.user.id, bot_status, rights)
        return chat

    def set_member(
        self,
        chat: ChatRef,
        user: UserRef,
        status: str,
        *,
        token: str | None = None,
        **rights: Any,
    ) -> None:
        """Set what getChatMember answers for user: creator/administrator/member/left/kicked."""
        user_id = user.id if isinstance(user, FakeUser) else user
        self._set_status(self._state(token), self._find_chat(chat), user_id, status, rights)

    def set_bot_status(
        self, chat: ChatRef, status: str, *, token: str | None = None, **rights: Any
    ) -> None:
        """Change the bot's own membership without sending an update."""
        state = self._state(token)
        self._set_status(state, self._find_chat(chat), state.user.id, status, rights)
