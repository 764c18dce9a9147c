"""The 知识库 (knowledge base) tab's event handlers and the knowledge-base APIs (`/documents`,
`/document`); `ui.app` wires them.

Adding and deleting go through `rag.pipeline` (`add_files`, `delete_document`); the handlers
report what happened, file by file (added, already there, refused with its reason; nothing
half-indexed), and tell the page's `Engines` that the index changed, so the next question opens
the new one.

Deleting is two steps, as in RAGFlow and Open WebUI: a document is picked by its title from a
list rebuilt from the index on every page load and after every change (nothing is preselected),
then 删除… asks 「确定删除《…》？」 and only 确认删除 deletes. A mistake (nothing picked, no file
chosen) is a line in the status box, never an error overlay on the table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from rag.errors import RagError, in_chinese
from rag.pipeline import add_files, delete_document, describe_document, documents_table
from rag.settings import Settings
from ui.callbacks import SCRIPTS, Engines, chosen_traditional, mode_html, page_error
from ui.features import corpus_line
from ui.render import header_html, public, shown, text
from ui.words import word

KB_COLUMNS = ("title", "date", "issuer", "script", "chunks", "source")
"""The `documents_table` fields the tab's table shows, in its columns' order."""


class LibraryCallbacks:
    """The knowledge-base tab's handlers, sharing the page's `Engines` with the chat."""

    def __init__(self, settings: Settings, engines: Engines) -> None:
        self.settings = settings
        self.engines = engines

    def _rows(self) -> list[dict[str, Any]]:
        """The index's documents (`documents_table`), read once per event; [] without one."""
        try:
            return documents_table(self.settings)
        except RagError:
            return []

    def table(self) -> list[list[Any]]:
        return _table(self._rows())

    def refresh(self) -> tuple[Any, ...]:
        """The table, the pickers and the page header as the index is now (on page load),
        nothing picked."""
        rows = self._rows()
        return _table(rows), *_pickers(rows), header_html(corpus_line(rows))

    def interface(
        self, script: str, answer: dict[str, Any] | None, scripts: list[str], tabs: list[str]
    ) -> tuple[Any, ...]:
        """The header, the mode line, the 回答用字 choices and the `tabs` labels in the script
        chosen (繁體 or 简体; 跟随提问: as they are)."""
        if not SCRIPTS.get(script):
            return (gr.skip(),) * (3 + len(tabs))
        tw = chosen_traditional(script)
        mode = (answer or {}).get("mode") or self.engines.mode()
        choices = gr.Radio(choices=[(shown(s, tw), s) for s in scripts])
        relabelled = [gr.Tab(label=shown(label, tw)) for label in tabs]
        return header_html(corpus_line(self._rows()), tw), mode_html(mode, tw), choices, *relabelled

    def pick_for_edit(self, doc_id: str | None) -> tuple[str, str]:
        """The date and issuer of the document picked, to correct."""
        row = next((r for r in self._rows() if r["doc_id"] == doc_id), None)
        return (row["date"], row["issuer"]) if row else ("", "")

    def save_meta(
        self, doc_id: str | None, date: str, issuer: str, script: str = ""
    ) -> tuple[Any, ...]:
        """保存: the picked upload's date and issuer as given (re-indexed with them)."""
        tw = chosen_traditional(script)
        if not doc_id:
            return self._after(tw, _say(tw, "请先选择要修改的文档。"))
        try:
            describe_document(doc_id, self.settings, date, issuer)
        except RagError as exc:
            return self._after(tw, _refused(tw, "未保存", exc))
        self.engines.changed()
        rows = self._rows()  # read once: the saved title and the tab rebuilt from it
        line = _say(tw, "已保存《{}》的日期和发布者。", _title(doc_id, rows))
        return self._after(tw, line, rows=rows)

    def _title(self, doc_id: str) -> str:
        return _title(doc_id, self._rows())

    def upload(
        self,
        files: list[Any] | None,
        script: str = "",
        progress: Any = gr.Progress(),  # noqa: B008 (Gradio injects the bar through this default)
    ) -> tuple[Any, ...]:
        """Index uploaded files: per file, added, already there, or refused with its reason;
        the upload box emptied afterwards."""
        settings, tw = self.settings, chosen_traditional(script)
        paths = [Path(getattr(f, "name", f)) for f in files or []]
        if not paths:
            return self._after(tw, _say(tw, "请先选择要上传的文件（.txt .md .docx .pdf）。"))
        limit = settings.ui_max_upload_mb * 2**20
        too_big = [p.name for p in paths if p.stat().st_size > limit]
        paths = [p for p in paths if p.name not in too_big]
        done: list[str] = []
        progress(0, desc=_say(tw, "索引中…"))

        def step(doc_id: str) -> None:
            done.append(doc_id)
            progress(len(done) / max(1, len(paths)), desc=_say(tw, "已索引 {}", doc_id))

        try:
            report, rejected = add_files(paths, settings, step) if paths else (None, [])
        except RagError as exc:
            return self._after(tw, _refused(tw, "未加入", exc))
        self.engines.changed()
        added = (report.added + report.updated) if report else []
        ids = "：" + "、".join(added) if added else ""
        lines = [_say(tw, "已加入 {} 个文档", str(len(added))) + ids]
        unchanged = report.unchanged if report else []
        lines += [_say(tw, "已在知识库中（内容未变）：{}", d) for d in unchanged]
        cap = str(settings.ui_max_upload_mb)
        lines += [_say(tw, "未加入 {}：文件太大（上限 {} MB）", n, cap) for n in too_big]
        lines += [
            _say(tw, "未加入 {}：", Path(r.path).name) + shown(public(r.zh or r.reason), tw)
            for r in rejected
        ]
        return self._after(tw, *lines)

    def ask_delete(self, doc_id: str | None, script: str = "") -> tuple[Any, ...]:
        """删除…: the confirmation naming the document picked (nothing is deleted yet)."""
        tw = chosen_traditional(script)
        if not doc_id:
            line = _say(tw, "请先在上方列表中选择要删除的文档。")
            return f"<p id='kb-status'>{line}</p>", *_confirm(None, tw)
        return "<p id='kb-status'></p>", *_confirm(self._title(doc_id), tw)

    def delete(self, doc_id: str | None, script: str = "") -> tuple[Any, ...]:
        """确认删除: the document picked removed from the index (and its uploaded copy)."""
        tw = chosen_traditional(script)
        if not doc_id:
            return self._after(tw, _say(tw, "请先在上方列表中选择要删除的文档。"))
        title = self._title(doc_id)
        try:
            delete_document(doc_id, self.settings)
        except RagError as exc:
            return self._after(tw, _refused(tw, "未删除", exc))
        self.engines.changed()
        return self._after(tw, _say(tw, "已删除《{}》", title))

    def cancel(self, script: str = "") -> tuple[Any, ...]:
        tw = chosen_traditional(script)
        return f"<p id='kb-status'>{_say(tw, '已取消删除。')}</p>", *_confirm(None, tw)

    def _after(
        self, tw: bool, *lines: str, rows: list[dict[str, Any]] | None = None
    ) -> tuple[Any, ...]:
        """What every add, delete or edit shows: the table, the status lines (in the script
        `tw` says, as `_say` wrote them), the pickers rebuilt with nothing picked, the upload box
        emptied, the confirmation hidden, the header's corpus line in that script; `rows`: the
        documents table when the caller has just read it."""
        status = "<br>".join(text(line) for line in lines)
        rows = self._rows() if rows is None else rows
        delete, edit = _pickers(rows)
        return (
            _table(rows),
            f"<p id='kb-status'>{status}</p>",
            delete,
            gr.File(
                value=None, label=word("上传文档（.txt .md .docx .pdf）")
            ),  # label: see _pickers
            *_confirm(None, tw),
            edit,
            header_html(corpus_line(rows), tw),
        )

    def list_documents_api(self) -> list[dict[str, Any]]:
        """The knowledge base: one row per document (the 知识库 tab's table)."""
        return documents_table(self.settings)

    def document_api(self, doc_id: str, start: int = 0, end: int = 0) -> dict[str, Any]:
        """A document's display text (what citation offsets refer to) and `text[start:end]`:
        how a researcher's script re-checks a quote."""
        try:
            doc = self.engines.document(doc_id)
        except RagError as exc:
            raise page_error(public(in_chinese(exc))) from None
        meta = doc.meta
        return {
            "doc_id": doc.doc_id,
            "title": meta.title,
            "date": meta.date,
            "issuer": meta.issuer,
            "doc_sha": doc.sha,
            "text": doc.text,
            "quote": doc.text[int(start) : int(end)],
        }


