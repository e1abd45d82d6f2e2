"""FakeBotServer: serves a FakeBotAPI over HTTP on 127.0.0.1, with real getUpdates long polling."""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any

from aiohttp import web

from .botapi import FakeBotAPI, dumps
from .errors import NOT_FOUND, bad_request
from .objects import UploadedFile
from .webhook import WebhookPusher

# Form fields Telegram types as String: never JSON-decode them ("123" must stay a string).
STRING_FIELDS = frozenset(
    {
        "action",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "custom_title",
        "description",
        "document",
        "emoji",
        "file_id",
        "inline_message_id",
        "inline_query_id",
        "language_code",
        "message_effect_id",
        "name",
        "next_offset",
        "parse_mode",
        "photo",
        "query",
        "secret_token",
        "short_description",
        "text",
        "title",
        "url",
    }
)
_MAX_UPLOAD = 64 * 1024 * 1024


def decode_form_value(key: str, value: str) -> Any:
    """Undo PTB's form encoding: non-string values arrive JSON-encoded."""
    if key in STRING_FIELDS:
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return value if decoded is None or isinstance(decoded, str) else decoded


class FakeBotServer:
    """`async with FakeBotServer(core) as server:` then point the bot at server.url.

    While a bot has a webhook (setWebhook), its updates are POSTed to it (`pusher`).
    """

    def __init__(self, core: FakeBotAPI, host: str = "127.0.0.1", port: int = 0) -> None:
        self.core = core
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self.pusher = WebhookPusher(core)

    @property
    def url(self) -> str:
        """Root URL, the value for TELEGRAM_API_URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What to pass to ApplicationBuilder().base_url()."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """What to pass to ApplicationBuilder().base_file_url() (PTB won't derive it)."""
        return f"{self.url}/file/bot"

    async def start(self) -> None:
        """Bind a port (a free one if port=0) and start serving."""
        app = web.Application(client_max_size=_MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        await self.pusher.start()

    async def stop(self) -> None:
        """Release pending long polls, then close the server."""
        self.core.release_pollers()
        await self.pusher.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _api(self, request: web.Request) -> web.Response:
        params: dict[str, Any] = {
            key: decode_form_value(key, value) for key, value in request.query.items()
        }
        files: dict[str, UploadedFile] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    body = None
                if not isinstance(body, dict):
                    error = bad_request("can't parse JSON object")
                    return _json(error.status, error.body())
                params.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        content = value.file.read()
                        files[key] = UploadedFile(value.filename, content, value.content_type)
                    else:
                        params[key] = decode_form_value(key, str(value))
        status, body = await self.core.call(
            request.match_info["token"], request.match_info["method"], params, files
        )
        return _json(status, body)

    async def _file(self, request: web.Request) -> web.Response:
        content = self.core.file_content(request.match_info["token"], request.match_info["path"])
        if content is None:
            return _json(404, NOT_FOUND.body())
        return web.Response(body=content, content_type="application/octet-stream")


def _json(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(status=status, body=dumps(body), content_type="application/json")
