"""Bot API methods that send, edit and delete messages, upload files and answer queries."""

from __future__ import annotations

import copy
import json
from typing import Any

from .errors import bad_request, forbidden, migrated, not_modified
from .objects import FakeChat, UploadedFile
from .state import BotState, CoreBase, now
from .telegram_html import MAX_CAPTION_LENGTH, MAX_TEXT_LENGTH, parse_html, utf16_len

Params = dict[str, Any]
Files = dict[str, UploadedFile]

MAX_CALLBACK_DATA_BYTES = 64


def json_param(value: Any, what: str) -> Any:
    """Decode a parameter that form-encoded clients send as a JSON string."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {what} JSON object") from None
    return value


def int_param(params: Params, key: str) -> int:
    """A required integer parameter, accepting numeric strings as Telegram does."""
    value = params.get(key)
    if value is None or value == "":
        raise bad_request(f"{key} is empty")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"invalid {key} specified") from None


def render(
    text: str, parse_mode: str | None, entities: Any, max_length: int, *, what: str = "text"
) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities as Telegram would store them, or the 400 it would answer."""
    if parse_mode and str(parse_mode).upper() == "HTML":
        parsed = parse_html(text)
        if parsed.problems:
            raise bad_request(f"can't parse entities: {parsed.problems[0]}")
        plain, found = parsed.text, parsed.entities
    else:
        # Markdown modes are not emulated: the text is kept as is.
        plain, found = text, list(json_param(entities, "entities") or [])
    if what == "text" and not plain.strip():
        raise bad_request("message text is empty")
    # Texts and captions are measured as Telegram counts them: UTF-16 code units after
    # parsing (an emoji past U+FFFF counts two).
    if utf16_len(plain) > max_length:
        raise bad_request(
            "message is too long" if what == "text" else "message caption is too long"
        )
    return plain, found


def render_caption(params: Params) -> tuple[str, list[dict[str, Any]]]:
    """A caption as Telegram keeps it: plain text and entities, checked against its limit."""
    return render(
        str(params.get("caption", "")),
        params.get("parse_mode"),
        params.get("caption_entities"),
        MAX_CAPTION_LENGTH,
        what="caption",
    )


def inline_markup(params: Params) -> dict[str, Any] | None:
    """The reply_markup to store on the message (inline keyboards only), validated."""
    markup = json_param(params.get("reply_markup"), "reply keyboard markup")
    if not markup or "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    for button in (button for row in rows for button in row):
        if not button.get("text"):
            raise bad_request("BUTTON_TEXT_INVALID")
        if "callback_data" in button:
            size = len(str(button["callback_data"]).encode("utf-8"))
            if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
        elif len(button) == 1:
            raise bad_request("text buttons are unallowed in the inline keyboard")
    return markup


