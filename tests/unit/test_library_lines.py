"""The 知识库 tab's own lines follow 回答用字: in Traditional when 繁體 is chosen, the names of
documents in them quoted as written."""

from __future__ import annotations

from pathlib import Path

from rag.settings import Settings
from ui.callbacks import Engines
from ui.library import LibraryCallbacks


def _library(tmp_path: Path) -> LibraryCallbacks:
    settings = Settings(data_dir=tmp_path / "data", chroma_host="", embed_base_url="")
    return LibraryCallbacks(settings, Engines(settings, None))


def test_status_and_header_lines_are_traditional_when_chosen_and_simplified_otherwise(
    tmp_path: Path,
) -> None:
    library = _library(tmp_path)
    status, header = library.delete(None, "繁體")[1], library.delete(None, "繁體")[-1]
    assert "請先在上方列表中選擇要刪除的文檔" in status
    assert "知識庫" in header
    for script in ("简体", "跟随提问", ""):
        assert "请先在上方列表中选择要删除的文档" in library.delete(None, script)[1]
    assert "請先選擇要上傳的文件" in library.upload([], "繁體", progress=lambda *a, **k: None)[1]
    assert "已取消刪除" in library.cancel("繁體")[0]


def test_a_document_named_in_a_traditional_line_keeps_its_own_characters(
    tmp_path: Path,
) -> None:
    library = _library(tmp_path)  # no index: the document is named by its id
    line = library.ask_delete("河畔城发展报告", "繁體")[2]
    assert "確定刪除《河畔城发展报告》" in line  # the tab's words converted, the name not
    refused = library.save_meta("河畔城发展报告", "2024", "", "繁體")[1]
    assert refused.startswith("<p id='kb-status'>未保存：")
