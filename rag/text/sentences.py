"""Sentence kinds a reader tells at a glance: a question is not a statement; and where the
sentences of a paragraph end.

News pages and FAQs repeat the question they go on to answer (「开幕式总导演是谁？」 as a heading,
「那么，这部剧的演员中谁是本地人呢？」 as a lead-in). Such a sentence shares every word with the
question a user asks, so word overlap and similarity both rank it first, yet it states nothing:
it is never quoted as an answer.
"""

from __future__ import annotations

import re

SENTENCE_END = re.compile(r"[。！？；!?;]")
"""What ends a sentence (or a clause standing as one) inside a paragraph."""


def sentences_before(text: str, start: int) -> list[str]:
    """The sentences of the paragraph (a line) of `text` before offset `start`, in order,
    without their ends: what a sentence at `start` may lean on."""
    para = text.rfind("\n", 0, start) + 1
    return [b for b in SENTENCE_END.split(text[para:start]) if b.strip()]


_CLOSERS = "”’」』）)】]》 \u3000"
_QUESTION_END = re.compile(r"[?？][!！?？]*$")


def is_question(sentence: str) -> bool:
    """Does the sentence ask rather than state: it ends in a question mark (before any closing
    quotes or brackets)?"""
    return bool(_QUESTION_END.search(sentence.rstrip(_CLOSERS)))
