"""Chunk: display text -> sentences with section paths -> chunks under a token budget.

Sentences end at 。！？；… (full or half width) and any closing quotes or brackets right after;
a paragraph break always ends one. Headings (一、 / （一） / 1. / 一是 …) open sections; each
sentence carries its section path (`二、…面临的困境 > 三是缺乏领军企业和人才高地。`). Chunks pack
whole sentences up to `chunk_tokens` tokens (tiktoken cl100k_base), start afresh at each heading,
and repeat the last `overlap` sentence(s) of the previous chunk when they fit.

Why not LlamaIndex's `SentenceSplitter`: its sentence rules are English and it recovers node
offsets by searching the chunk text back in the document; citations here need exact offsets and
section paths for every sentence, which this module produces directly. A sentence longer than the
budget is cut at commas (or, failing that, by characters) so every chunk fits.
"""

from __future__ import annotations

import re

from rag.ingest.clean import HEADING
from rag.types import Chunk, Sentence, SourceDoc

_SENTENCE = re.compile(r".+?(?:[。！？!?；;]+|…+|$)[”’」』）)\]】]*", re.S)
_PARAGRAPH = re.compile(r"[^\n]+")
_COMMA = re.compile(r".+?(?:[，,、：:]|$)", re.S)
_LEVELS = [
    (re.compile(r"^#{1,6}\s"), 1),
    (re.compile(r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十\d]+[章节部分]|【)"), 1),
    (re.compile(r"^[(（][一二三四五六七八九十]+[)）]"), 2),
    (re.compile(r"^\d{1,2}\s*[.、．](?!\d)"), 3),
    (re.compile(r"^[一二三四五六七八九十]+是"), 4),
]
_LABEL_CHARS = 40


def count_tokens(text: str) -> int:
    """cl100k_base tokens, through LlamaIndex's tokenizer: it reads the encoding from the cache
    shipped inside llama-index-core (no download). A special token's text (`<|endoftext|>`)
    counts as the one token it is."""
    from llama_index.core.utils import get_tokenizer

    return len(get_tokenizer()(text))


def heading_level(paragraph: str) -> int:
    """0 for prose, else 1 (一、) .. 4 (一是)."""
    if not HEADING.match(paragraph):
        return 0
    return next((level for rule, level in _LEVELS if rule.match(paragraph)), 0)


def _label(paragraph: str) -> str:
    first = _SENTENCE.match(paragraph)
    label = (first.group(0) if first else paragraph).strip()
    return label if len(label) <= _LABEL_CHARS else label[:_LABEL_CHARS] + "…"


def _spans(pattern: re.Pattern[str], text: str, offset: int) -> list[tuple[int, int]]:
    """Non-blank matches of `pattern` as (start, end) with surrounding spaces trimmed."""
    spans = []
    for m in pattern.finditer(text):
        piece = m.group(0)
        if not piece.strip():
            continue
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        spans.append((offset + m.start() + lead, offset + m.end() - trail))
    return spans


def _fit(text: str, start: int, end: int, budget: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence at commas, else by characters, so each piece fits the budget."""
    if end - start <= budget // 4 or count_tokens(text[start:end]) <= budget:
        return [(start, end)]
    parts: list[tuple[int, int]] = []
    for s, e in _spans(_COMMA, text[start:end], start):
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
    """Every sentence of a display text with exact offsets and its section path."""
    sentences: list[Sentence] = []
    stack: list[tuple[int, str]] = []
    for p_start, p_end in _spans(_PARAGRAPH, text, 0):
        paragraph = text[p_start:p_end]
        level = heading_level(paragraph)
        if level:
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, _label(paragraph)))
        section = " > ".join(label for _, label in stack)
        for s, e in _spans(_SENTENCE, paragraph, p_start):
            sentences.extend(Sentence(a, b, section) for a, b in _fit(text, s, e, budget))
    return sentences


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
