"""Postings of a batch of passages, built with a few C-speed operations per passage.

Per passage, a dict built in C gives each word once with where it first stands; across the
batch, words get ids through `dict.setdefault` mapped in C, and numpy groups the postings
by word. Python never loops over single words, which is what makes 1M passages fast.
"""

from __future__ import annotations

from itertools import count

import numpy as np

from bot.text import STOP_WORDS

# Positions are kept in 15 bits (later ones count as the last); the 16th says the word
# stands more than once in the passage, so its first position is not its only one.
MAX_POSITION = 0x7FFF
REPEATED = 0x8000
_WORD_BYTES = bytes(c if (48 <= c <= 57 or 97 <= c <= 122) else 32 for c in range(256))


def batch_postings(norms: list[str], first_slot: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """word -> (the slots holding it, ascending; its first position in each, with REPEATED
    set when it stands there more than once), for normalized passages numbered from
    `first_slot`; stop words left out."""
    keys: list[bytes] = []
    positions: list[int] = []
    lasts: list[int] = []
    counts: list[int] = []
    for norm in norms:
        # The words of `bot.text.words`, split at C speed: every byte but [0-9a-z] is a space.
        toks = norm.encode("latin-1", "replace").translate(_WORD_BYTES).split()
        # A dict built in C keeps the last value given: walk backwards to keep the first.
        firsts = dict(zip(reversed(toks), range(len(toks) - 1, -1, -1), strict=True))
        last = dict(zip(toks, range(len(toks)), strict=True))
        keys.extend(firsts)
        positions.extend(firsts.values())
        lasts.extend(map(last.__getitem__, firsts))
        counts.append(len(firsts))
    if not keys:
        return {}
    ids: dict[bytes, int] = {}
    # Each new word takes the number of the call that first met it: unique, not dense.
    word_ids = np.fromiter(map(ids.setdefault, keys, count()), dtype=np.int64, count=len(keys))
    first = np.fromiter(positions, dtype=np.int64, count=len(positions))
    repeated = np.fromiter(lasts, dtype=np.int64, count=len(lasts)) != first
    pos = (np.minimum(first, MAX_POSITION) | (repeated * REPEATED)).astype(np.uint16)
    slots = np.repeat(np.arange(first_slot, first_slot + len(norms), dtype=np.uint32), counts)
    order = np.argsort(word_ids, kind="stable")  # stable: slots stay ascending per word
    word_ids, slots, pos = word_ids[order], slots[order], pos[order]
    starts = np.flatnonzero(np.r_[True, word_ids[1:] != word_ids[:-1]])
    ends = np.r_[starts[1:], len(word_ids)]
    names = {number: word.decode("ascii") for word, number in ids.items()}
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        word = names[int(word_ids[start])]
        if word not in STOP_WORDS:
            out[word] = (slots[start:end], pos[start:end])
    return out
