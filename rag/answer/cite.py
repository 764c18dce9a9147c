"""Cite: the citation contract. Markers, the refusal sentence, quotes with exact offsets.

The refusal sentence and the marker format are defined here once and shared by the answerers, the
prompts and the tests. A `Citation` is only ever built from a document's display text and a span,
so `quote == text[start:end]` holds by construction and is asserted again here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rag.types import Citation, SourceDoc

CANNOT_ANSWER = "文档中没有找到这个问题的答案。"
"""The refusal sentence (Simplified; shown in Traditional to Traditional questions)."""
MARKER = re.compile(r"\[(\d{1,3})\]")


def marker(n: int) -> str:
    return f"[{n}]"


def short_line(short: Mapping[str, Any]) -> str:
    """The answer's first line from its short answer (the JSON form, `asdict(ShortAnswer)`):
    `378家[1]`; of several parts, each with its label and marker, `开始：1月17日[1]；结束：
    2月25日[2]`."""
    parts = short.get("parts") or ()
    if not parts:
        return str(short["text"]) + marker(short["n"])
    return "；".join(
        (f"{p['label']}：" if p["label"] else "") + p["text"] + marker(p["n"]) for p in parts
    )


def doc_label(doc: SourceDoc) -> str:
    date = f"（{doc.meta.date}）" if doc.meta.date else ""
    return f"《{doc.meta.title}》{date}"


def make_citation(n: int, doc: SourceDoc, start: int, end: int, section: str = "") -> Citation:
    quote = doc.text[start:end]
    if not quote or len(quote) != end - start:
        raise ValueError(f"span {start}:{end} is outside {doc.doc_id}")
    return Citation(
        n=n,
        doc_id=doc.doc_id,
        title=doc.meta.title,
        date=doc.meta.date,
        quote=quote,
        start=start,
        end=end,
        section=section,
        doc_sha=doc.sha,
    )
