"""Growable numpy columns saved in fixed-size chunks, so an update rewrites only what it touched."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CHUNK = 16384  # entries per saved chunk: 64 KB for a 4-byte column


class Column:
    """A numpy array that grows by appends, remembering which chunks changed since saved."""

    def __init__(self, name: str, dtype: str, fill: float = 0) -> None:
        self.name = name
        self.dtype = np.dtype(dtype)
        self._fill = fill
        self._data = np.full(1024, fill, dtype=self.dtype)
        self.size = 0
        self.dirty: set[int] = set()

    @property
    def values(self) -> np.ndarray:
        """The live entries (a view: read it under the index's lock)."""
        return self._data[: self.size]

    def append(self, values: np.ndarray | Sequence[float]) -> int:
        """Add entries at the end; returns the position of the first."""
        values = np.asarray(values, dtype=self.dtype)
        start, end = self.size, self.size + len(values)
        if end > len(self._data):
            grown = np.full(max(end, 2 * len(self._data)), self._fill, dtype=self.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[start:end] = values
        self.size = end
        if end > start:
            self.dirty.update(range(start // CHUNK, (end - 1) // CHUNK + 1))
        return start

    def overwrite(self, positions: list[int], value: float) -> None:
        """Overwrite entries in place."""
        if positions:
            self._data[positions] = value
            self.dirty.update(p // CHUNK for p in positions)

    def chunks(self, which: set[int] | None = None) -> list[tuple[int, bytes]]:
        """(chunk number, bytes) of the given chunks, all when None."""
        numbers = sorted(which if which is not None else range((self.size + CHUNK - 1) // CHUNK))
        return [
            (n, self._data[n * CHUNK : min(self.size, (n + 1) * CHUNK)].tobytes()) for n in numbers
        ]

    def load(self, parts: list[tuple[int, bytes]]) -> None:
        """Replace the content by saved chunks; raises when they do not join up."""
        arrays = []
        for expected, (number, data) in enumerate(sorted(parts)):
            if number != expected or len(data) % self.dtype.itemsize:
                raise ValueError(f"column {self.name}: chunk {number} missing or torn")
            arrays.append(np.frombuffer(data, dtype=self.dtype))
        if any(len(a) != CHUNK for a in arrays[:-1]):
            raise ValueError(f"column {self.name}: a chunk is short")
        joined = np.concatenate(arrays) if arrays else np.empty(0, dtype=self.dtype)
        self._data = np.full(max(1024, len(joined)), self._fill, dtype=self.dtype)
        self._data[: len(joined)] = joined
        self.size = len(joined)
        self.dirty.clear()