def _confirm(title: str | None, tw: bool = False) -> tuple[Any, Any]:
    """The confirmation row and its line: shown naming `title`, or hidden."""
    if title is None:
        return gr.Row(visible=False), ""
    line = _say(tw, "确定删除《{}》？它的内容将从知识库中移除。", title)
    return gr.Row(visible=True), f"<p id='kb-confirm-line'>{text(line)}</p>"


def _refused(tw: bool, what: str, exc: RagError) -> str:
    """`未保存：<why>` (`what` the step refused), all of it our own words in the script chosen."""
    return shown(f"{what}：{public(in_chinese(exc))}", tw)


def _say(tw: bool, words: str, *names: str) -> str:
    """The tab's own `words` in the script chosen (繁體 when `tw`), with `names` (a document's
    title, id or file name, quoted as written, never converted) put in its `{}` places."""
    return shown(words, tw).format(*names)


def _pickers(rows: list[dict[str, Any]]) -> tuple[Any, Any]:
    """The delete and the edit pickers rebuilt, nothing picked. Their labels are sent again:
    Gradio would otherwise keep a label in the script it was first shown in."""
    return (
        gr.Dropdown(choices=_choices(rows), value=None, label=word("删除文档（按标题选择）")),
        gr.Dropdown(choices=_choices(rows), value=None, label=word("修改文档信息（按标题选择）")),
    )


def _title(doc_id: str, rows: list[dict[str, Any]]) -> str:
    return next((r["title"] or doc_id for r in rows if r["doc_id"] == doc_id), doc_id)


def _table(rows: list[dict[str, Any]]) -> list[list[Any]]:
    return [[r[k] for k in KB_COLUMNS] for r in rows]


def _choices(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The delete picker's entries: (`标题（日期）`, doc_id), by title; a title that two
    documents share is told apart by the file it came from."""
    titles = [r["title"] or r["doc_id"] for r in rows]
    entries = []
    for row, title in zip(rows, titles, strict=True):
        label = f"{title}（{row['date']}）" if row["date"] else title
        if titles.count(title) > 1:
            label += f" · {row['source'] or row['doc_id']}"
        entries.append((label, row["doc_id"]))
    return sorted(entries)
