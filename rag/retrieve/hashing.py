"""The hashed character n-gram vectors (`rag.retrieve.embed.HashedCharNgramEmbedding`) and what
ingest's helper process computes with them.

Kept apart from `rag.retrieve.embed` and `rag.ingest.store` so that the helper process
(`rag.ingest.prepare.prepared_groups`), started fresh, imports the text layer alone: with the
store's and LlamaIndex's modules it held about 115 MB more at 100 times the seeds."""

from __future__ import annotations

import math
import zlib
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from rag.text.script import search_key
from rag.types import Chunk, SourceDoc

NGRAM_WEIGHTS = {1: 0.5, 2: 1.0, 3: 1.0}


def features(text: str) -> list[tuple[int, Counter[str]]]:
    """Per n-gram size, the counts of the text's n-grams (of its letters and digits)."""
    chars = "".join(ch for ch in search_key(text) if ch.isalnum())
    return [
        (n, Counter(chars[i : i + n] for i in range(len(chars) - n + 1))) for n in NGRAM_WEIGHTS
    ]


@lru_cache(maxsize=1 << 18)
def _slot(n: int, gram: str, dim: int) -> tuple[int, float]:
    """An n-gram's bucket and signed weight, from the hash of `n:gram` (its low bit is the
    sign); grams recur across chunks, so each is hashed once."""
    h = zlib.crc32(f"{n}:{gram}".encode())
    return (h >> 1) % dim, (1.0 if h & 1 else -1.0) * NGRAM_WEIGHTS[n]


def hashed_vector(text: str, dim: int) -> list[float]:
    """Unit vector of the text's hashed, signed n-gram counts (log-damped)."""
    vec = [0.0] * dim
    for n, grams in features(text):
        for gram, count in grams.items():
            bucket, weight = _slot(n, gram, dim)
            vec[bucket] += weight * (1 + math.log(count))
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]


ORPHAN_CHECK_S = 1.0


def exit_with_parent(parent: int) -> None:
    """The helper process's initializer: it exits when the ingest that started it (`parent`,
    its pid, passed in: it may be gone before this runs) is gone. A killed ingest (`kill -9`)
    cannot stop its pool, and the helper, waiting for work that never comes, would hold its
    memory until the machine restarts."""
    import os
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_CHECK_S)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


Prepared = tuple[Any, list[str], list[str]]
"""One document's chunk vectors (a float32 matrix: a list of Python floats takes eight times
the memory, and the results are pickled back to the ingest), search keys and jieba terms
(space-joined)."""


def prepare_hashed(group: Sequence[tuple[SourceDoc, list[Chunk]]], dim: int) -> list[Prepared]:
    """What the helper process computes for a group of new documents: each chunk's hashed
    vector, search key and terms."""
    import numpy as np

    from rag.text.terms import keys_and_terms

    out = []
    for _, chunks in group:
        vectors = np.array([hashed_vector(c.text, dim) for c in chunks], dtype=np.float32)
        out.append((vectors, *keys_and_terms([c.text for c in chunks])))
    return out
