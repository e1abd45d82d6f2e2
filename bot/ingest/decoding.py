"""HTTP content codings decoded incrementally under a size cap: pure, never past the cap."""

from __future__ import annotations

import zlib
from typing import Any

# What we can decode without unbounded output; brotli is left out: no decoder is installed,
# so it is neither advertised nor accepted.
ACCEPT_ENCODING = "gzip, deflate"
_ALIASES = {"x-gzip": "gzip"}
_GZIP_MAGIC = b"\x1f\x8b"


class DecodeError(ValueError):
    """A body that cannot or may not be decoded; the message is one line for a log or /status."""


class TooLarge(DecodeError):
    """The decoded body passed its cap."""


def codings(header: str | None) -> list[str]:
    """The content codings a Content-Encoding header lists, in order, identity left out."""
    names = [part.strip().lower() for part in (header or "").split(",")]
    return [_ALIASES.get(name, name) for name in names if name and name != "identity"]


class BodyDecoder:
    """Raw body chunks in, decoded bytes out; raises TooLarge the moment `limit` is passed.

    One coding at most: a stack (`gzip, gzip`) multiplies a bomb's ratio and is refused, as is
    any coding other than gzip or deflate.
    """

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        listed = codings(content_encoding)
        if len(listed) > 1:
            raise DecodeError(f"stacked content encodings refused ({', '.join(listed)})")
        self.coding = listed[0] if listed else None
        if self.coding not in (None, "gzip", "deflate"):
            raise DecodeError(f"unsupported content encoding: {self.coding[:40]}")
        self._limit = limit
        self._size = 0
        self._raw_deflate = False
        self._inflater = self._new_inflater()

    def feed(self, raw: bytes) -> bytes:
        """The decoded bytes of one raw chunk."""
        if self._inflater is None:
            return self._count(raw)
        try:
            return self._inflate(raw)
        except zlib.error:
            if self.coding == "deflate" and not self._raw_deflate and self._size == 0:
                # "deflate" should be zlib-wrapped, yet some servers send raw deflate.
                self._raw_deflate = True
                self._inflater = self._new_inflater()
                return self._retry(raw)
            raise DecodeError(f"could not decode the {self.coding} body") from None

    def finish(self) -> bytes:
        """Whatever the decoder still holds once the body has ended."""
        if self._inflater is None:
            return b""
        try:
            return self._count(self._inflater.flush())
        except zlib.error:
            raise DecodeError(f"could not decode the {self.coding} body") from None

    def _retry(self, raw: bytes) -> bytes:
        try:
            return self._inflate(raw)
        except zlib.error:
            raise DecodeError("could not decode the deflate body") from None

    def _new_inflater(self) -> Any:  # a zlib decompressor (its type has no public name)
        if self.coding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self.coding == "deflate":
            return zlib.decompressobj(-zlib.MAX_WBITS if self._raw_deflate else zlib.MAX_WBITS)
        return None

    def _inflate(self, data: bytes) -> bytes:
        inflater = self._inflater
        assert inflater is not None
        pieces = []
        while data:
            # Never ask zlib for more than one byte past the cap: a bomb stops right there.
            pieces.append(self._count(inflater.decompress(data, self._limit - self._size + 1)))
            data = inflater.unconsumed_tail
            if inflater.eof:
                rest = inflater.unused_data
                if self.coding != "gzip" or not rest.startswith(_GZIP_MAGIC):
                    break  # trailing padding after the stream is ignored, as browsers do
                inflater = self._inflater = self._new_inflater()  # a further gzip member
                assert inflater is not None
                data = rest
        return b"".join(pieces)

    def _count(self, piece: bytes) -> bytes:
        self._size += len(piece)
        if self._size > self._limit:
            raise TooLarge(f"decoded body larger than {self._limit} bytes")
        return piece
