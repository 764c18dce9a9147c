"""Loading: decoding, refusals with a reason, catalog metadata, fallbacks without a catalog."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rag.errors import UserError
from rag.ingest.readers import decode, make_doc, read_corpus
from rag.text.script import detect_script
from tests.conftest import SEEDS

TEXT = "苏州人工智能报告\n2024年，苏州市人工智能产业实现营收超2300亿元。"
DOC_003 = "003_3d025acabf282a01"


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def reasons(folder: Path) -> dict[str, str]:
    _, rejected = read_corpus([folder])
    return {Path(r.path).name: r.reason for r in rejected}


# ------------------------------------------------------------------------------------- decoding


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        TEXT.encode("gb18030"),
        TEXT.encode("utf-16"),
        TEXT.encode("utf-16-be").join([b"\xfe\xff", b""]),
    ],
    ids=["utf-8", "utf-8-bom", "gb18030", "utf-16-le-bom", "utf-16-be-bom"],
)
def test_decode_reads_every_supported_encoding(data: bytes) -> None:
    assert decode(data) == TEXT


TRADITIONAL = "蘇州人工智慧報告\n2024年，蘇州市人工智慧產業實現營收超2300億元。"


@pytest.mark.parametrize("text", [TRADITIONAL, TRADITIONAL[:8], TRADITIONAL * 20])
def test_big5_text_is_read_as_big5_not_as_gb18030_mojibake(text: str) -> None:
    assert decode(text.encode("big5")) == text


@pytest.mark.parametrize("text", [TEXT, TEXT[:6], TEXT * 20])
def test_gb18030_text_that_is_also_valid_big5_is_read_as_gb18030(text: str) -> None:
    assert decode(text.encode("gb18030")) == text


@pytest.mark.parametrize(
    "data",
    [
        ("東京都の人工知能産業は二〇二四年に大きく成長しています。" * 3).encode("shift_jis"),
        ("Сучжоу - город в Китае, центр искусственного интеллекта." * 3).encode("koi8-r"),
        "Crème brûlée à la façon de Zürich.".encode("latin-1"),
    ],
    ids=["shift-jis", "koi8-r", "latin-1"],
)
def test_text_in_another_encoding_is_refused_not_indexed_as_mojibake(data: bytes) -> None:
    with pytest.raises(UserError, match="garbled"):
        decode(data)


def test_decode_refuses_nul_bytes_with_a_reason() -> None:
    with pytest.raises(UserError, match="binary"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("utf8.txt", TEXT.encode("utf-8")),
        ("bom.txt", b"\xef\xbb\xbf" + TEXT.encode("utf-8")),
        ("gb.txt", TEXT.encode("gb18030")),
        ("notes.md", TEXT.encode("utf-8")),
    ],
)
def test_text_file_is_read_in_any_supported_encoding(
    tmp_path: Path, name: str, data: bytes
) -> None:
    write(tmp_path, name, data)
    docs, rejected = read_corpus([tmp_path])
    assert rejected == []
    assert [d.text for d in docs] == [
        "苏州人工智能报告\n\n2024年，苏州市人工智能产业实现营收超2300亿元。"
    ]


def test_bom_does_not_reach_the_title(tmp_path: Path) -> None:
    write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + TEXT.encode("utf-8"))
    docs, _ = read_corpus([tmp_path])
    assert docs[0].meta.title == "苏州人工智能报告"


# ------------------------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("scan.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "not a readable PDF"),
        ("report.docx", b"PK\x03\x04\x14\x00\x06\x00", "not a readable .docx"),
        ("sheet.xlsx", b"PK\x03\x04\x14\x00\x06\x00", "unsupported file type '.xlsx'"),
        ("blob.txt", b"abc\x00\x01\x02def", "binary"),
        ("empty.txt", b"", "empty"),
        ("blank.txt", b" \n\n\t\n", "no text left"),
    ],
)
def test_unreadable_file_is_rejected_with_its_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    write(tmp_path, name, data)
    assert reason in reasons(tmp_path)[name]


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    write(tmp_path, "good.txt", TEXT.encode("utf-8"))
    write(tmp_path, "blob.txt", b"\x00\x00")
    write(tmp_path, "scan.pdf", b"%PDF")
    docs, rejected = read_corpus([tmp_path])
    assert [d.doc_id for d in docs] == ["good"]
    assert sorted(Path(r.path).name for r in rejected) == ["blob.txt", "scan.pdf"]


def test_missing_file_is_rejected_with_a_reason(tmp_path: Path) -> None:
    docs, rejected = read_corpus([tmp_path / "gone.txt"])
    assert docs == []
    assert [r.reason for r in rejected] == ["no such file"]


def test_hidden_files_and_the_catalog_are_not_documents(tmp_path: Path) -> None:
    write(tmp_path, ".DS_Store", b"\x00\x01")
    write(tmp_path, "catalog.json", b'{"documents": {}}')
    write(tmp_path, "good.txt", TEXT.encode("utf-8"))
    docs, rejected = read_corpus([tmp_path])
    assert [d.doc_id for d in docs] == ["good"] and rejected == []


def test_invalid_catalog_is_a_user_error(tmp_path: Path) -> None:
    write(tmp_path, "catalog.json", b"{not json")
    write(tmp_path, "good.txt", TEXT.encode("utf-8"))
    assert "catalog" in reasons(tmp_path)["good.txt"]


# ------------------------------------------------------------------------------------- metadata


def test_seed_catalog_metadata_is_used(seed_docs) -> None:
    meta = seed_docs["000_c6996910d4f2c89e"].meta
    assert meta.title == "推动苏州人工智能产业发展的对策建议"
    assert meta.date == "2024-10-15"
    assert meta.kind == "智库报告"
    assert meta.script == "简"
    assert "温晓静" in meta.issuer


def test_catalog_entry_overrides_the_first_line(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", TEXT.encode("utf-8"))
    catalog = {"documents": {"a": {"title": "目录里的标题", "date": "2025-02", "kind": "文章"}}}
    write(tmp_path, "catalog.json", json.dumps(catalog, ensure_ascii=False).encode("utf-8"))
    docs, _ = read_corpus([tmp_path])
    assert (docs[0].meta.title, docs[0].meta.date, docs[0].meta.kind) == (
        "目录里的标题",
        "2025-02",
        "文章",
    )


def test_without_catalog_the_title_is_the_first_line(tmp_path: Path) -> None:
    shutil.copy(SEEDS / f"{DOC_003}.txt", tmp_path)
    docs, _ = read_corpus([tmp_path])
    assert docs[0].meta.title == "中國最強地級市,又有大動作。"


def test_without_catalog_the_script_of_seed_003_is_detected_as_traditional(tmp_path: Path) -> None:
    shutil.copy(SEEDS / f"{DOC_003}.txt", tmp_path)
    docs, _ = read_corpus([tmp_path])
    assert docs[0].meta.script == "繁"


def test_without_catalog_a_simplified_seed_is_detected_as_simplified(tmp_path: Path) -> None:
    shutil.copy(SEEDS / "004_824b80c9b0660ca9.txt", tmp_path)
    docs, _ = read_corpus([tmp_path])
    assert docs[0].meta.script == "简"


def test_overlong_first_line_falls_back_to_the_document_id() -> None:
    doc = make_doc("long", "苏" * 80 + "。\n正文。", {})
    assert doc.meta.title == "long"


@pytest.mark.parametrize(
    ("text", "script"),
    [("蘇州市人工智能產業實現營收", "繁"), ("苏州市人工智能产业实现营收", "简"), ("GDP 2024", "")],
    ids=["traditional", "simplified", "no-han"],
)
def test_detect_script(text: str, script: str) -> None:
    assert detect_script(text) == script


# ---------------------------------------------------------------------------------- content hash


def test_document_id_is_the_file_name_without_extension(tmp_path: Path) -> None:
    write(tmp_path, "004_report.md", TEXT.encode("utf-8"))
    docs, _ = read_corpus([tmp_path])
    assert docs[0].doc_id == "004_report"


def test_same_text_in_another_encoding_has_the_same_hash() -> None:
    assert make_doc("a", decode(TEXT.encode("gb18030")), {}).sha == make_doc("a", TEXT, {}).sha


def test_hash_changes_with_the_text() -> None:
    assert make_doc("a", TEXT, {}).sha != make_doc("a", TEXT + "新增一句。", {}).sha


def test_hash_changes_with_the_catalog_metadata() -> None:
    assert make_doc("a", TEXT, {}).sha != make_doc("a", TEXT, {"date": "2025"}).sha


def test_source_is_the_absolute_path(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", TEXT.encode("utf-8"))
    docs, _ = read_corpus([tmp_path])
    assert docs[0].source == str(path.resolve())
