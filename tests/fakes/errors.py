"""Bot API error responses, with helpers for the ones tests inject most."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


@dataclass(eq=False)
class ApiError(Exception):
    """An error answer: HTTP status, description and optional ResponseParameters."""

    status: int
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram would answer with."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body

    def __str__(self) -> str:
        return f"{self.status} {self.description}"


def bad_request(description: str) -> ApiError:
    """400 with "Bad Request: " prepended, as Telegram words it."""
    return ApiError(400, f"Bad Request: {description}")


def forbidden(description: str) -> ApiError:
    """403 with "Forbidden: " prepended."""
    return ApiError(403, f"Forbidden: {description}")


def blocked() -> ApiError:
    """403 for a user who blocked the bot."""
    return forbidden("bot was blocked by the user")


def kicked() -> ApiError:
    """403 for a group the bot was removed from."""
    return forbidden("bot was kicked from the group chat")


def retry_after(seconds: int) -> ApiError:
    """429 flood-control answer carrying retry_after."""
    return ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


def migrated(new_chat_id: int) -> ApiError:
    """400 for a group upgraded to a supergroup, carrying migrate_to_chat_id."""
    return ApiError(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        {"migrate_to_chat_id": new_chat_id},
    )


def not_modified() -> ApiError:
    """400 for an edit that changes nothing."""
    return ApiError(400, NOT_MODIFIED)


def chat_not_found() -> ApiError:
    """400 for an unknown chat_id."""
    return bad_request("chat not found")


def server_error() -> ApiError:
    """500, which PTB maps to a plain NetworkError."""
    return ApiError(500, "Internal Server Error")


NOT_FOUND = ApiError(404, "Not Found")
UNAUTHORIZED = ApiError(401, "Unauthorized")


@dataclass
class FailRule:
    """An injected failure: matches calls by chat and method; times=None means until removed."""

    error: ApiError
    chat_id: int | str | None = None
    method: str | None = None
    times: int | None = 1

    def matches(self, method: str, chat_id: int | str | None) -> bool:
        """Whether this rule applies to a call of method on chat_id."""
        if self.method is not None and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or self.chat_id == chat_id
