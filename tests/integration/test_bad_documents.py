"""Bad documents in one batch: each bad file gets its own one-line reason, no bad file leaves a
chunk or a record behind, and every good file of the batch is indexed whole and answerable.

The batch holds good files in every accepted encoding and odd but valid names (GB18030, Big5,
UTF-16 with BOM, spaces, brackets, emoji, a leading dash, a 200-character name) beside the bad:
empty, blank, binary, Shift-JIS and Latin-1 text (garbled as GB18030/Big5), a file over the size
limit, a copy of another file's text, control characters in a name, corrupt .docx and .pdf, an
unsupported type. It goes through `rag ingest` (a folder) and through `add_files` (the 知识库
upload) on top of the seed index.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from rag.ingest.chunk import chunk_document
from rag.ingest.readers import MAX_FILE_BYTES
from rag.ingest.store import Store
from rag.pipeline import add_files, ask, ingest, list_documents, open_engine
from tests.conftest import error_lines, make_settings, run_rag
from tests.unit.test_load_formats import chinese_pdf_bytes, docx_bytes, pdf_bytes

GOOD: dict[str, tuple[bytes, str, str]] = {
    # file name: (bytes, question, the fact its answer must quote)
    "good.txt": (
        "测试文档甲\n2024年，甲市测试产业实现营收超99亿元。".encode(),
        "甲市测试产业2024年营收是多少？",
        "99亿元",
    ),
    "gb.txt": (
        "国标编码文档\n苏州市国标测试园区共有企业77家。".encode("gb18030"),
        "国标测试园区共有多少家企业？",
        "77家",
    ),
    "big5.txt": (
        "繁體編碼文件\n臺北測試園區共有企業88家。".encode("big5"),
        "臺北測試園區共有多少家企業？",
        "88家",
    ),
    "utf16.txt": (
        "双字节编码文档\n乙市测试园区2024年产值为66亿元。".encode("utf-16"),
        "乙市测试园区2024年产值是多少？",
        "66亿元",
    ),
    "苏州 报告（2024）🤖.txt": (
        "奇怪文件名文档\n丙市机器人产业2023年产量为55万台。".encode(),
        "丙市机器人产业2023年产量是多少？",
        "55万台",
    ),
    "-rf.md": (
        "# 短横线文档\n\n丁市算力规模为44 PFlops。".encode(),
        "丁市算力规模是多少？",
        "44 PFlops",
    ),
    "长" * 80 + ".txt": (
        "长文件名文档\n戊市数据中心共有33座。".encode(),
        "戊市数据中心共有多少座？",
        "33座",
    ),
    "word.docx": (
        docx_bytes("文档格式测试", "己市2024年新增人工智能企业22家。"),
        "己市2024年新增多少家人工智能企业？",
        "22家",
    ),
    "text.pdf": (
        chinese_pdf_bytes(["PDF格式测试", "庚市2024年共有数据实验室11个。"]),
        "庚市2024年有多少个数据实验室？",
        "11个",
    ),
}
JAPANESE = (
    "東京都の人工知能産業は二〇二四年に大きく成長し、多くの企業が新しい技術を開発しています。" * 3
)
BAD: dict[str, tuple[bytes, str]] = {
    # file name: (bytes, what its reason says)
    "empty.txt": (b"", "empty"),
    "blank.md": (" \n\u3000\n\t".encode(), "no text left"),
    "image.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
    "sjis.txt": (JAPANESE.encode("shift_jis"), "garbled"),
    "latin1.txt": ("Crème brûlée à la façon de Zürich, très célèbre.".encode("latin-1"), "garbled"),
    "zz-copy.txt": (GOOD["good.txt"][0], "same text as document 'good'"),
    "ctrl\x01name.txt": ("控制字符文件名\n庚市2024年产值为12亿元。".encode(), "file name"),
    "line\nbreak.txt": ("换行文件名\n辛市2024年产值为13亿元。".encode(), "file name"),
    "cut.docx": (docx_bytes("截断的文档", "壬市产值14亿元。")[:1500], "not a readable .docx"),
    "cut.pdf": (pdf_bytes(["cut", "City Ren earned 15 yuan."])[:200], "not a readable PDF"),
    "sheet.xlsx": (b"PK\x03\x04\x14\x00\x06\x00", "unsupported file type"),
}
HUGE = "huge.txt"  # written sparse, one byte over the limit: refused before it is read


def write_batch(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (data, *_) in GOOD.items():
        (folder / name).write_bytes(data)
    for name, (data, _) in BAD.items():
        (folder / name).write_bytes(data)
    with (folder / HUGE).open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    return folder


def chunks(doc: Any, settings: Any) -> list[Any]:
    return chunk_document(doc, settings.chunk_tokens, settings.chunk_overlap_sentences)


def doc_id(name: str) -> str:
    return Path(name).stem


def served_and_stored(settings: Any) -> tuple[dict[str, int], dict[str, int]]:
    """Per document: chunks retrieval serves, and every chunk the store holds."""
    store = Store(settings, create=False)
    stored: dict[str, int] = {}
    for _, _, meta in store.chunk_records():
        stored[meta["document_id"]] = stored.get(meta["document_id"], 0) + 1
    return store.chunk_counts(), stored


@pytest.fixture(scope="module")
def cli_batch(tmp_path_factory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("bad-batch")
    corpus = write_batch(root / "corpus")
    data = root / "data"
    result = run_rag(["ingest", "--quiet", str(corpus)], data)
    return {"result": result, "settings": make_settings(data), "corpus": corpus}


def test_ingest_of_a_bad_batch_exits_0_without_traceback(cli_batch) -> None:
    result: subprocess.CompletedProcess[str] = cli_batch["result"]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("name", sorted([*BAD, HUGE]))
def test_each_bad_file_has_one_line_with_its_reason(cli_batch, name: str) -> None:
    expected = "larger than" if name == HUGE else BAD[name][1]
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)
    lines = [line for line in error_lines(cli_batch["result"]) if shown in line]
    assert len(lines) == 1, error_lines(cli_batch["result"])
    assert expected in lines[0]


def test_summary_counts_the_added_and_skipped_files(cli_batch) -> None:
    assert cli_batch["result"].stdout.startswith(f"{len(GOOD)} added")
    assert f"{len(BAD) + 1} files skipped" in cli_batch["result"].stdout


def test_exactly_the_good_files_are_indexed(cli_batch) -> None:
    ids = {d.doc_id for d in list_documents(cli_batch["settings"])}
    assert ids == {doc_id(name) for name in GOOD}


def test_no_bad_file_leaves_a_chunk_and_every_good_file_is_whole(cli_batch) -> None:
    settings = cli_batch["settings"]
    served, stored = served_and_stored(settings)
    expected = {d.doc_id: len(chunks(d, settings)) for d in list_documents(settings)}
    assert served == expected and stored == expected  # 0 partial, 0 stray chunks


@pytest.mark.parametrize("name", sorted(GOOD))
def test_every_good_file_of_the_batch_is_answerable_with_an_exact_quote(
    cli_batch, name: str
) -> None:
    _, question, fact = GOOD[name]
    engine = cli_batch.setdefault("engine", open_engine(cli_batch["settings"]))
    answer = ask(question, cli_batch["settings"], engine)
    assert answer.answerable and fact in answer.answer
    citation = answer.citations[0]
    assert citation.doc_id == doc_id(name)
    text = next(d.text for d in engine.docs.values() if d.doc_id == citation.doc_id)
    assert text[citation.start : citation.end] == citation.quote and fact in citation.quote


def test_big5_document_is_detected_as_traditional(cli_batch) -> None:
    docs = {d.doc_id: d for d in list_documents(cli_batch["settings"])}
    assert docs["big5"].meta.script == "繁" and docs["big5"].text.startswith("繁體編碼文件")


def test_ingesting_the_same_bad_batch_again_changes_nothing(cli_batch) -> None:
    before = served_and_stored(cli_batch["settings"])
    again = run_rag(["ingest", "--quiet", str(cli_batch["corpus"])], cli_batch["settings"].data_dir)
    assert again.returncode == 0 and again.stdout.startswith(f"0 added, 0 updated, {len(GOOD)}")
    assert served_and_stored(cli_batch["settings"]) == before


# ---------------------------------------------------------------------- the upload path (知识库)


@pytest.fixture(scope="module")
def upload_batch(tmp_path_factory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("bad-upload")
    settings = make_settings(root / "data")
    ingest(settings)
    seeds = served_and_stored(settings)
    files = sorted(write_batch(root / "upload").iterdir())
    report, rejected = add_files(files, settings)
    return {"settings": settings, "report": report, "rejected": rejected, "seeds": seeds}


def test_upload_adds_the_good_files_and_refuses_each_bad_one_with_its_reason(upload_batch) -> None:
    assert sorted(upload_batch["report"].added) == sorted(doc_id(n) for n in GOOD)
    reasons = {Path(r.path).name: r.reason for r in upload_batch["rejected"]}
    assert set(reasons) == {*BAD, HUGE}
    for name, (_, expected) in BAD.items():
        if name.startswith(("ctrl", "line")):
            expected = "file name"
        assert expected in reasons[name], (name, reasons[name])
        assert "\n" not in reasons[name]


def test_upload_of_a_bad_batch_leaves_no_partial_chunks_and_the_seeds_intact(upload_batch) -> None:
    settings = upload_batch["settings"]
    served, stored = served_and_stored(settings)
    docs = list_documents(settings)
    expected = {d.doc_id: len(chunks(d, settings)) for d in docs}
    assert served == expected and stored == expected
    seeds_served = upload_batch["seeds"][0]
    assert {k: served[k] for k in seeds_served} == seeds_served


def test_an_upload_with_the_text_of_an_indexed_document_is_refused(upload_batch, tmp_path) -> None:
    twin = tmp_path / "twin.txt"
    twin.write_bytes(GOOD["gb.txt"][0])
    report, rejected = add_files([twin], upload_batch["settings"])
    assert not report.added and "same text as document 'gb'" in rejected[0].reason
