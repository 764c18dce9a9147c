"""Feedback that becomes tests: a reader's 👍 or 👎 on an answer, and on 👎 the right answer
(and, if they give it, the passage that holds it), saved as one row of
`<data_dir>/feedback.jsonl` in the eval's question format, so that
`rag eval --questions <data_dir>/feedback.jsonl` scores the product against every correction.

A row: `question` (the follow-up as it was read, so it stands alone), `must` (the right answer
as one group; for a 👍, the direct answer the page showed, when it showed one), `docs` (the
document holding the passage given; for a 👍, the cited one), `answerable` (false when the reader
says the documents do not hold the answer, or confirms a refusal), plus what was answered and
when, for the reviewer. Trade-off: a passage is matched to its document by exact text (spaces
ignored); one pasted from elsewhere finds none, and the row then keeps the answer only.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gradio as gr

from rag.errors import RagError, UserError, in_chinese
from rag.pipeline import validate_question
from rag.settings import Settings
from rag.types import SourceDoc
from ui.render import AnswerJson, public, text

FILE = "feedback.jsonl"
_SPACES = re.compile(r"\s+")
_LOCK = threading.Lock()  # one page process appends; rows are whole lines


def feedback_path(settings: Settings) -> Path:
    return settings.data_dir / FILE


def _holding(passage: str, docs: Sequence[SourceDoc]) -> str:
    """The id of the document whose text holds `passage` (spaces ignored), else ""."""
    wanted = _SPACES.sub("", passage)
    if len(wanted) < 4:
        return ""
    return next((d.doc_id for d in docs if wanted in _SPACES.sub("", d.text)), "")


def feedback_row(
    answer: AnswerJson,
    liked: bool,
    docs: Sequence[SourceDoc],
    right: str = "",
    passage: str = "",
    not_in_docs: bool = False,
) -> dict[str, Any]:
    """One eval question from a reader's verdict on `answer` (see the module docstring).
    Raises `UserError` for a 👎 without the right answer (unless the documents hold none)."""
    question = answer.get("standalone") or answer["question"]
    cited = {c["n"]: c for c in answer.get("citations", [])}
    short = answer.get("short")
    if liked:
        answerable = bool(cited)
        spans = (short.get("parts") or [short]) if short else []
        must = [[p["text"]] for p in spans]  # of several parts asked, each must be met
        first = next(iter(cited.values()), None)
        sources = [cited.get(p["n"]) for p in spans] if spans else [first]
        gold = list(dict.fromkeys(s["doc_id"] for s in sources if s))
    elif not_in_docs:
        answerable, must, gold = False, [], []
    else:
        right = " ".join(right.split())
        if not right:
            raise UserError(
                "give the right answer, or tick that the documents do not hold it",
                zh="请填写正确答案，或勾选“文档里没有答案”。",
            )
        answerable, must = True, [[right]]
        found = _holding(passage, docs) if passage.strip() else ""
        gold = [found] if found else []  # the cited documents were the wrong ones
    digest = hashlib.sha256(json.dumps([question, must, liked], ensure_ascii=False).encode())
    return {
        "id": f"fb-{digest.hexdigest()[:12]}",
        "question": question,
        "category": "feedback",
        "must": must,
        "docs": gold,
        "answerable": answerable,
        "verdict": "up" if liked else "down",
        "answered": answer["answer"],
        "passage": passage.strip(),
        "index": answer.get("index", {}).get("id", ""),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def save(row: dict[str, Any], settings: Settings) -> Path:
    """Append `row` to `<data_dir>/feedback.jsonl` (made when the first row comes)."""
    validate_question(row["question"], settings)  # what eval will ask must be a question
    path = feedback_path(settings)
    line = json.dumps(row, ensure_ascii=False) + "\n"
    with _LOCK:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(line)
    return path


class FeedbackCallbacks:
    """👍 / 👎 on an answer in the chat, and the correction panel a 👎 opens."""

    def __init__(self, settings: Settings, docs: Callable[[], Sequence[SourceDoc]]) -> None:
        self.settings = settings
        self.docs = docs  # the open engine's documents, where a passage is looked for

    def _save(self, row: dict[str, Any], done: str) -> str:
        try:
            save(row, self.settings)
        except RagError as exc:
            return f"<p id='fb-line'>未记录：{text(public(in_chinese(exc)))}</p>"
        return f"<p id='fb-line'>{text(done)}</p>"

    def rated(self, data: gr.LikeData, answers: list[AnswerJson] | None) -> tuple[Any, ...]:
        """A 👍 is saved at once; a 👎 opens the panel for the right answer. Outputs: the
        panel, its turn, the status line, the answer box, the passage box, the checkbox."""
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        turn = int(index) // 2  # a turn is the question and its answer
        done = list(answers or [])
        if not 0 <= turn < len(done) or done[turn].get("pending"):
            return gr.Column(visible=False), -1, "", "", "", False
        if data.liked is True or data.liked == "Like":
            row = feedback_row(done[turn], True, self.docs())
            line = self._save(row, "已记录：这条回答有用。谢谢！")
            return gr.Column(visible=False), -1, line, "", "", False
        if data.liked is False or data.liked == "Dislike":
            return gr.Column(visible=True), turn, "", "", "", False
        return gr.Column(visible=False), -1, "", "", "", False  # a rating taken back

    def correct(
        self,
        turn: int,
        right: str,
        not_in_docs: bool,
        passage: str,
        answers: list[AnswerJson] | None,
    ) -> tuple[Any, ...]:
        """提交纠正: the correction saved as an eval question; the panel closed."""
        done = list(answers or [])
        if not 0 <= turn < len(done):
            return gr.Column(visible=False), -1, "<p id='fb-line'>这条回答已不在对话中。</p>"
        try:
            row = feedback_row(done[turn], False, self.docs(), right, passage, not_in_docs)
        except RagError as exc:  # no right answer given: the panel stays open
            return gr.skip(), turn, f"<p id='fb-line'>{text(in_chinese(exc))}</p>"
        note = "已记录纠正，将作为回归测试（rag eval --questions 反馈文件）。"
        if passage.strip() and not row["docs"]:
            note += "未在知识库中找到您给出的原文，只记录了答案。"
        return gr.Column(visible=False), -1, self._save(row, note)

    def cancel(self) -> tuple[Any, ...]:
        return gr.Column(visible=False), -1, ""
