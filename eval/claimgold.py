"""The gold sentence of the claim checker's benchmark: what the retriever shows for a question,
and the sentence of it a correct answer states.

The sources are those an LLM would be shown (the real retriever's, numbered 1..k); the gold
sentence is the first sentence of them that holds one of the question's `must` alternatives. Every
scripted answer of eval/claimcases.py starts from it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from llama_index.core.schema import QueryBundle

from rag.answer.cite import MARKER
from rag.answer.claims import Source, split_claims
from rag.answer.documents import Document
from rag.ingest.nodes import chunk_from_node
from rag.text.script import search_key
from rag.types import Sentence

MIN_CLAIM_CHARS = 8
_COMMA = re.compile(r"[，,]")


@dataclass(frozen=True)
class Gold:
    source: Source
    sentence: Sentence
    answer_key: str
    """search_key of the `must` alternative the sentence holds."""
    claim: str
    """The correct claim text (verbatim or with its leading clause dropped)."""


def retrieve_sources(engine: Any, question: str) -> tuple[Source, ...]:
    from rag.pipeline import retrieve

    nodes = retrieve(engine, QueryBundle(question))
    sources = []
    for i, n in enumerate(nodes):
        chunk = chunk_from_node(
            n.node.node_id, n.node.get_content(), n.node.metadata, n.node.ref_doc_id or ""
        )
        doc = Document.of(engine.docs[chunk.doc_id])
        sources.append(Source(i + 1, doc, chunk.start, chunk.end, chunk.sentences))
    return tuple(sources)


def find_gold(sources: Sequence[Source], must: Sequence[Sequence[str]], index: int) -> Gold | None:
    """The first sentence holding a `must` alternative; odd `index`: its claim reworded."""
    alts = [search_key(a) for group in must for a in group]
    for src in sources:
        for sent in src.sentences:
            text = src.doc.text[sent.start : sent.end].strip()
            key = search_key(text)
            hit = next((a for a in alts if a in key), None)
            if hit is None or len(text) < MIN_CLAIM_CHARS or MARKER.search(text):
                continue
            claim = split_claims(text)[0][0]  # as the checker reads it: no list bullet
            return Gold(src, sent, hit, _reworded(claim, hit) if index % 2 else claim)
    return None


def _reworded(text: str, answer_key: str) -> str:
    """The sentence without its leading clause, when what is left still holds the answer."""
    parts = _COMMA.split(text, maxsplit=1)
    if len(parts) == 2 and answer_key in search_key(parts[1]) and len(parts[1]) >= MIN_CLAIM_CHARS:
        return parts[1]
    return text
