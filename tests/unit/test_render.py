"""The page's HTML: text is always inert, quotes are marked where they are, exports carry what
a researcher needs to re-check an answer."""

from __future__ import annotations

import json

from rag.types import DocMeta, SourceDoc
from ui import render

DOC = SourceDoc(
    doc_id="d1",
    meta=DocMeta(title="报告<b>", date="2024-10-15", issuer="智库"),
    text="第一段。\n第二段<script>x</script>，营收2300亿元。后文。\n第三段。",
    sha="abc123def4567890",
)
START = DOC.text.index("营收")
END = START + len("营收2300亿元。")
CITATION = {
    "n": 1,
    "doc_id": "d1",
    "title": "报告<b>",
    "date": "2024-10-15",
    "quote": DOC.text[START:END],
    "start": START,
    "end": END,
    "section": "一、现状",
    "doc_sha": DOC.sha,
}
ANSWER = {
    "question": "营收多少？",
    "answer": "《报告》：营收2300亿元。[1]<img src=x>",
    "mode": "extractive",
    "citations": [CITATION],
    "claims": [{"text": "营收2300亿元。", "citations": [1], "verified": True, "reason": ""}],
    "index": {"id": "rag-0123456789ab"},
}


def test_answer_markers_become_clickable_and_text_stays_inert() -> None:
    out = render.answer_html(ANSWER["answer"])
    assert 'class="cite cite-1"' in out and "<img" not in out and "&lt;img src=x&gt;" in out


def test_the_quote_is_marked_inside_its_own_paragraph_only() -> None:
    out = render.paragraph_html(DOC.text, START, END)
    assert out.startswith("第二段&lt;script&gt;") and "<mark>营收2300亿元。</mark>" in out
    assert "第一段" not in out and "第三段" not in out


def test_the_sources_panel_shows_issuer_section_and_unverified_claims() -> None:
    answer = ANSWER | {
        "claims": [*ANSWER["claims"], {"text": "编的<i>", "citations": [], "verified": False}]
    }
    out = render.sources_html(answer, lambda doc_id: DOC)
    assert "智库" in out and "一、现状" in out and "报告&lt;b&gt;" in out
    assert "未核实" in out and "编的&lt;i&gt;" in out


def test_the_document_view_highlights_the_cited_characters() -> None:
    out = render.document_html(DOC, START, END)
    assert "<mark id='cited'>营收2300亿元。</mark>" in out and "&lt;script&gt;" in out


def test_exports_carry_quotes_offsets_ids_hashes_index_and_mode() -> None:
    record = json.loads(render.export_json(ANSWER))
    assert record["citations"][0]["doc_sha"] == DOC.sha and record["index"]["id"]
    assert record["mode"] == "extractive"
    md = render.export_markdown(ANSWER)
    assert f"字符 {START}–{END}" in md and DOC.sha in md and "> 营收2300亿元。" in md


def test_error_messages_lose_server_paths_but_keep_urls() -> None:
    from ui.render import public

    assert public("no index yet in /srv/rag/.data; run `rag ingest` first") == (
        "no index yet in …/.data; run `rag ingest` first"
    )
    url = "the LLM endpoint http://127.0.0.1:8011/v1 failed"
    assert public(url) == url
