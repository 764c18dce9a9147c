"""Chunking: sentences with exact offsets and section paths, packed into chunks under a budget."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rag.ingest.chunk import chunk_document, count_tokens, split_sentences
from rag.ingest.clean import display_text
from rag.types import Chunk, DocMeta, SourceDoc
from tests.conftest import SEED_IDS, chinese_text

BUDGETS = (16, 64, 160)


def doc_of(text: str, doc_id: str = "doc") -> SourceDoc:
    return SourceDoc(doc_id=doc_id, meta=DocMeta(title="t"), text=text, sha="0123456789abcdef")


def covered(chunks: list[Chunk]) -> set[int]:
    return {i for c in chunks for s in c.sentences for i in range(s.start, s.end)}


def display_texts() -> st.SearchStrategy[str]:
    """Generated Chinese text after cleaning: what the chunker is given in the product."""
    return chinese_text(max_pieces=60).map(display_text)


# --------------------------------------------------------------------------- generated text


@given(display_texts(), st.sampled_from(BUDGETS), st.integers(0, 2))
def test_every_chunk_fits_the_budget(text: str, budget: int, overlap: int) -> None:
    for chunk in chunk_document(doc_of(text), budget, overlap):
        assert count_tokens(chunk.text) <= budget, chunk


@given(display_texts(), st.sampled_from(BUDGETS), st.integers(0, 2))
def test_chunks_cover_every_character_but_whitespace(text: str, budget: int, overlap: int) -> None:
    chunks = chunk_document(doc_of(text), budget, overlap)
    seen = covered(chunks)
    assert [i for i, ch in enumerate(text) if not ch.isspace() and i not in seen] == []


@given(display_texts(), st.sampled_from(BUDGETS), st.integers(0, 2))
def test_chunks_hold_every_sentence(text: str, budget: int, overlap: int) -> None:
    chunks = chunk_document(doc_of(text), budget, overlap)
    in_chunks = {(s.start, s.end) for c in chunks for s in c.sentences}
    assert {(s.start, s.end) for s in split_sentences(text, budget)} == in_chunks


@given(display_texts(), st.sampled_from(BUDGETS))
def test_chunk_text_is_the_exact_slice(text: str, budget: int) -> None:
    for chunk in chunk_document(doc_of(text), budget):
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.start == chunk.sentences[0].start
        assert chunk.end == chunk.sentences[-1].end


@given(display_texts())
def test_sentences_are_trimmed_ordered_and_disjoint(text: str) -> None:
    previous_end = 0
    for s in split_sentences(text):
        piece = text[s.start : s.end]
        assert piece and piece == piece.strip()
        assert s.start >= previous_end
        previous_end = s.end


@given(display_texts())
def test_sentences_never_cross_a_paragraph_break(text: str) -> None:
    for s in split_sentences(text):
        assert "\n" not in text[s.start : s.end]


@given(st.text(alphabet="蘇產業鏈書億鑰鑽齣", min_size=1, max_size=200), st.sampled_from(BUDGETS))
def test_a_run_of_rare_traditional_characters_fits_the_budget(text: str, budget: int) -> None:
    # No punctuation to cut at: the character fallback must still respect the budget, although
    # some of these characters take 3 cl100k tokens each.
    for chunk in chunk_document(doc_of(text), budget):
        assert chunk.tokens <= budget, chunk


# ---------------------------------------------------------------------------------- the seeds


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("doc_id", SEED_IDS)
def test_seed_chunks_fit_the_budget(seed_docs, doc_id: str, budget: int) -> None:
    over = [
        (c.chunk_id, c.tokens)
        for c in chunk_document(seed_docs[doc_id], budget)
        if count_tokens(c.text) > budget
    ]
    assert over == []


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("doc_id", SEED_IDS)
def test_seed_chunks_cover_the_text(seed_docs, doc_id: str, budget: int) -> None:
    text = seed_docs[doc_id].text
    seen = covered(chunk_document(seed_docs[doc_id], budget))
    assert [i for i, ch in enumerate(text) if not ch.isspace() and i not in seen] == []


@pytest.mark.parametrize("doc_id", SEED_IDS)
def test_seed_chunk_texts_are_exact_slices(seed_docs, doc_id: str) -> None:
    doc = seed_docs[doc_id]
    for chunk in chunk_document(doc, 160):
        assert chunk.text == doc.text[chunk.start : chunk.end]
        assert chunk.tokens == count_tokens(chunk.text)
        for s in chunk.sentences:
            assert chunk.start <= s.start < s.end <= chunk.end


def test_chunk_ids_are_deterministic(seed_docs) -> None:
    doc = seed_docs["000_c6996910d4f2c89e"]
    first = [c.chunk_id for c in chunk_document(doc, 160)]
    assert first == [c.chunk_id for c in chunk_document(doc, 160)]
    assert len(set(first)) == len(first)


def test_chunk_id_carries_document_id_hash_and_position(seed_docs) -> None:
    doc = seed_docs["000_c6996910d4f2c89e"]
    chunks = chunk_document(doc, 160)
    assert chunks[0].chunk_id == f"{doc.doc_id}#{doc.sha[:8]}#0000"
    assert chunks[1].chunk_id == f"{doc.doc_id}#{doc.sha[:8]}#0001"


def test_chunk_ids_change_when_the_document_changes(seed_docs) -> None:
    doc = seed_docs["000_c6996910d4f2c89e"]
    changed = SourceDoc(doc.doc_id, doc.meta, doc.text, "f" * 64)
    old = {c.chunk_id for c in chunk_document(doc, 160)}
    assert old.isdisjoint(c.chunk_id for c in chunk_document(changed, 160))


# ----------------------------------------------------------------------------- tiny sentences


def test_sentences_end_at_full_and_half_width_marks() -> None:
    text = "第一句。第二句！第三句?第四句；第五句"
    assert [text[s.start : s.end] for s in split_sentences(text)] == [
        "第一句。",
        "第二句！",
        "第三句?",
        "第四句；",
        "第五句",
    ]


def test_closing_quote_stays_with_its_sentence() -> None:
    text = "他说：“要打造智造之城。”然后离开。"
    assert [text[s.start : s.end] for s in split_sentences(text)] == [
        "他说：“要打造智造之城。”",
        "然后离开。",
    ]


def test_no_sentence_ends_inside_a_title_or_a_parenthesis() -> None:
    text = (
        "《你好！李焕英》是一部电影。组合（包括甲队及Go! Go! Team）发行唱片。"
        "主句。（注：见附表。）"
    )
    assert [text[s.start : s.end] for s in split_sentences(text)] == [
        "《你好！李焕英》是一部电影。",
        "组合（包括甲队及Go! Go! Team）发行唱片。",
        "主句。",
        "（注：见附表。）",
    ]


def test_a_bracket_never_closed_does_not_join_its_line() -> None:
    text = "括号没有闭合（第一句。" + "后文很长" * 30 + "。"
    assert len(split_sentences(text)) == 2


def test_paragraph_break_ends_a_sentence() -> None:
    text = "没有句号的标题\n\n正文一句。"
    assert [(s.start, s.end) for s in split_sentences(text)] == [(0, 7), (9, 14)]


def test_sentence_offsets_skip_surrounding_spaces() -> None:
    text = "  第一句。  第二句。"
    assert [text[s.start : s.end] for s in split_sentences(text)] == ["第一句。", "第二句。"]


def test_over_long_sentence_is_cut_at_commas() -> None:
    text = "，".join(["苏州人工智能产业规模不断扩大"] * 12) + "。"
    pieces = [text[s.start : s.end] for s in split_sentences(text, budget=40)]
    assert len(pieces) > 1
    assert "".join(pieces) == text
    assert all(count_tokens(p) <= 40 for p in pieces)


# ------------------------------------------------------------------------------ section paths


def test_seed_000_sentence_carries_its_section_path(seed_docs) -> None:
    doc = seed_docs["000_c6996910d4f2c89e"]
    sentence = next(
        s for s in split_sentences(doc.text) if doc.text[s.start :].startswith("苏州拥有 2000 多家")
    )
    assert "二、苏州市人工智能产业发展面临的困境" in sentence.section
    assert "三是缺乏领军企业和人才高地" in sentence.section
    assert sentence.section.index("二、") < sentence.section.index("三是")


def test_seed_000_chunk_section_is_its_first_sentence_section(seed_docs) -> None:
    doc = seed_docs["000_c6996910d4f2c89e"]
    for chunk in chunk_document(doc, 160):
        assert chunk.section == chunk.sentences[0].section


def test_sibling_heading_replaces_the_previous_one() -> None:
    text = "一、现状\n\n正文一。\n\n二、困境\n\n正文二。"
    sections = {text[s.start : s.end]: s.section for s in split_sentences(text)}
    assert sections["正文一。"] == "一、现状"
    assert sections["正文二。"] == "二、困境"


def test_sub_heading_nests_under_its_heading() -> None:
    text = "一、现状\n\n（一）政策\n\n正文。\n\n（二）规模\n\n正文二。"
    sections = {text[s.start : s.end]: s.section for s in split_sentences(text)}
    assert sections["正文。"] == "一、现状 > （一）政策"
    assert sections["正文二。"] == "一、现状 > （二）规模"


def test_a_new_section_starts_a_new_chunk() -> None:
    text = "一、现状\n\n苏州规模大。\n\n二、困境\n\n人才不足。"
    chunks = chunk_document(doc_of(text), 160)
    assert [c.text for c in chunks] == ["一、现状\n\n苏州规模大。", "二、困境\n\n人才不足。"]


def test_overlap_repeats_the_last_sentence_of_the_previous_chunk() -> None:
    text = "".join(f"第{n}句话说苏州人工智能产业。" for n in "一二三四五六七八")
    chunks = chunk_document(doc_of(text), 40, overlap=1)
    assert len(chunks) > 1
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert after.sentences[0] == before.sentences[-1]


def test_no_overlap_means_disjoint_chunks() -> None:
    text = "".join(f"第{n}句话说苏州人工智能产业。" for n in "一二三四五六七八")
    chunks = chunk_document(doc_of(text), 40, overlap=0)
    assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:], strict=False))
