"""FakeRequest: a PTB request class that answers from a FakeBotAPI without any network."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from .botapi import FakeBotAPI, dumps
from .errors import NOT_FOUND
from .objects import UploadedFile

_FILE_RE = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)$")
_API_RE = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")
_DEFAULT = type(BaseRequest.DEFAULT_NONE)


def _read(content: Any) -> bytes:
    # PTB may hand over an open file instead of bytes (since 21.5).
    return content if isinstance(content, bytes) else bytes(content.read())


class FakeRequest(BaseRequest):
    """In-process transport: any host works, only `/bot{token}/{method}` paths matter."""

    __slots__ = ("_core", "_read_timeout")

    def __init__(self, core: FakeBotAPI, *, read_timeout: float | None = 5.0) -> None:
        self._core = core
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        """Default read timeout; PTB adds the getUpdates timeout to it for long polling."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Route the request to the core and return (HTTP status, JSON bytes)."""
        # File URLs come percent-encoded, the token's ":" included (File._get_encoded_url).
        path = unquote(urlsplit(url).path)
        if file_match := _FILE_RE.search(path):
            stored = self._core.file_content(file_match["token"], file_match["path"])
            return (200, stored) if stored is not None else (404, dumps(NOT_FOUND.body()))
        api_match = _API_RE.search(path)
        if api_match is None:
            return 404, dumps(NOT_FOUND.body())
        params: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        if request_data is not None:
            # A JSON round trip keeps the fake honest: only what could go over the wire arrives.
            params = json.loads(json.dumps(request_data.parameters))
            for name, (filename, content, mime_type) in request_data.multipart_data.items():
                files[name] = UploadedFile(filename or name, _read(content), mime_type)
        timeout = self._read_timeout if isinstance(read_timeout, _DEFAULT) else read_timeout
        call = self._core.call(api_match["token"], api_match["method"], params, files)
        try:
            status, body = await asyncio.wait_for(call, timeout)
        except TimeoutError:
            raise TimedOut from None
        return status, dumps(body)
