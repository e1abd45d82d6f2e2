"""Forum topics in the fake: forums, topics opened, closed, reopened or deleted by the test,
messages written in a topic, and what sendMessage/sendPhoto answer for a thread."""

from __future__ import annotations

from typing import Any

from .chats import SUPERGROUP_ID_BASE
from .errors import bad_request
from .methods_messages import Files, Params
from .objects import FakeChat, FakeTopic
from .state import BotState, ChatRef, UserRef
from .updates import UpdateInjectors, detect_entities

# Telegram's topic icon colours (createForumTopic's icon_color).
ICON_COLOR = 7322096


class TopicMethods(UpdateInjectors):
    """createForumTopic, and the test side of topics (send methods check the thread)."""

    def _topics(self, chat_id: int) -> dict[int, FakeTopic]:
        return self.forum_topics.setdefault(chat_id, {})

    # -- test side -----------------------------------------------------------------------
    def forum(self, title: str = "Forum", **rights: Any) -> FakeChat:
        """Register a supergroup with topics (is_forum) with the bot in it."""
        chat = FakeChat(SUPERGROUP_ID_BASE - self._next_id(), "supergroup", title, is_forum=True)
        return self.register_chat(chat, **rights)

    def open_topic(
        self, chat: ChatRef, name: str, user: UserRef, *, token: str | None = None
    ) -> int:
        """A member opens a topic: the forum_topic_created service message is sent to the
        bot, in the topic; returns the topic's thread id."""
        found = self._find_chat(chat)
        state = self._state(token)
        thread = state.last_message_id.get(found.id, 0) + 1
        self._topics(found.id)[thread] = FakeTopic(thread, name)
        created = {"name": name, "icon_color": ICON_COLOR}
        self._topic_post(found, thread, user, {"forum_topic_created": created}, token)
        return thread

    def close_topic(
        self,
        chat: ChatRef,
        thread: int,
        user: UserRef,
        *,
        announce: bool = True,
        token: str | None = None,
    ) -> None:
        """A topic is closed (forum_topic_closed sent to the bot unless `announce` is False)."""
        found = self._find_chat(chat)
        self._topics(found.id)[thread].closed = True
        if announce:
            self._topic_post(found, thread, user, {"forum_topic_closed": {}}, token)

    def reopen_topic(
        self, chat: ChatRef, thread: int, user: UserRef, *, token: str | None = None
    ) -> dict[str, Any]:
        """A closed topic is reopened: forum_topic_reopened is sent to the bot; the Update."""
        found = self._find_chat(chat)
        self._topics(found.id)[thread].closed = False
        return self._topic_post(found, thread, user, {"forum_topic_reopened": {}}, token)

    def delete_topic(self, chat: ChatRef, thread: int) -> None:
        """A topic is deleted (Telegram tells the bot nothing)."""
        self._topics(self._find_chat(chat).id).pop(thread)

    def topic_command(
        self, chat: ChatRef, thread: int, text: str, user: UserRef, *, token: str | None = None
    ) -> dict[str, Any]:
        """A member sends a command (or any text) in a topic; returns the Update."""
        found = self._find_chat(chat)
        if thread not in self._topics(found.id):
            raise ValueError(f"no topic {thread} in chat {found.id}")
        fields: dict[str, Any] = {"text": text}
        if entities := detect_entities(text):
            fields["entities"] = entities
        return self._topic_post(found, thread, user, fields, token)

    def _topic_post(
        self,
        chat: FakeChat,
        thread: int,
        user: UserRef,
        fields: dict[str, Any],
        token: str | None,
    ) -> dict[str, Any]:
        topic: dict[str, Any] = {"message_thread_id": thread, "is_topic_message": True}
        opening = self._stored(self._state(token), chat.id, thread)
        if opening is not None and "forum_topic_created" not in fields:
            # As Telegram does: a message in a topic replies to the one that created it.
            topic["reply_to_message"] = {
                k: v for k, v in opening.items() if k != "reply_to_message"
            }
        return self._user_post(chat, user, {**topic, **fields}, token)

    # -- the Bot API side ----------------------------------------------------------------
    def api_createForumTopic(self, state: BotState, params: Params, files: Files) -> Any:
        chat = self._find_chat(params.get("chat_id", ""))
        if not chat.is_forum:
            raise bad_request("the chat is not a forum")
        name = str(params.get("name", ""))
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_NAME_EMPTY" if not name else "TOPIC_NAME_INVALID")
        thread = state.last_message_id.get(chat.id, 0) + 1
        self._topics(chat.id)[thread] = FakeTopic(thread, name)
        created = {"name": name, "icon_color": ICON_COLOR}
        self._new_message(
            state, chat, {"from": state.user.to_json(), "message_thread_id": thread,
                          "is_topic_message": True, "forum_topic_created": created}, own=True,
        )  # fmt: skip
        return {"message_thread_id": thread, "name": name, "icon_color": ICON_COLOR}
