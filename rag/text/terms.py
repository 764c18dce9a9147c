"""Terms: Chinese word segmentation for BM25 and sentence scoring.

jieba over the search key (Simplified, half width, lower case), minus punctuation and a short list
of function words and question words (`rag/text/lexicon/stopwords.txt`). The same function serves
documents and questions, so a Traditional question and a Simplified passage yield the same terms.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from rag.text import lexicon
from rag.text.script import search_key


def stopwords() -> frozenset[str]:
    """Words that are never terms (`rag/text/lexicon/stopwords.txt`): function words, question
    words, the asker's frame."""
    return lexicon.words("stopwords")


@lru_cache(maxsize=1)
def _jieba() -> Any:  # loads its dictionary on first use only
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def terms_of_key(key: str) -> list[str]:
    """Terms of text that is already a search key."""
    out = []
    stop = stopwords()
    for token in _jieba().lcut(key):
        token = token.strip()
        if token and token not in stop and any(ch.isalnum() for ch in token):
            out.append(token)
    return out


def terms(text: str) -> list[str]:
    return terms_of_key(search_key(text))


def keys_and_terms(texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """Each text's search key and its terms as stored for BM25 (space-separated): what ingest
    computes for every chunk it writes."""
    keys = [search_key(t) for t in texts]
    return keys, [" ".join(terms_of_key(k)) for k in keys]


_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]+")


def han_pairs(text: str) -> set[str]:
    """The pairs of adjacent Han characters of a text, within its runs of Han: what two short
    texts share, read without a segmenter (whose mistakes, `家规` for 「多少家规上企业」, would
    hide it)."""
    return {run[i : i + 2] for run in _NOT_HAN.split(text) for i in range(len(run) - 1)}
