"""Sentences: where a display text's sentences start and end, which lines are headings, and
what kind of sentence one is. The one definition every stage uses (chunking, the answerer, the
claim checker, the injection guard, the test model).

A sentence ends at 。！？；… (full or half width) and any closing quotes or brackets right after,
but not inside a title or a parenthesis (`《你好！李焕英》`); a paragraph (a line) break always
ends one. A heading (一、 / （一） / 1. / 一是 / 【…】 / # …)
opens a line and a section; each sentence carries its section path
(`二、…面临的困境 > 三是缺乏领军企业和人才高地。`).

News pages and FAQs repeat the question they go on to answer (「开幕式总导演是谁？」 as a heading,
「那么，这部剧的演员中谁是本地人呢？」 as a lead-in). Such a sentence shares every word with the
question a user asks, so word overlap and similarity both rank it first, yet it states nothing:
`is_question` tells it, and it is never quoted as an answer.
"""

from __future__ import annotations

import re

from rag.types import Sentence

ENDS = "。！？!?；;"
"""Marks that end a sentence (or a clause standing as one) inside a paragraph."""
CLOSERS = "”’」』）)]】"
"""Closing quotes and brackets that belong to the sentence they follow."""
SENTENCE = re.compile(rf".+?(?:[{ENDS}]+|…+|$)[{re.escape(CLOSERS)}]*", re.S)
_PARAGRAPH = re.compile(r"[^\n]+")
_END = re.compile(rf"(?:[{ENDS}]+|…+)[{re.escape(CLOSERS)}]*")
BRACKETS = {"《": "》", "（": "）", "(": ")"}
"""Brackets a sentence does not end inside: a title (`《你好！李焕英》`), a parenthesis
(`（包括甲队及Go! Go! Team）`). Quotes may hold whole sentences (`他说：“…。…。”`): not
these."""
BRACKET_REACH = 80
"""Characters after an end mark within which an open bracket must close for the mark to be
inside it: a bracket never closed (a typo, a cut page) does not join the rest of its line."""
_LATIN_AFTER = re.compile(r"[!?]\s?[A-Za-z]")


def _sentence_spans(paragraph: str, offset: int) -> list[tuple[int, int]]:
    """Sentences of one paragraph: each ends at an end mark and the closers right after it,
    except a mark inside a bracket that closes soon after (`BRACKETS`, `BRACKET_REACH`; not
    when the bracket closes with the mark: `（…。）`) and a Latin `!` or `?` inside a Latin
    name (`Go! Go! Team`). One pass over the paragraph."""
    ends: list[int] = []
    opened: list[str] = []  # the brackets open before the mark, innermost last
    scanned = 0
    for m in _END.finditer(paragraph):
        for ch in paragraph[scanned : m.start()]:
            if ch in BRACKETS:
                opened.append(ch)
            elif opened and ch == BRACKETS[opened[-1]]:
                opened.pop()
        scanned = m.start()
        if opened:
            closer = BRACKETS[opened[-1]]
            reach = paragraph[m.end() : m.end() + BRACKET_REACH]
            if closer not in m.group(0) and closer in reach:
                continue
        if m.group(0) in "!?" and _LATIN_AFTER.match(paragraph, m.start()):
            continue
        ends.append(m.end())
    bounds = [0, *ends, len(paragraph)]
    return _trimmed(paragraph, list(zip(bounds, bounds[1:], strict=False)), offset)


HEADING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]|\d{1,2}\s*[.、．](?!\d)"
    r"|[一二三四五六七八九十]+是|【|#{1,6}\s|第[一二三四五六七八九十\d]+[章节部分])"
)
"""A heading opens a line: 一、 / （一） / 1. / 1、 / 一是 / 【…】 / # … / 第二章."""
_LEVELS = [
    (re.compile(r"^#{1,6}\s"), 1),
    (re.compile(r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十\d]+[章节部分]|【)"), 1),
    (re.compile(r"^[(（][一二三四五六七八九十]+[)）]"), 2),
    (re.compile(r"^\d{1,2}\s*[.、．](?!\d)"), 3),
    (re.compile(r"^[一二三四五六七八九十]+是"), 4),
]
_LABEL_CHARS = 40


def heading_level(paragraph: str) -> int:
    """0 for prose, else 1 (一、) .. 4 (一是)."""
    if not HEADING.match(paragraph):
        return 0
    return next((level for rule, level in _LEVELS if rule.match(paragraph)), 0)


def _label(paragraph: str) -> str:
    first = SENTENCE.match(paragraph)
    label = (first.group(0) if first else paragraph).strip()
    return label if len(label) <= _LABEL_CHARS else label[:_LABEL_CHARS] + "…"


def spans(pattern: re.Pattern[str], text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Non-blank matches of `pattern` in `text` as (start, end) with surrounding spaces trimmed,
    offset by `offset`."""
    return _trimmed(text, [(m.start(), m.end()) for m in pattern.finditer(text)], offset)


def _trimmed(text: str, pieces: list[tuple[int, int]], offset: int) -> list[tuple[int, int]]:
    """The non-blank pieces of `text`, surrounding spaces trimmed, offset by `offset`."""
    found = []
    for a, b in pieces:
        piece = text[a:b]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece) - len(piece.rstrip())
            found.append((offset + a + lead, offset + b - trail))
    return found


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, paragraph by paragraph, offset by `offset`."""
    return [
        span
        for p_start, p_end in spans(_PARAGRAPH, text)
        for span in _sentence_spans(text[p_start:p_end], offset + p_start)
    ]


def split_sentences(text: str) -> list[Sentence]:
    """Every sentence of a display text with exact offsets and its section path."""
    sentences: list[Sentence] = []
    stack: list[tuple[int, str]] = []
    for p_start, p_end in spans(_PARAGRAPH, text):
        paragraph = text[p_start:p_end]
        level = heading_level(paragraph)
        if level:
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, _label(paragraph)))
        section = " > ".join(label for _, label in stack)
        sentences.extend(Sentence(a, b, section) for a, b in _sentence_spans(paragraph, p_start))
    return sentences


def sentences_before(text: str, start: int) -> list[str]:
    """The sentences of the paragraph (a line) of `text` before offset `start`, in order: what
    a sentence at `start` may lean on."""
    para = text.rfind("\n", 0, start) + 1
    return [text[a:b] for a, b in _sentence_spans(text[para:start], para)]


_QUESTION_END = re.compile(r"[?？][!！?？]*$")


def is_question(sentence: str) -> bool:
    """Does the sentence ask rather than state: it ends in a question mark (before any closing
    quotes or brackets)?"""
    return bool(_QUESTION_END.search(sentence.rstrip(CLOSERS + "》 \u3000")))
