"""A question as typed -> one clean line of text, or a `UserError` saying what is wrong with it
(in the user's words: the page and the CLI show it as is)."""

from __future__ import annotations

import unicodedata

from rag.errors import UserError
from rag.settings import Settings


def validate_question(question: str, settings: Settings) -> str:
    """One clean line of text, or a `UserError` saying what is wrong with it."""
    if not isinstance(question, str):
        raise UserError("the question must be text", zh="问题必须是文字。")
    text = one_line(question)
    if not text:
        raise UserError(
            "empty question: type a question, e.g. 这份报告是哪天发布的？",
            zh="问题是空的：请输入一个问题，例如：这份报告是哪天发布的？",
        )
    if len(text) > settings.max_question_chars:
        raise UserError(
            f"question too long ({len(text)} characters, limit {settings.max_question_chars});"
            " ask a shorter question",
            zh=f"问题太长（{len(text)} 个字，上限 {settings.max_question_chars} 个字），"
            "请问得短一些。",
        )
    return text


def one_line(text: str) -> str:
    """Text as one clean line: control and format characters, lone surrogates and line breaks
    turned into spaces, runs of spaces made one."""
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") else ch for ch in text
    )
    return " ".join(text.split())
