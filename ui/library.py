"""The 知识库 (knowledge base) tab's event handlers and the knowledge-base APIs (`/documents`,
`/document`); `ui.app` wires them.

Adding and deleting go through `rag.pipeline` (`add_files`, `delete_document`); the handlers
report what happened (each refused file with its reason, nothing half-indexed) and tell the
page's `Engines` that the index changed, so the next question opens the new one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from rag.errors import RagError
from rag.pipeline import add_files, delete_document, documents_table
from rag.settings import Settings
from ui.callbacks import Engines
from ui.render import public, text

KB_COLUMNS = ("doc_id", "title", "date", "script", "chunks", "source")
"""The `documents_table` fields the tab's table shows, in its columns' order."""


class LibraryCallbacks:
    """The knowledge-base tab's handlers, sharing the page's `Engines` with the chat."""

    def __init__(self, settings: Settings, engines: Engines) -> None:
        self.settings = settings
        self.engines = engines

    def table(self) -> list[list[Any]]:
        try:
            rows = documents_table(self.settings)
        except RagError:
            return []
        return [[r[k] for k in KB_COLUMNS] for r in rows]

    def ids(self) -> list[str]:
        return [row[0] for row in self.table()]

    def upload(self, files: list[Any] | None, progress: Any = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008 (Gradio injects the bar through this default)
        """Index uploaded files; each refused file with its reason, nothing half-indexed."""
        settings = self.settings
        paths = [Path(getattr(f, "name", f)) for f in files or []]
        if not paths:
            raise gr.Error("选择要上传的文件（.txt .md .docx .pdf）", print_exception=False)
        limit = settings.ui_max_upload_mb * 2**20
        too_big = [p.name for p in paths if p.stat().st_size > limit]
        paths = [p for p in paths if p.name not in too_big]
        done: list[str] = []
        progress(0, desc="索引中…")

        def step(doc_id: str) -> None:
            done.append(doc_id)
            progress(len(done) / max(1, len(paths)), desc=f"已索引 {doc_id}")

        try:
            report, rejected = add_files(paths, settings, step) if paths else (None, [])
        except RagError as exc:
            raise gr.Error(text(public(str(exc))), print_exception=False) from None
        self.engines.changed()
        lines = [f"{name}：文件太大（上限 {settings.ui_max_upload_mb} MB）" for name in too_big]
        lines += [f"{Path(r.path).name}：{public(r.reason)}" for r in rejected]
        added = (report.added + report.updated) if report else []
        status = f"已加入 {len(added)} 个文档" + (f"：{'、'.join(added)}" if added else "")
        status += "".join(f"<br>未加入 {text(line)}" for line in lines)
        return self.table(), f"<p id='kb-status'>{status}</p>", gr.Dropdown(choices=self.ids())

    def delete(self, doc_id: str | None) -> tuple[Any, ...]:
        if not doc_id:
            raise gr.Error("先选择要删除的文档", print_exception=False)
        try:
            delete_document(doc_id, self.settings)
        except RagError as exc:
            raise gr.Error(text(public(str(exc))), print_exception=False) from None
        self.engines.changed()
        status = f"<p id='kb-status'>已删除 {text(doc_id)}</p>"
        return self.table(), status, gr.Dropdown(choices=self.ids(), value=None)

    def list_documents_api(self) -> list[dict[str, Any]]:
        """The knowledge base: one row per document (the 知识库 tab's table)."""
        return documents_table(self.settings)

    def document_api(self, doc_id: str, start: int = 0, end: int = 0) -> dict[str, Any]:
        """A document's display text (what citation offsets refer to) and `text[start:end]`:
        how a researcher's script re-checks a quote."""
        try:
            doc = self.engines.document(doc_id)
        except RagError as exc:
            raise gr.Error(text(public(str(exc))), print_exception=False) from None
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
