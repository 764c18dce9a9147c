"""The date and issuer a document states in its masthead or signature block."""

from __future__ import annotations

import pytest

from rag.ingest.masthead import stated_date, stated_issuer
from rag.ingest.readers import make_doc


@pytest.mark.parametrize(
    ("text", "date", "issuer"),
    [
        (
            "关于开展节水检查的通知\n2025年3月1日 某市工业和信息化局\n"
            "各区：请于本月完成检查，逐项上报。",
            "2025-03-01",
            "某市工业和信息化局",
        ),
        (
            "河畔城年度报告\n正文第一段。\n\n河畔城发展研究院\n二〇二四年十二月五日",
            "2024-12-05",
            "河畔城发展研究院",
        ),
        ("新闻 2023-7-5 新华社\n据报道，当天举行了活动。", "2023-07-05", "新华社"),
        ("河畔城报告\n发布：2024.10\n正文。", "2024-10", ""),
        ("2024年工作总结\n今年我们做了很多事情，成绩显著。", "", ""),  # a year it is about
        ("文章标题\n" + "很长的正文句子，" * 20 + "2021年3月5日发布。", "", ""),  # in a sentence
    ],
)
def test_a_documents_own_date_and_issuer_are_read_from_its_top_or_foot(
    text: str, date: str, issuer: str
) -> None:
    assert stated_date(text) == date
    assert stated_issuer(text) == issuer


def test_a_catalog_entry_wins_even_when_empty_and_detection_fills_the_rest() -> None:
    raw = "河畔城通知\n2025年3月1日 河畔城水务局\n请各单位做好准备工作。\n"
    detected = make_doc("notice", raw, {})
    assert (detected.meta.date, detected.meta.issuer) == ("2025-03-01", "河畔城水务局")
    given = make_doc("notice", raw, {"date": "2025-04", "issuer": ""})
    assert (given.meta.date, given.meta.issuer) == ("2025-04", "")
