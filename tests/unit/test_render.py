"""The page's HTML: text is always inert, quotes are marked where they are, exports carry what
a researcher needs to re-check an answer."""

from __future__ import annotations

import json

from rag.types import DocMeta, SourceDoc
from ui import cards, exported, render

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


def test_answer_markers_become_chips_previewing_their_quote_and_text_stays_inert() -> None:
    out = render.answer_html(ANSWER, 0)
    assert 'class="cite cite-1"' in out and "<img" not in out and "&lt;img src=x&gt;" in out
    assert 'title="《报告&lt;b&gt;》（2024-10-15）：营收2300亿元。"' in out  # the hover preview
    assert "class='turn turn-0'" in out


def test_the_direct_answer_comes_first_with_its_sources_date_and_is_shown_once() -> None:
    answer = ANSWER | {
        "answer": "2300亿元[1]\n《报告》：营收2300亿元。[1]",
        "short": {"text": "2300亿元", "n": 1, "start": START + 2, "end": END - 1},
    }
    out = render.answer_html(answer, 3)
    direct, quotes = out.split("<div class='quotes'>")
    assert "<b>2300亿元</b>" in direct and "据《报告&lt;b&gt;》（2024-10-15）" in direct
    assert "2300亿元<span" not in quotes and "营收2300亿元。" in quotes


def test_parts_answered_side_by_side_are_shown_each_with_its_label_and_chip_once() -> None:
    second = CITATION | {"n": 2, "doc_id": "d2", "date": "2023-01-01"}
    answer = ANSWER | {
        "answer": "甲区：2300亿元[1]；乙区：2300亿元[2]\n《报告》：营收2300亿元。[1]",
        "citations": [CITATION, second],
        "short": {
            "text": "2300亿元；2300亿元",
            "n": 1,
            "start": START + 2,
            "end": END - 1,
            "parts": [
                {"label": "甲区", "text": "2300亿元", "n": 1, "start": START + 2, "end": END - 1},
                {"label": "乙区", "text": "2300亿元", "n": 2, "start": START + 2, "end": END - 1},
            ],
        },
    }
    direct, quotes = render.answer_html(answer, 0).split("<div class='quotes'>")
    assert direct.count("<b>2300亿元</b>") == 2 and "甲区：" in direct and "乙区：" in direct
    assert 'class="cite cite-1"' in direct and 'class="cite cite-2"' in direct
    assert "据" not in direct  # two sources: each quote below carries its own date
    assert "甲区" not in quotes  # the opening line is not shown again


def test_a_follow_up_says_how_it_was_read() -> None:
    out = render.answer_html(ANSWER | {"standalone": "河畔城营收多少？"}, 1)
    assert "按此理解：河畔城营收多少？" in out


def test_a_stopped_answer_keeps_what_it_wrote_and_says_so() -> None:
    assert render.stopped_html(render.writing_html("营收<b>")) == (
        "营收&lt;b&gt;<br><span class='stopped'>（已停止）</span>"
    )
    assert render.writing_html("") == "<span class='searching'>正在检索…</span>"


def test_the_quote_is_marked_inside_its_own_paragraph_only() -> None:
    out = cards.paragraph_html(DOC.text, START, END)
    assert out.startswith("第二段&lt;script&gt;") and "<mark>营收2300亿元。</mark>" in out
    assert "第一段" not in out and "第三段" not in out


def test_the_sources_panel_shows_issuer_section_and_unverified_claims() -> None:
    answer = ANSWER | {
        "claims": [*ANSWER["claims"], {"text": "编的<i>", "citations": [], "verified": False}]
    }
    out = cards.sources_html(answer, lambda doc_id: DOC)
    assert "智库" in out and "一、现状" in out and "报告&lt;b&gt;" in out
    assert "未核实" in out and "编的&lt;i&gt;" in out
    plain, details = out.split("<details class='more'>")
    assert "d1" not in plain and DOC.sha not in plain and "个字符" not in plain  # no jargon
    assert "d1" in details and DOC.sha in details and f"第 {START}–{END} 个字符" in details


def test_the_figures_table_lists_each_dated_value_newest_first() -> None:
    older = CITATION | {"n": 2, "date": "2023-05", "title": "旧报告"}
    out = cards.figures_html([(older, "2000亿元"), (CITATION, "2300亿元")])
    assert out.index("2024-10-15") < out.index("2023-05")
    assert "<td>2300亿元</td>" in out and "<td>2000亿元</td>" in out
    assert cards.figures_html([]) == ""


def test_the_document_view_highlights_the_cited_characters() -> None:
    out = cards.document_html(DOC, START, END)
    assert "<mark id='cited'>营收2300亿元。</mark>" in out and "&lt;script&gt;" in out


def test_exports_carry_quotes_offsets_ids_hashes_index_mode_and_what_offsets_count() -> None:
    record = json.loads(exported.export_json(ANSWER))
    assert record["citations"][0]["doc_sha"] == DOC.sha and record["index"]["id"]
    assert record["mode"] == "extractive" and "rag show" in record["offsets"]
    md = exported.export_markdown(ANSWER)
    assert f"字符 {START}–{END}" in md and DOC.sha in md and "> 营收2300亿元。" in md
    assert "显示文本" in md and "rag show" in md


def test_the_conversation_exports_every_turn_in_order() -> None:
    refused = {"question": "河畔城有几座桥？", "answer": "文档中没有找到这个问题的答案。"}
    turns = [ANSWER, refused | {"mode": "extractive", "citations": []}]
    record = json.loads(exported.conversation_json(turns))
    assert [t["question"] for t in record["turns"]] == ["营收多少？", "河畔城有几座桥？"]
    md = exported.conversation_markdown(turns)
    assert md.index("## 营收多少？") < md.index("## 河畔城有几座桥？") and "rag show" in md


def test_error_messages_lose_server_paths_but_keep_urls() -> None:
    from ui.render import public

    assert public("no index yet in /srv/rag/.data; run `rag ingest` first") == (
        "no index yet in …/.data; run `rag ingest` first"
    )
    url = "the LLM endpoint http://127.0.0.1:8011/v1 failed"
    assert public(url) == url


def test_a_quotes_relative_times_are_made_absolute_beside_it() -> None:
    c = CITATION | {"quote": "去年营收2000亿元，今年上半年实现产值1146亿元。"}
    out = cards.times_html(c)
    assert "去年 = 2023年" in out and "今年上半年 = 2024年上半年" in out
    assert cards.times_html(CITATION | {"quote": "2024年营收2300亿元。"}) == ""
    assert cards.times_html(c | {"date": "2024"}) == ""  # a year alone: not resolved, no error
    assert cards.times_html(c | {"date": "二〇二四年"}) == ""
