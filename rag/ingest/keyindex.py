"""Substring statistics over the chunks' search keys, without a pass over the chunks.

Question analysis asks two things of the corpus for each word of a question: in how many chunks
does it occur (its document frequency, for IDF weights and "is this a rare name?"), and does any
chunk use it at all (a compound the text never uses is split into words it does use). Both are
substring questions, not token ones: `规模以上` must be found inside `规模以上工业`, whatever
jieba made of either, so a term index (BM25's) cannot answer them.

`KeyIndex` answers them from postings of character unigrams and bigrams, built once at ingest
(vectorized) and stored with the lexical index (`rag.ingest.lexical`): a word of one or two
characters is counted exactly from its posting; a longer one by intersecting its bigrams' postings,
then checking each candidate chunk for the whole word. When more than `VERIFY_MAX` chunks hold all
its bigrams (a common word in a large corpus), an even sample of them is checked and the count
scaled: IDF needs the order of magnitude, and a word in thousands of chunks is not rare anyway.
Below that (every corpus of a few hundred documents) the counts are exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import TypeVar

import numpy as np

VERIFY_MAX = 512
"""Candidate chunks checked for a word of three or more characters; more are sampled."""
MEMO = 65536
"""Words whose counts an index remembers (then it starts over)."""
_SHIFT = 21  # bits of a code point
_CHUNK_BITS = 22  # up to 4 million chunks per index
_SEPARATOR = 0  # between keys in the joined text: no key holds NUL (`clean` drops controls)


_BLOCK = 2048
"""Keys whose grams are paired and deduplicated at once when building."""


def _pairs(keys: Sequence[str], first: int) -> np.ndarray:
    """Distinct (gram code, chunk number) pairs of a block of keys, as one sorted uint64 each:
    unigram codes are `char << 21`, bigram codes `char << 21 | next char`."""
    joined = "".join(k + "\x00" for k in keys)
    chars = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    counts = np.fromiter((len(k) + 1 for k in keys), dtype=np.int64, count=len(keys))
    owner = np.repeat(np.arange(first, first + len(keys), dtype=np.uint64), counts)
    real = chars != _SEPARATOR
    shift, chunk = np.uint64(_SHIFT), np.uint64(_CHUNK_BITS)
    unigrams = ((chars[real] << shift) << chunk) | owner[real]
    pair = real[:-1] & real[1:]
    bigrams = (((chars[:-1][pair] << shift) | chars[1:][pair]) << chunk) | owner[:-1][pair]
    return np.unique(np.concatenate([unigrams, bigrams]))


class KeyIndex:
    """Unigram and bigram postings over `n` search keys, and the keys themselves."""

    def __init__(
        self,
        joined: str,
        offsets: np.ndarray,
        grams: np.ndarray,
        starts: np.ndarray,
        postings: np.ndarray,
    ) -> None:
        self._joined = joined
        self._offsets = offsets
        self._grams = grams
        self._starts = starts
        self._postings = postings
        self.n = len(offsets) - 1
        self._counts: dict[tuple[str, ...], int] = {}
        self._used: dict[tuple[str, ...], bool] = {}

    @classmethod
    def build(cls, keys: Sequence[str]) -> KeyIndex:
        keys = [k.replace("\x00", " ") for k in keys]
        if len(keys) >= 1 << _CHUNK_BITS:
            raise ValueError(f"too many chunks for one key index ({len(keys)})")
        lengths = np.fromiter((len(k) + 1 for k in keys), dtype=np.int64, count=len(keys))
        offsets = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        # (gram, chunk) pairs, deduplicated a block of keys at a time: memory stays a few
        # times the pairs, not the grams of the whole corpus at once
        pairs = [
            _pairs(keys[at : at + _BLOCK], at) for at in range(0, len(keys), _BLOCK)
        ]
        combined = np.sort(np.concatenate(pairs)) if pairs else np.zeros(0, np.uint64)
        del pairs
        codes = combined >> np.uint64(_CHUNK_BITS)
        postings = (combined & np.uint64((1 << _CHUNK_BITS) - 1)).astype(np.uint32)
        del combined
        grams, first = np.unique(codes, return_index=True)
        starts = np.append(first, len(codes)).astype(np.int64)
        joined = "".join(k + "\x00" for k in keys)
        return cls(joined[:-1] if joined else "", offsets, grams, starts, postings)

    def arrays(self) -> dict[str, np.ndarray]:
        """What `from_arrays` needs, for saving (`rag.ingest.lexical`)."""
        return {
            "key_text": np.frombuffer(self._joined.encode("utf-8"), dtype=np.uint8),
            "key_offsets": self._offsets,
            "key_grams": self._grams,
            "key_starts": self._starts,
            "key_postings": self._postings,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> KeyIndex:
        joined = bytes(arrays["key_text"]).decode("utf-8")
        return cls(
            joined,
            arrays["key_offsets"],
            arrays["key_grams"],
            arrays["key_starts"],
            arrays["key_postings"],
        )

    def key(self, i: int) -> str:
        return self._joined[self._offsets[i] : self._offsets[i + 1] - 1]

    def __len__(self) -> int:
        return self.n

    def _posting(self, code: int) -> np.ndarray:
        i = int(np.searchsorted(self._grams, code))
        if i < len(self._grams) and int(self._grams[i]) == code:
            return self._postings[self._starts[i] : self._starts[i + 1]]
        return self._postings[:0]

    def _candidates(self, word: str) -> np.ndarray:
        """Chunks holding every bigram of the word (its unigram when it has one character):
        exactly the chunks holding it when it has at most two."""
        if len(word) == 1:
            return self._posting(ord(word) << _SHIFT)
        codes = {(ord(a) << _SHIFT) | ord(b) for a, b in zip(word, word[1:], strict=False)}
        lists = sorted((self._posting(c) for c in codes), key=len)
        found = lists[0]
        for more in lists[1:]:
            if not len(found):
                break
            found = np.intersect1d(found, more, assume_unique=True)
        return found

    def _holds(self, i: int, words: Iterable[str]) -> bool:
        start, end = int(self._offsets[i]), int(self._offsets[i + 1]) - 1
        return any(self._joined.find(w, start, end) >= 0 for w in words)

    def count(self, words: Sequence[str]) -> int:
        """Chunks holding any of `words` (a term's forms); remembered, since the same words
        come back in question after question (a corpus's topic words)."""
        return _remembered(self._counts, tuple(words), self._count)

    def _count(self, words: Sequence[str]) -> int:
        words = [w for w in words if w]
        if not words:
            return 0
        lists = [self._candidates(w) for w in words]
        found = lists[0] if len(lists) == 1 else np.unique(np.concatenate(lists))
        if all(len(w) <= 2 for w in words) or not len(found):
            return len(found)
        long = [w for w in words if len(w) > 2]
        short = [w for w in words if len(w) <= 2]
        sure = np.unique(np.concatenate([self._candidates(w) for w in short])) if short else None
        unsure = found if sure is None else np.setdiff1d(found, sure, assume_unique=True)
        exact = 0 if sure is None else len(sure)
        if len(unsure) <= VERIFY_MAX:
            return exact + sum(self._holds(int(i), long) for i in unsure)
        sample = unsure[np.linspace(0, len(unsure) - 1, VERIFY_MAX).astype(np.int64)]
        held = sum(self._holds(int(i), long) for i in sample)
        return exact + round(held * len(unsure) / VERIFY_MAX)

    def used(self, words: Sequence[str]) -> bool:
        """Does any chunk hold any of `words`? (remembered like `count`)"""
        return _remembered(self._used, tuple(words), self._use)

    def _use(self, words: Sequence[str]) -> bool:
        for word in words:
            if not word:
                continue
            found = self._candidates(word)
            if len(word) <= 2 and len(found):
                return True
            if any(self._holds(int(i), [word]) for i in found[:VERIFY_MAX]):
                return True
        return False


T = TypeVar("T")


def _remembered(
    table: dict[tuple[str, ...], T], words: tuple[str, ...], compute: Callable[[tuple[str, ...]], T]
) -> T:
    """`compute(words)`, looked up in `table` first (emptied once it holds `MEMO` entries)."""
    found = table.get(words)
    if found is None:
        found = compute(words)
        if len(table) >= MEMO:
            table.clear()
        table[words] = found
    return found


@lru_cache(maxsize=8)
def of_keys(keys: tuple[str, ...]) -> KeyIndex:
    """The index of a tuple of keys (callers holding only keys: tests, small tools)."""
    return KeyIndex.build(keys)


Keys = KeyIndex | Sequence[str]
"""What question analysis counts in: an index, or the keys themselves (small callers)."""
