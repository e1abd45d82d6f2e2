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
    lookup = _Lookup()
    keys: list[np.ndarray] = []
    uses = np.zeros(0, dtype=np.int64)
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
        lookup.learn([(tokens[i], base + i) for i in first.tolist()], base + len(tokens))
        base += len(tokens)
        del tokens
        # Passage of each token (marks before it) and its position in the passage.
        marks = number == numbers.get(_MARK, -1)
        passage = np.cumsum(marks)
        at = np.arange(len(number)) - np.append(0, np.flatnonzero(marks) + 1)[passage]
        word = lookup.word[number]
        kept = word >= 0  # neither a mark nor a stop word
        word = word[kept]
        counted = np.bincount(word, minlength=len(lookup.words))
        counted[: len(uses)] += uses
        uses = counted
        keys.append(
            (lookup.group_of_word[word].astype(np.int64) << (_SLOT_BITS + _POSITION_BITS))
            | ((passage[kept] + start) << _POSITION_BITS)
            | np.minimum(at[kept], MAX_POSITION)
        )
    out = BatchPostings()
    out.uses = {w: int(n) for w, n in zip(lookup.words, uses.tolist(), strict=True) if n}
    key = np.concatenate(keys) if keys else np.empty(0, dtype=np.int64)
    del keys
    if not len(key):
        return out
    key.sort()
    # One entry per (stem, passage), where its first key is: the first position there.
    new = np.empty(len(key), dtype=bool)
    new[0] = True
    changed = key[1:] ^ key[:-1]
    np.greater_equal(changed, 1 << _POSITION_BITS, out=new[1:])
    del changed
    starts = np.flatnonzero(new)
    # It stands there more than once when the key after its first is no new entry.
    next_new = np.empty_like(new)
    next_new[:-1] = new[1:]
    next_new[-1] = True
    several = ~next_new[starts]
    del new, next_new
    key = key[starts]
    del starts
    pos = (key & MAX_POSITION).astype(np.uint16) | (several * REPEATED).astype(np.uint16)
    key >>= _POSITION_BITS
    slots = ((key & (MAX_BATCH - 1)) + first_slot).astype(np.uint32)
    key >>= _SLOT_BITS  # the stem's number
    edges = np.flatnonzero(np.r_[True, key[1:] != key[:-1], True])
    stems = lookup.stems
    for lo, hi in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
        out.by_stem[stems[int(key[lo])]] = (slots[lo:hi], pos[lo:hi])
    return out


class _Lookup:
    """Token number -> its word's dense number (-1: a mark or a stop word), as an array
    indexed by the number `batch_postings` gave the word's first token; and each word's
    stem's number."""

    def __init__(self) -> None:
        self.word = np.full(0, -1, dtype=np.int32)
        self.group_of_word = np.zeros(0, dtype=np.int32)
        self.words: list[str] = []
        self.stems: list[str] = []
        self._stem_no: dict[str, int] = {}

    def learn(self, new: list[tuple[bytes, int]], size: int) -> None:
        """Number new words (each with its token number); the table covers `size` tokens."""
        if size > len(self.word):
            more = max(size, 2 * len(self.word)) - len(self.word)
            self.word = np.concatenate([self.word, np.full(more, -1, dtype=np.int32)])
        numbers, groups = [], []
        for token, number in new:
            text = token.decode("latin-1")
            if token == _MARK or text in STOP_WORDS:
                continue
            root = stem(text)
            group = self._stem_no.setdefault(root, len(self.stems))
            if group == len(self.stems):
                self.stems.append(root)
            numbers.append(number)
            groups.append(group)
            self.words.append(text)
        if numbers:
            self.word[numbers] = np.arange(len(self.words) - len(numbers), len(self.words))
            self.group_of_word = np.append(self.group_of_word, np.array(groups, np.int32))
