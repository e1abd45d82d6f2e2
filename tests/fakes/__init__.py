"""A fake Telegram Bot API for tests: one core, an in-process and an HTTP transport."""

from .botapi import DEFAULT_TOKEN, FakeBotAPI
from .errors import (
    ApiError,
    bad_request,
    blocked,
    chat_not_found,
    forbidden,
    kicked,
    migrated,
    not_modified,
    retry_after,
    server_error,
)
from .objects import FakeChat, FakeUser, SentCall, UploadedFile
from .request import FakeRequest
from .server import FakeBotServer
from .telegram_html import check_html, parse_html, plain_text, plain_words

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "FakeBotAPI",
    "FakeBotServer",
    "FakeChat",
    "FakeRequest",
    "FakeUser",
    "SentCall",
    "UploadedFile",
    "bad_request",
    "blocked",
    "chat_not_found",
    "check_html",
    "forbidden",
    "kicked",
    "migrated",
    "not_modified",
    "parse_html",
    "plain_text",
    "plain_words",
    "retry_after",
    "server_error",
]
