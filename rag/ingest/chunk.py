"""Chunk: display text -> sentences with section paths -> chunks under a token budget.

Sentences and headings are `rag.text.sentences`'s. Chunks pack whole sentences up to
`chunk_tokens` tokens (tiktoken cl100k_base), start afresh at each heading, and repeat the last
`overlap` sentence(s) of the previous chunk when they fit.

Why not LlamaIndex's `SentenceSplitter`: its sentence rules are English and it recovers node
offsets by searching the chunk text back in the document; citations here need exact offsets and
section paths for every sentence, which this module produces directly. A sentence longer than the
budget is cut at commas (or, failing that, by characters) so every chunk fits.
"""

from __future__ import annotations

import re

from rag.text.sentences import heading_level, spans
from rag.text.sentences import split_sentences as sentences_of
from rag.types import Chunk, Sentence, SourceDoc

_COMMA = re.compile(r".+?(?:[，,、：:]|$)", re.S)


def count_tokens(text: str) -> int:
    """cl100k_base tokens, through LlamaIndex's tokenizer: it reads the encoding from the cache
    shipped inside llama-index-core (no download). A special token's text (`<|endoftext|>`)
    counts as the one token it is."""
    from llama_index.core.utils import get_tokenizer

    return len(get_tokenizer()(text))


def _fit(text: str, start: int, end: int, budget: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence at commas, else by characters, so each piece fits the budget."""
    if end - start <= budget // 4 or count_tokens(text[start:end]) <= budget:
        return [(start, end)]
    parts: list[tuple[int, int]] = []
    for s, e in spans(_COMMA, text[start:end], start):
        if count_tokens(text[s:e]) <= budget:
            parts.append((s, e))
            continue
        step = max(1, budget // 4)  # a character is at most 4 cl100k tokens (UTF-8 bytes)
        parts.extend((i, min(i + step, e)) for i in range(s, e, step))
    pieces: list[tuple[int, int]] = []  # greedily re-packed: as few pieces as fit
    for s, e in parts:
        if pieces and count_tokens(text[pieces[-1][0] : e]) <= budget:
            pieces[-1] = (pieces[-1][0], e)
        else:
            pieces.append((s, e))
    return pieces


def split_sentences(text: str, budget: int = 10**9) -> list[Sentence]:
    """Every sentence of a display text with exact offsets and its section path, a sentence
    longer than `budget` tokens cut into pieces that fit."""
    return [
        Sentence(a, b, s.section)
        for s in sentences_of(text)
        for a, b in _fit(text, s.start, s.end, budget)
    ]


def chunk_document(doc: SourceDoc, budget: int, overlap: int = 1) -> list[Chunk]:
    """Pack the document's sentences into chunks of at most `budget` tokens (exact count)."""
    text = doc.text

    def fits(group: list[Sentence], last: Sentence) -> bool:
        return count_tokens(text[group[0].start : last.end]) <= budget

    groups: list[list[Sentence]] = []
    current: list[Sentence] = []
    has_body = False  # a heading stays with the text under it, never alone in a chunk
    for sent in split_sentences(text, budget):
        opens_section = heading_level(text[sent.start :]) > 0 and (
            sent.start == 0 or text[sent.start - 1] == "\n"
        )
        if current and ((opens_section and has_body) or not fits(current, sent)):
            groups.append(current)
            carried = [] if opens_section or not overlap else current[-overlap:]
            current = [s for s in carried if s.section == sent.section]
            while current and not fits(current, sent):
                current.pop(0)
            has_body = False
        current.append(sent)
        has_body = has_body or not opens_section
    if current:
        groups.append(current)
    return [_make_chunk(doc, i, group) for i, group in enumerate(groups)]


def _make_chunk(doc: SourceDoc, index: int, sentences: list[Sentence]) -> Chunk:
    start, end = sentences[0].start, sentences[-1].end
    body = doc.text[start:end]
    return Chunk(
        chunk_id=f"{doc.doc_id}#{doc.sha[:8]}#{index:04d}",
        doc_id=doc.doc_id,
        start=start,
        end=end,
        text=body,
        section=sentences[0].section,
        sentences=tuple(sentences),
        tokens=count_tokens(body),
    )
