"""The eval's fake model: a deterministic script for `rag.testing.openai_server` that answers the
product's answer prompt by quoting.

`QuotingModel` reads the numbered sources and the question out of the prompt (the format of
`prompts/answer.txt` and `prompts/source.txt`), quotes the source sentence sharing most character
bigrams with the question, or refuses; on request it invents a figure in some answers, so a test
can check that the claim checker flags exactly those. It is a test fixture, not a model.
"""

from __future__ import annotations

import hashlib
import re
import threading

from rag.answer.cite import CANNOT_ANSWER, marker
from rag.testing.openai_script import Reply, Request
from rag.text.script import search_key
from rag.text.sentences import sentence_spans

# ------------------------------------------------------------------------- the eval's fake model

MIN_OVERLAP = 3
"""Fewest question bigrams a sentence must share to be quoted; fewer: the refusal."""
_SOURCE_HEAD = re.compile(r"^\[(\d{1,3})\][ \t\u3000]*《[^\n]*$", re.M)
_ASKING = re.compile(
    r"是多少|多少|是什么|什么|哪些|哪个|哪里|哪|是否|如何|怎么样|怎么|怎样|为什么|吗|呢"
)
_CONDENSE = re.compile(r"\n追问：(.*?)\n+改写后的问题：\s*\Z", re.S)
_FIGURE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_TAIL = re.compile(r"[。！？；”’」』）)]*\Z")


def parse_prompt(prompt: str) -> tuple[dict[int, str], str] | None:
    """`prompts/answer.txt` filled with `prompts/source.txt` blocks -> ({n: source text},
    question), or None when the text is not shaped like it."""
    start, end = prompt.find("资料："), prompt.rfind("\n问题：")
    if start < 0 or end < start:
        return None
    block = prompt[start + len("资料：") : end]
    heads = list(_SOURCE_HEAD.finditer(block))
    sources = {
        int(h[1]): block[h.end() : nxt.start() if nxt else len(block)].strip()
        for h, nxt in zip(heads, [*heads[1:], None], strict=True)
    }
    return sources, prompt[end + len("\n问题：") :].strip()


def _bigrams(key: str) -> set[str]:
    pieces = re.split(r"[\W_]+", key)
    return {p[i : i + 2] for p in pieces for i in range(len(p) - 1)}


def invent_figure(sentence: str, avoid: str = "") -> str:
    """The sentence with one figure altered: the first number (not a list label such as `2.`)
    with its last digit changed to the first value that `avoid` (the sources) never states, so
    the figure is really invented; without such a number, a made-up growth figure before the
    closing punctuation."""
    stated = set(re.findall(r"\d+(?:\.\d+)?", avoid))
    for m in _FIGURE.finditer(sentence):
        if m.start() == 0 and sentence[m.end() : m.end() + 1] in (".", "、", "．"):
            continue  # a list label, not a figure
        for step in range(1, 10):
            figure = m[0][:-1] + str((int(m[0][-1]) + step) % 10)
            if figure not in stated:
                return sentence[: m.start()] + figure + sentence[m.end() :]
    tail = _TAIL.search(sentence)
    at = tail.start() if tail else len(sentence)
    return sentence[:at] + "，同比增长12.5%" + sentence[at:]


class QuotingModel:
    """A script answering the product's answer prompt by quoting: the source sentence (split on
    。！？； and line breaks) sharing most character bigrams with the question (Traditional folded
    to Simplified, question words dropped), followed by its marker, e.g. `…亿元。[2]`; fewer than
    `min_overlap` shared bigrams: the refusal sentence. A condense prompt gets the follow-up back
    unchanged.

    `invent_every=k` (k > 0): about one answered question in k, chosen by a hash of the question
    (so the order of questions does not matter; k=1: all), gets one figure altered
    (`invent_figure`) and is recorded in `invented`."""

    def __init__(self, invent_every: int = 0, min_overlap: int = MIN_OVERLAP) -> None:
        self.invent_every = invent_every
        self.min_overlap = min_overlap
        self.invented: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Reply:
        if request.endpoint != "/chat/completions":
            return Reply()
        return Reply(text=self.respond(request.last_user))

    def respond(self, prompt: str) -> str:
        follow_up = _CONDENSE.search(prompt)
        if follow_up:
            return follow_up[1].strip()
        parsed = parse_prompt(prompt)
        if parsed is None:
            return CANNOT_ANSWER
        sources, question = parsed
        asked = _bigrams(_ASKING.sub(" ", search_key(question)))
        best: tuple[int, int, str] = (0, 0, "")
        for n, text in sources.items():
            for a, b in sentence_spans(text):
                sentence = text[a:b]
                score = len(asked & _bigrams(search_key(sentence)))
                if sentence and score > best[0]:
                    best = (score, n, sentence)
        score, n, sentence = best
        if score < self.min_overlap:
            return CANNOT_ANSWER
        if self._invents(question):
            sentence = invent_figure(sentence, "\n".join(sources.values()))
            with self._lock:
                self.invented.add(question)
        return sentence + marker(n)

    def _invents(self, question: str) -> bool:
        if self.invent_every <= 0:
            return False
        digest = hashlib.sha256(question.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.invent_every == 0
