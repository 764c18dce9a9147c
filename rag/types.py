"""Boundary types: what each stage hands the next.

All are small frozen dataclasses so a stage cannot mutate what it was given. Offsets (`start`,
`end`) are always character offsets into a document's *display text* (`SourceDoc.text`), the
text `rag show DOC_ID` prints: `doc.text[start:end]` is the exact quote.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class DocMeta:
    """Catalog metadata of a document, read from its text by a person or derived from the file."""

    title: str
    """Document title (catalog, else first line of the text, else the file name)."""
    date: str = ""
    """Publication date as precise as the text allows: `2024-10-15`, `2025-02` or `2025`."""
    issuer: str = ""
    """Issuing body or authors."""
    kind: str = ""
    """Kind of document: 智库报告, 提案, 文章, 论文 ..."""
    script: str = ""
    """`简` (Simplified) or `繁` (Traditional); detected from the text if the catalog is silent."""
    note: str = ""
    """Free remark from the catalog (how the date was inferred, where the text came from)."""


@dataclass(frozen=True)
class SourceDoc:
    """A cleaned document, ready to chunk."""

    doc_id: str
    """Stable id: the file name without extension."""
    meta: DocMeta
    text: str
    """Display text: faithful to the source, in its own script, chrome and glosses removed."""
    sha: str
    """Content hash of display text and metadata: decides what re-ingest must redo."""
    source: str = ""
    """Absolute path of the file it was read from."""


@dataclass(frozen=True)
class Sentence:
    """One sentence of a display text."""

    start: int
    end: int
    section: str
    """Section path, e.g. `二、…面临的困境 > 三是缺乏领军企业和人才高地。`."""


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences packed under a token budget; the unit that is embedded."""

    chunk_id: str
    doc_id: str
    start: int
    end: int
    text: str
    """`doc.text[start:end]`."""
    section: str
    sentences: tuple[Sentence, ...]
    tokens: int
    """cl100k_base token count of `text`."""
    vectors: Any = field(default=None, compare=False, repr=False)
    """Its sentences' vectors (a float32 matrix, a row per sentence) when the embedder is a
    model; None with the hashed embedder."""


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk, as ranked by the fused retriever (what the eval's hit@k reads)."""

    rank: int
    """1 for the best."""
    chunk_id: str
    doc_id: str
    start: int
    """The chunk's offsets in its document's display text."""
    end: int
    score: float


@dataclass(frozen=True)
class Citation:
    """A verbatim quote backing one answer sentence."""

    n: int
    """Marker number: the answer shows `[n]`."""
    doc_id: str
    title: str
    date: str
    quote: str
    """Exactly `text_of(doc_id)[start:end]`."""
    start: int
    end: int
    section: str = ""
    doc_sha: str = ""


@dataclass(frozen=True)
class ShortPart:
    """The short answer to one of several parts asked side by side (`开始和结束时间`)."""

    label: str
    """The part asked, as the question words it, in its script (`开始`, `2021年`)."""
    text: str
    """As `ShortAnswer.text`: the span as written (a relative date with its absolute form)."""
    n: int
    start: int
    end: int


@dataclass(frozen=True)
class ShortAnswer:
    """The few words that answer a question, taken from one of the answer's quotes."""

    text: str
    """As shown: the span as written, a relative date followed by its absolute form
    (`去年（2023年）`); of several parts, their spans joined by `；`."""
    n: int
    """The `Citation.n` of the quote it was taken from (of several parts, the first's)."""
    start: int
    """Offsets of the verbatim span in that quote's document (`text` starts with it)."""
    end: int
    parts: tuple[ShortPart, ...] = ()
    """Of a question asking several things side by side (`开始和结束时间分别是`, `2021年和2022年
    的产量`), one span per part a quote answers, in the question's order; empty otherwise."""


@dataclass(frozen=True)
class Claim:
    """One sentence of an answer and whether its cited sources were found to support it."""

    text: str
    """The sentence as shown, without its markers."""
    citations: tuple[int, ...]
    """The `Citation.n` of each quote that supports it (none when unverified)."""
    verified: bool
    """Every figure and most of the wording were found in a cited source sentence."""
    reason: str = ""
    """Why it is not verified: `no_source`, `bad_marker`, `figure_not_in_source:…`, …"""


@dataclass(frozen=True)
class Synthesis:
    """What an answerer (`rag.answer.Synthesizer`) makes of the retrieved chunks: the answer
    text with its markers, and what backs it. `ask` adds the question, timings and hits."""

    text: str
    citations: tuple[Citation, ...] = ()
    claims: tuple[Claim, ...] = ()
    answerable: bool = False
    short: ShortAnswer | None = None
    notice: str = ""
    """Why the answer is not what the mode would give; empty when nothing went wrong."""


@dataclass(frozen=True)
class Answer:
    """What `ask` returns; `to_dict()` is the JSON contract of `rag ask --json`."""

    question: str
    answer: str
    answerable: bool
    mode: str
    citations: tuple[Citation, ...]
    index: dict[str, Any]
    timings_ms: dict[str, float] = field(default_factory=dict)
    hits: tuple[Hit, ...] = ()
    """The retrieved chunks, best first (in the JSON only when asked for)."""
    standalone: str = ""
    """A follow-up question rewritten with what it refers to (`那上海呢？` after a question on
    苏州 -> the same question on 上海); empty when the question stood alone."""
    claims: tuple[Claim, ...] = ()
    """The answer's sentences, each with the quotes that support it and its check."""
    notice: str = ""
    """Why the answer is not what the mode would give (`the LLM endpoint … timed out …; the
    extractive answer is shown`); empty when nothing went wrong."""
    short: ShortAnswer | None = None
    """The span of the best quote that answers the question (`378家`), shown first; None
    when no span of the kind asked can be taken."""

    def to_dict(self, hits: bool = False) -> dict[str, Any]:
        out = {
            "question": self.question,
            "answer": self.answer,
            "answerable": self.answerable,
            "mode": self.mode,
            "citations": [asdict(c) for c in self.citations],
            "index": dict(self.index),
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "claims": [asdict(c) for c in self.claims],
            "short": asdict(self.short) if self.short else None,
        }
        if self.notice:
            out["notice"] = self.notice
        if self.standalone:
            out["standalone"] = self.standalone
        if hits:
            out["hits"] = [asdict(h) for h in self.hits]
        return out
