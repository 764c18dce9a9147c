"""The documents of an engine's snapshot (`Documents`, one `rag.answer.documents.Document`
each) and the documents a question names, found by looking its substrings up in maps built once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from llama_index.core.schema import BaseNode

from rag.answer.documents import Document
from rag.ingest.keyindex import KeyIndex
from rag.ingest.lexical import TOPIC_SHARE
from rag.ingest.nodes import chunk_from_node
from rag.question.analysis import Query
from rag.question.words import forms
from rag.text.places import places_in
from rag.types import Chunk, SourceDoc

MIN_NAME = 3
"""Fewest characters of an issuer's name that name it in a question."""
_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=4096)
def naming_parts(name: str) -> frozenset[str]:
    """The parts of an issuer's name that name it in a question: three or more characters that
    are more than a place (`九三学社` of `市九三学社`, `发展研究中心` of `宁波市发展研究中心`;
    not `宁波市` alone)."""
    if any(c.isdigit() for c in name):
        return frozenset()
    out = set()
    for size in range(len(name), MIN_NAME - 1, -1):
        for i in range(len(name) - size + 1):
            part = name[i : i + size]
            bare = part
            for place in places_in(part):
                bare = bare.replace(place, "")
            if len(bare.strip("市省区县")) >= 2:
                out.add(part)
    return frozenset(out)


class Documents:
    """The documents of an engine's snapshot, as `Document`s, and those a question names: its
    title, most of the title's words, one of its issuer's or authors' names, or its number
    (`第27号提案`). Names are found by looking up the question's own substrings in maps built
    once from the titles, issuers and numbers: the cost grows with the question, not with the
    corpus."""

    def __init__(self, docs: Iterable[SourceDoc], keys: KeyIndex | None = None) -> None:
        """`keys`: the chunks' search keys; a part of an issuer's name that more than
        `TOPIC_SHARE` of the chunks hold is the corpus's topic, not a name (`人工智能` of
        `某市人工智能产业协会` in a knowledge base about AI)."""
        self.docs = [Document.of(d) for d in docs]
        self.by_id: Mapping[str, Document] = {d.doc_id: d for d in self.docs}
        common: dict[str, bool] = {}

        def topical(part: str) -> bool:
            if keys is None or not keys.n:
                return False
            if part not in common:
                common[part] = keys.count([part]) > TOPIC_SHARE * keys.n
            return common[part]

        self._titles: dict[str, set[int]] = {}
        self._parts: dict[str, set[int]] = {}
        self._numbers: dict[str, set[int]] = {}
        self._words: dict[str, set[int]] = {}
        self._sizes: list[int] = []
        for i, doc in enumerate(self.docs):
            if doc.title_key:
                self._titles.setdefault(doc.title_key, set()).add(i)
            for name in doc.names:
                for part in naming_parts(name):
                    if not topical(part):
                        self._parts.setdefault(part, set()).add(i)
            for n in doc.numbers:
                self._numbers.setdefault(n, set()).add(i)
            self._sizes.append(len(doc.title_words))
            if len(doc.title_words) >= 3:
                for w in doc.title_words:
                    self._words.setdefault(w, set()).add(i)
        self._longest = max((len(t) for t in [*self._titles, *self._parts]), default=0)
        self._position = {d.doc_id: i for i, d in enumerate(self.docs)}

    def get(self, doc_id: str) -> Document | None:
        return self.by_id.get(doc_id)

    def read(self, node: BaseNode) -> tuple[Chunk, Document] | None:
        """A retrieved node as the chunk it stores and its document; None when the document is
        not in this snapshot."""
        doc = self.by_id.get(node.ref_doc_id or "")
        if doc is None:
            return None
        return chunk_from_node(node.node_id, node.get_content(), node.metadata, doc.doc_id), doc

    def of(self, doc: SourceDoc) -> Document:
        """This snapshot's `Document` of `doc` (the same text), else one made for it."""
        known = self.by_id.get(doc.doc_id)
        if known is not None and (known is doc or known.sha == doc.sha):
            return known
        return Document.of(doc)

    def in_order(self, doc_ids: Iterable[str]) -> list[Document]:
        """These documents, in corpus order."""
        at = sorted(self._position[d] for d in doc_ids if d in self._position)
        return [self.docs[i] for i in at]

    def named(self, query: Query) -> set[str]:
        """Ids of the documents the question names."""
        found: set[int] = set()
        flat = "".join(query.key.split())
        for text, table, shortest in ((query.key, self._titles, 1), (flat, self._parts, MIN_NAME)):
            for i in range(len(text)):
                for j in range(i + shortest, min(len(text), i + self._longest) + 1):
                    found |= table.get(text[i:j], set())
        for m in _DIGITS.finditer(flat):
            run = m.group(0)
            if flat[m.end() : m.end() + 1] == "号":
                for k in range(len(run)):
                    found |= self._numbers.get(run[k:], set())
            if flat[m.start() - 1 : m.start()] == "第" and flat[m.end() : m.end() + 1] == "期":
                found |= self._numbers.get(run, set())
        asked = {f for t in query.terms for f in forms(t)}
        shared: dict[int, int] = {}
        for word in asked:
            for i in self._words.get(word, ()):
                shared[i] = shared.get(i, 0) + 1
        found |= {i for i, n in shared.items() if n >= 0.7 * self._sizes[i]}
        return {self.docs[i].doc_id for i in found}
