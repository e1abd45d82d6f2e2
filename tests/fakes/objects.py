"""Plain data held by the fake Bot API: users, chats, uploaded files and recorded calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user (or bot) as the fake knows it."""

    id: int
    first_name: str
    language_code: str | None = "fr"
    username: str | None = None
    last_name: str | None = None
    is_bot: bool = False

    def to_json(self) -> dict[str, Any]:
        """The Bot API User object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if (value := getattr(self, key)) is not None:
                data[key] = value
        return data


@dataclass(frozen=True)
class FakeChat:
    """A chat: private (id = user id), group, supergroup or channel."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    is_forum: bool = False  # a supergroup with topics

    def to_json(self) -> dict[str, Any]:
        """The Bot API Chat object."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name"):
            if (value := getattr(self, key)) is not None:
                data[key] = value
        if self.is_forum:
            data["is_forum"] = True
        return data

    def full_info(self) -> dict[str, Any]:
        """The Bot API ChatFullInfo object returned by getChat."""
        data = self.to_json()
        data.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return data

    @property
    def is_group_like(self) -> bool:
        """Groups, supergroups and channels: where "@botname" commands and admins matter."""
        return self.type != "private"


@dataclass
class StoredFile:
    """A file the fake holds: uploaded by the bot or sent by a user."""

    file_id: str
    file_unique_id: str
    file_name: str
    mime_type: str
    content: bytes
    file_path: str

    def document_json(self) -> dict[str, Any]:
        """The Bot API Document object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": len(self.content),
        }

    def photo_json(self) -> list[dict[str, Any]]:
        """The Bot API PhotoSize list: a thumbnail and the full size, as Telegram sends."""
        sizes = [(90, 60, "AAMC"), (1280, 853, "AAMD")]
        return [
            {
                "file_id": f"{self.file_id}_{suffix}",
                "file_unique_id": f"{self.file_unique_id}{suffix}",
                "width": width,
                "height": height,
                "file_size": max(1, len(self.content) * width // 1280),
            }
            for width, height, suffix in sizes
        ]

    def file_json(self) -> dict[str, Any]:
        """The Bot API File object returned by getFile."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


@dataclass(frozen=True)
class UploadedFile:
    """A multipart upload as received: file name, bytes and MIME type."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass
class SentCall:
    """One recorded Bot API call with its answer; time is the API's clock at arrival
    (time.monotonic() unless a test sets another)."""

    seq: int
    token: str
    method: str
    params: dict[str, Any]
    chat_id: int | str | None
    time: float
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether Telegram would have accepted the call."""
        return self.status == 200

    @property
    def result(self) -> Any:
        """The "result" of a successful call (a Message dict for sends), else None."""
        return self.response.get("result")

    @property
    def text(self) -> str:
        """The text or caption as sent (raw HTML if parse_mode was HTML), or ""."""
        return str(self.params.get("text", self.params.get("caption", "")))

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        """The reply_markup as sent, decoded from JSON if needed."""
        markup = self.params.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    def buttons(self) -> list[dict[str, Any]]:
        """All inline keyboard buttons, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]


@dataclass
class FakeTopic:
    """A forum topic: its thread id (the id of the message that created it), name, state."""

    thread_id: int
    name: str
    closed: bool = False
