"""The downloads' contents: the current answer, or the whole conversation, as Markdown (for a
person) and JSON (for a script), with everything needed to re-check each quote later: the
document id and content hash, the quote, its offsets, and a note of what the offsets count in
(`ui.cards.OFFSETS_NOTE`: the display text `rag show DOC_ID` prints, not the original file,
which may still hold a web page's menus or a Traditional text's pinyin glosses)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ui.cards import OFFSETS_NOTE
from ui.render import AnswerJson


def _record(answer: AnswerJson) -> dict[str, Any]:
    return {
        "question": answer["question"],
        "standalone": answer.get("standalone", ""),
        "answer": answer["answer"],
        "short": answer.get("short"),
        "mode": answer.get("mode", ""),
        "model": answer.get("index", {}).get("llm", ""),
        "index": answer.get("index", {}),
        "citations": answer.get("citations", []),
        "claims": answer.get("claims", []),
        "notice": answer.get("notice", ""),
    }


def export_json(answer: AnswerJson) -> str:
    """One answer with its quotes, offsets, document ids and hashes, index id, mode and model."""
    record = _record(answer) | {"offsets": OFFSETS_NOTE}
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"


def conversation_json(answers: Sequence[AnswerJson]) -> str:
    """Every turn of the conversation, oldest first, as `export_json` gives one."""
    record = {"offsets": OFFSETS_NOTE, "turns": [_record(a) for a in answers]}
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"


def _markdown(answer: AnswerJson, level: str) -> list[str]:
    index = answer.get("index", {})
    lines = [f"{level} {answer['question']}", ""]
    if answer.get("standalone"):
        lines += [f"（按此理解：{answer['standalone']}）", ""]
    lines += [answer["answer"], ""]
    if answer.get("citations"):
        lines += [f"{level}# 来源", ""]
    for c in answer.get("citations", []):
        lines += [
            f"[{c['n']}] 《{c['title']}》（{c['date'] or '日期不详'}） `{c['doc_id']}`"
            f" 字符 {c['start']}–{c['end']}，文档哈希 `{c.get('doc_sha', '')}`",
            "",
            f"> {c['quote']}",
            "",
        ]
    unverified = [c for c in answer.get("claims", []) if not c["verified"]]
    if unverified:
        lines += [f"{level}# 未核实", ""]
        lines += [f"- {c['text']}（{c['reason']}）" for c in unverified] + [""]
    if answer.get("mode"):
        model = f"，模型 {index['llm']}" if index.get("llm") else ""
        lines += [f"回答方式 {answer['mode']}{model}；索引 `{index.get('id', '')}`。", ""]
    return lines


def export_markdown(answer: AnswerJson) -> str:
    """The answer and its sources as Markdown a person can read and re-check."""
    return "\n".join([*_markdown(answer, "#"), f"注：{OFFSETS_NOTE}"]) + "\n"


def conversation_markdown(answers: Sequence[AnswerJson]) -> str:
    """The whole conversation, each question a section with its answer and sources."""
    lines = ["# 对话记录", ""]
    for answer in answers:
        lines += _markdown(answer, "##")
    return "\n".join([*lines, f"注：{OFFSETS_NOTE}"]) + "\n"
