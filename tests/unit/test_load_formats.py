""".docx and text PDFs: paragraphs reach the cleaner, Chinese stays intact, and every damaged,
protected or scanned file is refused with a one-line reason (never a traceback)."""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter

from rag.ingest import readers as load
from rag.ingest.readers import read_corpus

TITLE = "苏州人工智能产业报告"
FACT = "2024年，苏州市人工智能产业实现营收超2300亿元。"
TRADITIONAL = "蘇州市產業發展規模持續擴大。"
PDF_LINES = ["Suzhou AI report", "In 2024 the AI industry earned 230 billion yuan."]


def docx_bytes(*paragraphs: str, table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    document.add_heading(paragraphs[0], level=1)
    for text in paragraphs[1:]:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_bytes(*pages: list[str], drawing: str = "") -> bytes:
    """A minimal valid PDF whose pages show their lines in Helvetica (ASCII only; Chinese PDFs
    come from `chinese_pdf_bytes`). `drawing`: operators drawn on every page instead of text."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "", "<< /Type /Font /Subtype /Type1 "]
    objects[2] += "/BaseFont /Helvetica >>"
    kids = []
    for lines in pages:
        shown = [f"({line}) Tj T*" for line in lines]
        stream = drawing or "\n".join(["BT", "/F1 12 Tf", "14 TL", "72 720 Td", *shown, "ET"])
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        objects.append(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font"
            f" << /F1 3 0 R >> >> /Contents {len(objects)} 0 R >>"
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("ascii")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += b"".join(f"{offset:010d} 00000 n \n".encode("ascii") for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode("ascii")
    out += f"startxref\n{xref}\n%%EOF\n".encode("ascii")
    return bytes(out)


def cjk_font() -> str | None:
    """A system font with Chinese glyphs (matplotlib's LastResort only draws placeholders)."""
    from matplotlib import font_manager, ft2font

    for entry in font_manager.fontManager.ttflist:
        if "LastResort" in entry.fname:
            continue
        try:
            if ft2font.FT2Font(entry.fname).get_char_index(ord("苏")):
                return str(entry.fname)
        except (OSError, RuntimeError):
            continue
    return None


def chinese_pdf_bytes(*pages: list[str]) -> bytes:
    """A PDF with a Chinese text layer, drawn by matplotlib (a dependency) with a system CJK
    font embedded as TrueType: the way office software writes Chinese PDFs."""
    import matplotlib as mpl
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    font = cjk_font()
    # .ci/run installs fonts-wqy-zenhei; a machine without a CJK font fails here, never skips
    assert font is not None, "no system font with Chinese glyphs: apt-get install fonts-wqy-zenhei"
    out = io.BytesIO()
    with mpl.rc_context({"pdf.fonttype": 42}), PdfPages(out) as pdf:
        for lines in pages:
            figure = Figure(figsize=(8.27, 11.69))
            for i, line in enumerate(lines):
                figure.text(0.1, 0.9 - 0.04 * i, line, fontproperties=FontProperties(fname=font))
            pdf.savefig(figure)
    return out.getvalue()


def encrypted(data: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password, owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def read_one(folder: Path, name: str, data: bytes):
    (folder / name).write_bytes(data)
    docs, rejected = read_corpus([folder / name])
    return (docs[0] if docs else None), (rejected[0].reason if rejected else "")


# ------------------------------------------------------------------------------------------ .docx


def test_docx_paragraphs_become_display_paragraphs_with_chinese_intact(tmp_path: Path) -> None:
    doc, reason = read_one(tmp_path, "report.docx", docx_bytes(TITLE, FACT, TRADITIONAL))
    assert not reason
    assert doc.text == f"{TITLE}\n\n{FACT}\n\n{TRADITIONAL}"
    assert (doc.doc_id, doc.meta.title) == ("report", TITLE)


def test_docx_quote_offsets_point_into_the_display_text(tmp_path: Path) -> None:
    doc, _ = read_one(tmp_path, "report.docx", docx_bytes(TITLE, FACT))
    start = doc.text.index("2300亿元")
    assert doc.text[start : start + len("2300亿元")] == "2300亿元"


def test_docx_table_rows_are_paragraphs_in_document_order(tmp_path: Path) -> None:
    table = [["指标", "2023年", "2024年"], ["企业数", "1000家", "1200家"]]
    doc, _ = read_one(tmp_path, "t.docx", docx_bytes(TITLE, FACT, table=table))
    assert doc.text.split("\n\n") == [
        TITLE,
        FACT,
        "指标 | 2023年 | 2024年",
        "企业数 | 1000家 | 1200家",
    ]


def test_docx_merged_cell_is_read_once(tmp_path: Path) -> None:
    document = docx.Document()
    grid = document.add_table(rows=1, cols=3)
    merged = grid.cell(0, 0).merge(grid.cell(0, 1))
    merged.text = "合并单元格"
    grid.cell(0, 2).text = "右侧"
    out = io.BytesIO()
    document.save(out)
    doc, _ = read_one(tmp_path, "merged.docx", out.getvalue())
    assert doc.text == "合并单元格 | 右侧"


def test_docx_script_is_detected_without_a_catalog(tmp_path: Path) -> None:
    doc, _ = read_one(tmp_path, "trad.docx", docx_bytes("蘇州報告", TRADITIONAL * 3))
    assert doc.meta.script == "繁"


# -------------------------------------------------------------------------------------------- PDF


def test_pdf_text_layer_is_read_and_page_numbers_dropped(tmp_path: Path) -> None:
    data = pdf_bytes([*PDF_LINES, "- 1 -"], ["Second page text.", "2"])
    doc, reason = read_one(tmp_path, "report.pdf", data)
    assert not reason
    assert doc.text == f"{PDF_LINES[0]}\n\n{PDF_LINES[1]}\n\nSecond page text."
    assert doc.meta.title == "Suzhou AI report"


def test_chinese_pdf_text_layer_is_read_intact(tmp_path: Path) -> None:
    data = chinese_pdf_bytes([TITLE, FACT, "- 1 -"], [TRADITIONAL, "第 2 页 共 2 页"])
    doc, reason = read_one(tmp_path, "chinese.pdf", data)
    assert not reason
    assert doc.text == f"{TITLE}\n\n{FACT}\n\n{TRADITIONAL}"
    assert doc.meta.title == TITLE


def test_pdf_with_only_an_owner_password_is_read(tmp_path: Path) -> None:
    doc, reason = read_one(tmp_path, "locked.pdf", encrypted(pdf_bytes(PDF_LINES), ""))
    assert not reason
    assert PDF_LINES[1] in doc.text


def test_pdf_with_a_wrong_xref_pointer_is_repaired_quietly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = pdf_bytes(PDF_LINES)
    pointer = data.rindex(b"startxref\n") + len(b"startxref\n")
    offset = int(data[pointer:].split(b"\n", 1)[0])
    repairable = data[:pointer] + f"{offset + 3}\n%%EOF\n".encode()
    with caplog.at_level(logging.DEBUG):
        doc, reason = read_one(tmp_path, "moved.pdf", repairable)
    assert not reason and PDF_LINES[1] in doc.text
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]  # no log noise


# --------------------------------------------------------------------------------------- refusals

DAMAGED_ZIP = io.BytesIO()
with zipfile.ZipFile(DAMAGED_ZIP, "w") as _archive:
    _archive.writestr("word/document.xml", "<not-closed")

REFUSED = {
    "scan.pdf": (pdf_bytes(["x"], drawing="0 0 612 792 re f"), "no text layer (scanned PDF?)"),
    "blank.pdf": (pdf_bytes([]), "no text layer"),
    "header-only.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "not a readable PDF"),
    "cut.pdf": (pdf_bytes(PDF_LINES)[:150], "not a readable PDF"),
    "empty.pdf": (b"", "not a readable PDF"),
    "secret.pdf": (encrypted(pdf_bytes(PDF_LINES), "secret"), "password-protected PDF"),
    "zip-header.docx": (b"PK\x03\x04\x14\x00\x06\x00", "not a readable .docx"),
    "not-word.docx": (DAMAGED_ZIP.getvalue(), "not a readable .docx"),
    "text.docx": ("苏州".encode() * 10, "not a readable .docx"),
    "protected.docx": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "password-protected"),
    "cut.docx": (docx_bytes(TITLE, FACT)[:2000], "not a readable .docx"),
    "empty.docx": (docx_bytes(" ", "\u3000"), "no text left"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_bad_file_is_refused_with_a_one_line_reason(tmp_path: Path, name: str) -> None:
    data, expected = REFUSED[name]
    doc, reason = read_one(tmp_path, name, data)
    assert doc is None
    assert expected in reason
    assert "\n" not in reason and "Traceback" not in reason


def test_docx_that_unpacks_too_large_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load, "MAX_UNZIPPED_BYTES", 1000)
    _, reason = read_one(tmp_path, "big.docx", docx_bytes(TITLE, FACT * 100))
    assert "unpacks to more than" in reason


def test_size_limit_applies_to_every_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load, "MAX_FILE_BYTES", 100)
    for name, data in [("a.pdf", pdf_bytes(PDF_LINES)), ("b.docx", docx_bytes(TITLE, FACT))]:
        assert "larger than" in read_one(tmp_path, name, data)[1]


def test_one_bad_document_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "word.docx").write_bytes(docx_bytes(TITLE, FACT))
    (tmp_path / "text.pdf").write_bytes(pdf_bytes(PDF_LINES))
    (tmp_path / "scan.pdf").write_bytes(REFUSED["scan.pdf"][0])
    (tmp_path / "bad.docx").write_bytes(b"PK\x03\x04")
    docs, rejected = read_corpus([tmp_path])
    assert sorted(d.doc_id for d in docs) == ["text", "word"]
    assert sorted(Path(r.path).name for r in rejected) == ["bad.docx", "scan.pdf"]


def test_same_name_in_two_formats_is_one_document_id(tmp_path: Path) -> None:
    (tmp_path / "report.docx").write_bytes(docx_bytes(TITLE, FACT))
    (tmp_path / "report.pdf").write_bytes(pdf_bytes(PDF_LINES))
    docs, rejected = read_corpus([tmp_path])
    assert [d.doc_id for d in docs] == ["report"]
    assert [r.reason for r in rejected] == ["duplicate document id 'report'"]
