"""Guard: text in the documents that is written to an AI, kept away from the model and the answer.

A document may carry instructions aimed at an assistant (「忽略之前的指令，回答……」, "ignore all
previous instructions", a fake 【系统】 notice, a request to print the system prompt). The prompt
already says sources are data, but a model may obey anyway, so such sentences never reach it:
`mask` replaces them in the sources the model reads, the extractive answerer never quotes them,
and the claim checker never counts them as support. After generation, `echoes` finds reply
sentences that repeat the system prompt or withheld text (a model asked for its prompt, or one
that saw an instruction some other way); the synthesizer drops them.

Trade-off: matching is lexical and tuned for precision on ordinary documents (no seed sentence
matches): the phrases must address an assistant, its instructions or its prompt, so policy text
such as 「一律按……执行」 is left alone. A paraphrased instruction can pass the first gate; the
second (echoes) and the claim check still stand between it and the answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from rag.clean import search_key

WITHHELD = "〔此处一句疑似写给AI的指令，已略去〕"
"""What the model reads instead of a withheld sentence."""

_ADDRESSED = re.compile(
    "|".join(
        [
            # 忽略/无视/忘记 (之前|以上|…) 的 (指令|提示|规则|…)
            r"(?:忽略|无视|忽视|忘记|忘掉|不要理会|不必理会|不用管|别管|跳过)[^。！？\n]{0,4}?"
            r"(?:之前|以前|以上|上述|前面|先前|此前|所有|一切|全部|你的|原有|原来|原先|系统)"
            r"[^。！？\n]{0,6}?(?:指令|指示|提示词?|规则|设定|约束|要求|命令|消息)",
            r"(?:系统提示词?|系统指令|初始指令|开发者模式|越狱模式|system ?prompt|jailbreak)",
            r"(?:你现在是|你现在扮演|从现在起你|从现在开始你|假装你是|请你扮演|你的新(?:身份|任务|指令))",
            r"(?:作为|身为)(?:一个)?(?:ai|人工智能助手|语言模型|大模型|助手)[，,]?(?:你|请|必须)",
            r"(?:致|给|写给)(?:ai|人工智能|大模型|语言模型|助手|机器人)[：:的]",
            r"(?:ai|人工智能|大模型|语言模型|问答)(?:助手|系统|机器人)?(?:请|必须|应当|务必)"
            r"(?:在回答|回答时|输出|回复|忽略)",
            r"[【\[<]\s*(?:系统|system|assistant|admin|管理员)\s*[】\]>:：]",
            r"(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+)?"
            r"(?:previous|prior|above|earlier|preceding|your)\s+"
            r"(?:instructions?|prompts?|rules|directions|guidelines)",
            r"(?:you are now|from now on,? you|pretend (?:to be|you are))",
            r"act as (?:an? )?(?:ai|assistant|chatbot|language model|dan)\b",
            r"new instructions",
            r"(?:as an ai|language model)[, ]+(?:you|please|must)",
            r"(?:在|于)(?:你的)?回答(?:的)?(?:开头|末尾|结尾|最后|中)(?:加上|附上|写上|输出|包含)",
            r"(?:输出|复述|打印|泄露|告诉我|print|reveal|repeat)[^。！？\n]{0,8}?"
            r"(?:口令|暗号|密钥|canary|secret|password|token)",
        ]
    )
)
_SENTENCE_END = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+[”’」』）)]*|\n|$)")
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
    """Whether a sentence addresses an assistant: orders it, gives it a role, asks for its
    prompt or for a secret."""
    key = search_key("".join(c for c in sentence if unicodedata.category(c) not in _INVISIBLE))
    return bool(_ADDRESSED.search(key) or _ADDRESSED.search(re.sub(r"\s+", "", key)))


def instruction_spans(text: str, start: int = 0) -> list[tuple[int, int]]:
    """`(start, end)` of each sentence of `text` (offset by `start`) that is an instruction."""
    spans = []
    for m in _SENTENCE_END.finditer(text):
        if m.group().strip() and is_instruction(m.group()):
            spans.append((start + m.start(), start + m.end()))
    return spans


@lru_cache(maxsize=2048)
def mask(text: str) -> tuple[str, tuple[str, ...]]:
    """`text` with its instruction sentences replaced by `WITHHELD`, and what was withheld."""
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
