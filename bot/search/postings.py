"""Postings of a batch of passages, keyed by stem, built with a few C-speed steps per batch.

A word and its plural forms (`bot.text.stem`) share one postings list: the slots holding
any of them, ascending, each with where the word (in any form) first stands there, and
whether it stands there more than once. The batch is split into words in one `split`,
words get numbers through one `dict.setdefault` mapped in C, and numpy sorts the
(stem, slot, position) triples of every word at once: Python never loops over single
words, which is what makes 1M passages fast.
"""

from __future__ import annotations

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


# stem -> (slots, ascending, uint32; first positions, uint16)
Postings = dict[str, tuple[np.ndarray, np.ndarray]]


class Tokenizer:
    """Postings of batch after batch (`postings`), with each word's uses summed over them
    (`used`); the words and stems it has met are numbered once for all of them."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self.stems: list[str] = []
        self._stem_no: dict[str, int] = {}
        self._word_no: dict[bytes, int] = {}  # -1: a mark or a stop word
        self._stem_of_word = np.zeros(0, dtype=np.int32)
        self._uses = np.zeros(0, dtype=np.int64)

    def used(self) -> dict[str, int]:
        """word -> how many times it stood in the passages given so far."""
        return {w: n for w, n in zip(self.words, self._uses.tolist(), strict=True) if n}

    def postings(
        self, norms: list[str], first_slot: int
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """stem -> (the slots of `norms`, numbered from `first_slot`, holding a word of that
        stem, ascending, as uint32; the first position of one in each, uint16, REPEATED
        set when they stand there more than once)."""
        if len(norms) > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} passages a batch")
        numbers: dict[bytes, int] = {}  # word -> the number of the token that first met it
        counter = count()
        table = np.full(0, -1, dtype=np.int32)  # token number -> the word's number
        keys: list[np.ndarray] = []
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
            # A word first met in this batch took the number of its token.
            first = np.flatnonzero(number == np.arange(base, base + len(tokens))).tolist()
            if base + len(tokens) > len(table):
                more = max(base + len(tokens), 2 * len(table)) - len(table)
                table = np.concatenate([table, np.full(more, -1, dtype=np.int32)])
            table[[base + i for i in first]] = [self._number(tokens[i]) for i in first]
            base += len(tokens)
            del tokens
            # Passage of each token (marks before it) and its position in the passage.
            marks = number == numbers.get(_MARK, -1)
            passage = np.cumsum(marks)
            at = np.arange(len(number)) - np.append(0, np.flatnonzero(marks) + 1)[passage]
            word = table[number]
            kept = word >= 0  # neither a mark nor a stop word
            word = word[kept]
            self._count(word)
            keys.append(
                (self._stem_of_word[word].astype(np.int64) << (_SLOT_BITS + _POSITION_BITS))
                | ((passage[kept] + start) << _POSITION_BITS)
                | np.minimum(at[kept], MAX_POSITION)
            )
        key = np.concatenate(keys) if keys else np.empty(0, dtype=np.int64)
        del keys, table
        return self._split(key, first_slot)

    def _number(self, token: bytes) -> int:
        """The number of a word (-1 for the mark or a stop word), numbering it if new."""
        number = self._word_no.get(token)
        if number is None:
            text = token.decode("latin-1")
            if token == _MARK or text in STOP_WORDS:
                number = -1
            else:
                root = stem(text)
                group = self._stem_no.setdefault(root, len(self.stems))
                if group == len(self.stems):
                    self.stems.append(root)
                number = len(self.words)
                self.words.append(text)
                if number >= len(self._stem_of_word):
                    grown = np.zeros(max(1024, 2 * len(self._stem_of_word)), dtype=np.int32)
                    grown[: len(self._stem_of_word)] = self._stem_of_word
                    self._stem_of_word = grown
                self._stem_of_word[number] = group
            self._word_no[token] = number
        return number

    def _count(self, word: np.ndarray) -> None:
        counted = np.bincount(word, minlength=len(self.words))
        counted[: len(self._uses)] += self._uses
        self._uses = counted

    def _split(self, key: np.ndarray, first_slot: int) -> Postings:
        """The postings of sorted (stem, passage, position) keys."""
        out: Postings = {}
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
        stems = self.stems
        for lo, hi in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
            out[stems[int(key[lo])]] = (slots[lo:hi], pos[lo:hi])
        return out
