"""Cite: the citation contract. Markers, the refusal sentence, quotes with exact offsets.

The refusal sentence and the marker format are defined here once and shared by the answerers, the
prompts and the tests. A `Citation` is only ever built from a document's display text and a span,
so `quote == text[start:end]` holds by construction and is asserted again here.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.types import Citation, SourceDoc

CANNOT_ANSWER = "文档中没有找到这个问题的答案。"
"""The refusal sentence (Simplified; shown in Traditional to Traditional questions)."""
MARKER = re.compile(r"\[(\d{1,3})\]")


def marker(n: int) -> str:
    return f"[{n}]"


@lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def is_traditional(text: str) -> bool:
    """True when the text has characters that Traditional->Simplified would change."""
    from rag.ingest.clean import search_key

    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    key = search_key("".join(han))
    return any(a != b for a, b in zip(han, key, strict=False))


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def in_script(text: str, traditional: bool) -> str:
    """Our own wording (labels, refusals, a document's title in a label) in the asker's script;
    never applied to quotes."""
    return (_s2t() if traditional else _t2s()).convert(text)


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
