"""Postings of a batch of passages, keyed by stem, built with a few C-speed steps per batch.

A word and its plural forms (`bot.text.stem`) share one postings list: the slots holding
any of them, ascending, each with where the word (in any form) first stands there, and
whether it stands there more than once. The batch is split into words in one `split`,
words get numbers through one `dict.setdefault` mapped in C, and numpy sorts the
(stem, slot, position) triples of every word at once: Python never loops over single
words, which is what makes 1M passages fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

import numpy as np

from bot.text import STOP_WORDS, stem

# Positions are kept in 15 bits (later ones count as the last); the 16th says the word
# stands more than once in the passage, so its first position is not its only one.
MAX_POSITION = 0x7FFF
REPEATED = 0x8000
_POSITION_BITS = 15
_SLOT_BITS = 20  # passages of one batch
MAX_BATCH = 1 << _SLOT_BITS
_CHUNK = 4096  # passages split at once (their words are held as bytes meanwhile)
_MARK = b"\x01"  # between two passages of a chunk: never a word character
# The words of `bot.text.words`, split at C speed: every byte but [0-9a-z] is a space.
_WORD_BYTES = bytes(
    c if (48 <= c <= 57 or 97 <= c <= 122 or c == _MARK[0]) else 32 for c in range(256)
)


@dataclass(slots=True)
class BatchPostings:
    """What a batch adds: each stem's postings, and how often each word was used."""

    by_stem: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    uses: dict[str, int] = field(default_factory=dict)


def batch_postings(norms: list[str], first_slot: int) -> BatchPostings:
    """The postings of normalized passages numbered from `first_slot` (stop words left
    out): stem -> (the slots holding a word of that stem, ascending, as uint32; the first
    position of one in each, uint16, with REPEATED set when they stand there more than
    once), and word -> how many times it stands in the batch."""
    if len(norms) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} passages a batch")
    numbers: dict[bytes, int] = {}  # word -> the number of the token that first met it
    counter = count()
    by_number = _Lookup()
    keys: list[np.ndarray] = []
    words: list[np.ndarray] = []
    base = 0  # the number the next token takes
    for start in range(0, len(norms), _CHUNK):
        chunk = norms[start : start + _CHUNK]
        text = " \x01 ".join(chunk)
        if text.count("\x01") != len(chunk) - 1:  # a passage holding the mark itself
            text = " \x01 ".join(n.replace("\x01", " ") for n in chunk)
        tokens = text.encode("latin-1", "replace").translate(_WORD_BYTES).split()
        number = np.fromiter(
            map(numbers.setdefault, tokens, counter), dtype=np.intp, count=len(tokens)
        )
        # A word first met here took the number of its token.
        first = np.flatnonzero(number == np.arange(base, base + len(tokens)))
        by_number.learn([(tokens[i], base + i) for i in first.tolist()], base + len(tokens))
        base += len(tokens)
        # Passage of each token (marks before it) and its position in the passage.
        marks = number == numbers.get(_MARK, -1)
        passage = np.cumsum(marks)
        begins = np.flatnonzero(marks) + 1
        at = np.arange(len(number)) - np.append(0, begins)[passage]
        group, word = by_number.group[number], by_number.word[number]
        kept = group >= 0  # neither a mark nor a stop word
        passage += start
        keys.append(
            (group[kept] << (_SLOT_BITS + _POSITION_BITS))
            | (passage[kept] << _POSITION_BITS)
            | np.minimum(at[kept], MAX_POSITION)
        )
        words.append(word[kept])
    out = BatchPostings()
    if not keys:
        return out
    key = np.concatenate(keys)
    uses = np.bincount(np.concatenate(words), minlength=len(by_number.words))
    out.uses = {w: int(n) for w, n in zip(by_number.words, uses.tolist(), strict=True) if n}
    if not len(key):
        return out
    key.sort()
    # One entry per (stem, passage): its first position, repeated when it has several.
    pair = key >> _POSITION_BITS
    new = np.empty(len(key), dtype=bool)
    new[0] = True
    np.not_equal(pair[1:], pair[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    after = starts + 1
    several = np.zeros(len(starts), dtype=bool)
    inside = after < len(key)
    several[inside] = ~new[after[inside]]
    pos = (key[starts] & MAX_POSITION).astype(np.uint16) | (several * REPEATED).astype(np.uint16)
    pair = pair[starts]
    slots = ((pair & (MAX_BATCH - 1)) + first_slot).astype(np.uint32)
    group = pair >> _SLOT_BITS
    edges = np.flatnonzero(np.r_[True, group[1:] != group[:-1], True])
    stems = by_number.stems
    for lo, hi in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
        out.by_stem[stems[int(group[lo])]] = (slots[lo:hi], pos[lo:hi])
    return out


class _Lookup:
    """Token number -> its word's and its stem's dense numbers (-1: a mark or stop word),
    as arrays indexed by the number `batch_postings` gave the word's first token."""

    def __init__(self) -> None:
        self.group = np.full(0, -1, dtype=np.intp)
        self.word = np.full(0, 0, dtype=np.intp)
        self.words: list[str] = []
        self.stems: list[str] = []
        self._stem_no: dict[str, int] = {}

    def learn(self, new: list[tuple[bytes, int]], size: int) -> None:
        """Number new words (each with its token number); the arrays cover `size` tokens."""
        if size > len(self.group):
            grown = max(size, 2 * len(self.group))
            more = grown - len(self.group)
            self.group = np.concatenate([self.group, np.full(more, -1, dtype=np.intp)])
            self.word = np.concatenate([self.word, np.zeros(more, dtype=np.intp)])
        for token, number in new:
            text = token.decode("latin-1")
            if token == _MARK or text in STOP_WORDS:
                continue
            root = stem(text)
            group = self._stem_no.setdefault(root, len(self.stems))
            if group == len(self.stems):
                self.stems.append(root)
            self.group[number] = group
            self.word[number] = len(self.words)
            self.words.append(text)