class MessageMethods(CoreBase):
    """sendMessage, sendPhoto, sendDocument, copyMessage, editMessageText, getFile..."""

    # -- helpers -------------------------------------------------------------------------
    def _sendable_chat(self, state: BotState, params: Params) -> FakeChat:
        """The target chat, or the error Telegram gives when the bot can't post there."""
        chat = self._find_chat(params.get("chat_id", ""))
        if chat.id in self.migrations:
            raise migrated(self.migrations[chat.id])
        status, rights = self._status(state, chat, state.user.id)
        kind = chat.type.replace("private", "user")
        if status == "kicked":
            if chat.type == "private":
                raise forbidden("bot was blocked by the user")
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        if status == "left":
            if chat.type == "private":
                raise forbidden("bot can't initiate conversation with a user")
            raise forbidden(f"bot is not a member of the {kind} chat")
        if chat.type == "channel" and not (
            status == "administrator" and rights.get("can_post_messages", True)
        ):
            raise bad_request("need administrator rights in the channel chat")
        return chat

    def _topic_fields(self, chat: FakeChat, params: Params) -> dict[str, Any]:
        """The fields a message sent with `message_thread_id` gets, or Telegram's refusal:
        an unknown thread, a closed topic."""
        if not params.get("message_thread_id"):
            return {}
        thread = int_param(params, "message_thread_id")
        topic = self.forum_topics.get(chat.id, {}).get(thread)
        if topic is None:
            raise bad_request("message thread not found")
        if topic.closed:
            raise bad_request("TOPIC_CLOSED")
        return {"message_thread_id": thread, "is_topic_message": True}

    def _sender(self, state: BotState, chat: FakeChat) -> dict[str, Any]:
        # Channel posts carry sender_chat instead of from.
        if chat.type == "channel":
            return {"sender_chat": chat.to_json()}
        return {"from": state.user.to_json()}

    def _reply_to(self, state: BotState, chat: FakeChat, params: Params) -> dict[str, Any] | None:
        reply = json_param(params.get("reply_parameters"), "reply parameters") or {}
        if not reply and params.get("reply_to_message_id"):
            reply = {"message_id": params["reply_to_message_id"]}
        if not reply:
            return None
        target_chat = self._find_chat(reply.get("chat_id", chat.id))
        original = self._stored(state, target_chat.id, int(reply.get("message_id", 0)))
        if original is None:
            if reply.get("allow_sending_without_reply") or params.get(
                "allow_sending_without_reply"
            ):
                return None
            raise bad_request("message to be replied not found")
        quoted = copy.deepcopy(original)
        quoted.pop("reply_to_message", None)
        return quoted

    def _editable(self, state: BotState, params: Params) -> dict[str, Any]:
        chat = self._find_chat(params.get("chat_id", ""))
        message_id = int_param(params, "message_id")
        message = self._stored(state, chat.id, message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if (chat.id, message_id) not in state.own_messages:
            raise bad_request("message can't be edited")
        return message

    def _apply_edit(
        self, state: BotState, params: Params, changes: dict[str, Any]
    ) -> dict[str, Any] | bool:
        """Apply changes (None values remove a field) unless nothing would change."""
        if params.get("inline_message_id"):
            # Inline messages live in chats the bot can't see; the first edit creates them.
            target = state.inline_messages.setdefault(str(params["inline_message_id"]), {})
        else:
            target = self._editable(state, params)
        current = {key: target.get(key) or None for key in changes}
        wanted = {key: value or None for key, value in changes.items()}
        if target and current == wanted:
            raise not_modified()
        for key, value in wanted.items():
            if value is None:
                target.pop(key, None)
            else:
                target[key] = copy.deepcopy(value)
        if params.get("inline_message_id"):
            return True
        target["edit_date"] = max(target["date"], now())
        return copy.deepcopy(target)

    # -- sending -------------------------------------------------------------------------
    def api_sendMessage(self, state: BotState, params: Params, files: Files) -> Any:
        chat = self._sendable_chat(state, params)
        text, entities = render(
            str(params.get("text", "")),
            params.get("parse_mode"),
            params.get("entities"),
            MAX_TEXT_LENGTH,
        )
        fields = {
            **self._sender(state, chat),
            "text": text,
            "entities": entities or None,
            "reply_markup": inline_markup(params),
            "reply_to_message": self._reply_to(state, chat, params),
            "link_preview_options": json_param(params.get("link_preview_options"), "link preview"),
            **self._topic_fields(chat, params),
        }
        return self._new_message(state, chat, fields, own=True)

    def api_sendDocument(self, state: BotState, params: Params, files: Files) -> Any:
        chat = self._sendable_chat(state, params)
        document = params.get("document")
        if "document" in files:
            stored = self._store_file(state, files["document"])
        elif isinstance(document, str) and document in state.files:
            stored = state.files[document]
        elif isinstance(document, str) and document.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        else:
            raise bad_request("there is no document in the request")
        caption, entities = render_caption(params)
        fields = {
            **self._sender(state, chat),
            "document": stored.document_json(),
            "caption": caption or None,
            "caption_entities": entities or None,
            "reply_markup": inline_markup(params),
            "reply_to_message": self._reply_to(state, chat, params),
        }
        return self._new_message(state, chat, fields, own=True)

    def api_sendPhoto(self, state: BotState, params: Params, files: Files) -> Any:
        chat = self._sendable_chat(state, params)
        topic = self._topic_fields(chat, params)
        photo = params.get("photo")
        if "photo" in files:
            stored = self._store_file(state, files["photo"], folder="photos")
        elif isinstance(photo, str) and photo in state.files:
            stored = state.files[photo]
        elif isinstance(photo, str) and photo.startswith(("http://", "https://")):
            # Telegram fetches the URL itself; a test decides what it makes of it.
            if photo in self.refused_photos:
                raise bad_request(self.refused_photos[photo])
            stored = self._store_file(state, UploadedFile(photo, photo.encode(), "image/jpeg"))
        else:
            raise bad_request("wrong remote file identifier specified: wrong padding in the string")
        caption, entities = render_caption(params)
        fields = {
            **self._sender(state, chat),
            "photo": stored.photo_json(),
            "caption": caption or None,
            "caption_entities": entities or None,
            "reply_markup": inline_markup(params),
            "reply_to_message": self._reply_to(state, chat, params),
            **topic,
        }
        return self._new_message(state, chat, fields, own=True)

    def refuse_photo(
        self, url: str, reason: str = "wrong file identifier/HTTP URL specified"
    ) -> None:
        """Answer sendPhoto with this URL as Telegram does when it cannot use the image."""
        self.refused_photos[url] = reason

    def api_copyMessage(self, state: BotState, params: Params, files: Files) -> Any:
        chat = self._sendable_chat(state, params)
        source_chat = self._find_chat(params.get("from_chat_id", ""))
        source = self._stored(state, source_chat.id, int_param(params, "message_id"))
        if source is None:
            raise bad_request("message to copy not found")
        fields = {key: copy.deepcopy(source.get(key)) for key in ("text", "entities", "document")}
        fields["caption"] = source.get("caption")
        if "caption" in params:
            fields["caption"], fields["caption_entities"] = render(
                str(params["caption"]),
                params.get("parse_mode"),
                None,
                MAX_CAPTION_LENGTH,
                what="caption",
            )
        fields.update(self._sender(state, chat), reply_markup=inline_markup(params))
        message = self._new_message(state, chat, fields, own=True)
        return {"message_id": message["message_id"]}

    def api_sendChatAction(self, state: BotState, params: Params, files: Files) -> Any:
        self._sendable_chat(state, params)
        if not params.get("action"):
            raise bad_request("action is empty")
        return True

    # -- editing -------------------------------------------------------------------------
    def api_editMessageText(self, state: BotState, params: Params, files: Files) -> Any:
        text, entities = render(
            str(params.get("text", "")),
            params.get("parse_mode"),
            params.get("entities"),
            MAX_TEXT_LENGTH,
        )
        if not params.get("inline_message_id"):
            message = self._editable(state, params)
            if "text" not in message:
                raise bad_request("there is no text in the message to edit")
        changes = {"text": text, "entities": entities, "reply_markup": inline_markup(params)}
        return self._apply_edit(state, params, changes)

    def api_editMessageCaption(self, state: BotState, params: Params, files: Files) -> Any:
        caption, entities = render_caption(params)
        changes = {
            "caption": caption,
            "caption_entities": entities,
            "reply_markup": inline_markup(params),
        }
        return self._apply_edit(state, params, changes)

    def api_editMessageReplyMarkup(self, state: BotState, params: Params, files: Files) -> Any:
        return self._apply_edit(state, params, {"reply_markup": inline_markup(params)})

    def api_deleteMessage(self, state: BotState, params: Params, files: Files) -> Any:
        chat = self._find_chat(params.get("chat_id", ""))
        message_id = int_param(params, "message_id")
        if self._stored(state, chat.id, message_id) is None:
            raise bad_request("message to delete not found")
        status, rights = self._status(state, chat, state.user.id)
        own = (chat.id, message_id) in state.own_messages
        can_delete = status == "administrator" and rights.get("can_delete_messages", False)
        if not (own or chat.type == "private" or can_delete):
            raise bad_request("message can't be deleted")
        del state.messages[chat.id][message_id]
        state.own_messages.discard((chat.id, message_id))
        return True

    # -- files ---------------------------------------------------------------------------
    def api_getFile(self, state: BotState, params: Params, files: Files) -> Any:
        stored = state.files.get(str(params.get("file_id", "")))
        if stored is None:
            raise bad_request("invalid file_id")
        return stored.file_json()
