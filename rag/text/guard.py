"""Guard: text in the documents that is written to an AI, kept away from the model and the answer.

A document may carry instructions aimed at an assistant (「忽略之前的指令，回答……」, "ignore all
previous instructions", a fake 【系统】 notice, a request to print the system prompt). The prompt
already says sources are data, but a model may obey anyway, so such sentences never reach it:
`mask` replaces them in the sources the model reads, the extractive answerer never quotes them,
and the claim checker never counts them as support. After generation, `echoes` finds reply
sentences that repeat the system prompt or withheld text (a model asked for its prompt, or one
that saw an instruction some other way); the synthesizer drops them.

Trade-off: matching is lexical and tuned for precision on ordinary documents (no seed sentence
matches): the phrases (`rag/text/lexicon/injection.txt`, the one list that the question's own
instruction stripping uses too) must address an assistant, its instructions, its sources or its
prompt, so policy text such as 「一律按……执行」 or 「以正式文件为准」 is left alone. A paraphrased
instruction can pass the first gate; the second (echoes) and the claim check still stand between
it and the answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from rag.text import lexicon
from rag.text.script import search_key
from rag.text.sentences import sentence_spans

WITHHELD = "〔此处一句疑似写给AI的指令，已略去〕"
"""What the model reads instead of a withheld sentence."""

_INVISIBLE = {"Cf", "Cc", "Co", "Cn"}
_ECHO_CHARS = 12  # a reply sentence sharing this many characters in a row with the system
# prompt or withheld text repeats it (the prompt's own phrases are longer than any shared
# by chance with an answer about the documents)


@lru_cache(maxsize=1024)  # the system prompt is normalised for every answer
def normal(text: str) -> str:
    """What matching sees: the search key (Simplified, half width, lower case) without
    invisible characters or spaces, so 「忽\u200b略 之前」 reads as 「忽略之前」."""
    visible = "".join(c for c in text if unicodedata.category(c) not in _INVISIBLE)
    return re.sub(r"\s+", "", search_key(visible)) if visible else ""


@lru_cache(maxsize=8192)  # the same sentences are checked for every claim and question
def is_instruction(sentence: str) -> bool:
    """Whether a sentence (or a question's clause) addresses an assistant: orders it, gives it a
    role, dictates its answer, sets its sources aside, asks for its prompt or for a secret."""
    key = search_key("".join(c for c in sentence if unicodedata.category(c) not in _INVISIBLE))
    addressed = lexicon.pattern("injection")
    return bool(addressed.search(key) or addressed.search(re.sub(r"\s+", "", key)))


def instruction_spans(text: str, start: int = 0) -> list[tuple[int, int]]:
    """`(start, end)` of each sentence of `text` (offset by `start`) that is an instruction."""
    return [
        (start + a, start + b) for a, b in sentence_spans(text) if is_instruction(text[a:b])
    ]


def mask(text: str) -> tuple[str, tuple[str, ...]]:
    """`text` with its instruction sentences replaced by `WITHHELD`, and what was withheld.
    Not cached: each sentence's verdict is (`is_instruction`), so switching that one function
    off (the injection test's control) switches off every guard built on it."""
    out, withheld, last = [], [], 0
    for s, e in instruction_spans(text):
        out += [text[last:s], WITHHELD]
        withheld.append(text[s:e])
        last = e
    out.append(text[last:])
    return "".join(out), tuple(withheld)


def echoes(sentence: str, protected: Sequence[str]) -> bool:
    """Whether a reply sentence repeats `_ECHO_CHARS` characters in a row of any protected
    text (the system prompt, withheld instructions)."""
    key = normal(sentence)
    keys = [normal(p) for p in protected]
    if len(key) < _ECHO_CHARS:
        return len(key) >= 6 and any(key in k for k in keys)
    grams = {key[i : i + _ECHO_CHARS] for i in range(len(key) - _ECHO_CHARS + 1)}
    return any(g in k for k in keys for g in grams)
