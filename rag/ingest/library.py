"""Library: the knowledge base as a person manages it from the chat page's 知识库 tab: add
uploaded files, delete a document, list what is there (re-exported by `rag.pipeline`).

Uploads are copied into `<data_dir>/uploads` and indexed from there, so a vanished temporary
upload loses nothing; a document is written whole or not at all (`Store.write`). An open engine is
a snapshot: after a change the caller opens a new one (`rag.pipeline.open_engine`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding

from rag.errors import UserError
from rag.ingest import lexicalfile
from rag.ingest.lock import writer_lock
from rag.ingest.readers import CATALOG, Rejected, read_catalog, read_file, same_text
from rag.ingest.store import Store
from rag.ingest.sync import IngestReport, sync
from rag.settings import Settings
from rag.types import SourceDoc


def uploads_dir(settings: Settings) -> Path:
    """Where `add_files` keeps its copies (`<data_dir>/uploads`); not created until a file is
    added. Documents added from here cite these copies, so a vanished temporary upload loses
    nothing. A `catalog.json` here gives uploads their title, date and issuer."""
    return settings.data_dir / "uploads"


def add_files(
    paths: Sequence[Path],
    settings: Settings,
    progress: Callable[[str], None] | None = None,
    embedder: BaseEmbedding | None = None,
) -> tuple[IngestReport, list[Rejected]]:
    """Index uploaded files beside the documents already there (nothing else is removed).

    Each file that reads is copied into `uploads_dir(settings)` under its own name (replacing
    an earlier upload of that name, which is then updated in the index) and indexed from there.
    A file that fails to read, has an unsafe name, or would take the id (file name without
    extension) of a document from another file is rejected with a reason; the rest are indexed.
    Re-open the engine afterwards (`open_engine`): an open one does not see the change."""
    with writer_lock(settings):
        return _add_locked(paths, settings, progress, embedder)


def _add_locked(
    paths: Sequence[Path],
    settings: Settings,
    progress: Callable[[str], None] | None = None,
    embedder: BaseEmbedding | None = None,
    store: Store | None = None,
) -> tuple[IngestReport, list[Rejected]]:
    """`add_files` once the caller holds the writer lock (`store`: the one it opened, if any)."""
    from rag.retrieve.embed import build_embedder

    folder = uploads_dir(settings)
    docs: dict[str, SourceDoc] = {}
    rejected: list[Rejected] = []
    store = store or Store(settings, create=True)
    known = store.manifest()
    present = store.documents()
    catalog = read_catalog(folder)
    for path in paths:
        try:
            target = _upload_target(path, folder)
            doc = read_file(path, catalog)
            if doc.doc_id in docs:
                raise UserError(
                    f"duplicate document id '{doc.doc_id}' in these files",
                    zh=f"这批文件中有两个同名文档“{doc.doc_id}”",
                )
            if str(known.get(doc.doc_id, {}).get("source", target)) != str(target):
                raise UserError(
                    f"a document '{doc.doc_id}' from another file is already there;"
                    " rename this file or delete that document first",
                    zh=f"知识库里已有来自另一个文件的同名文档“{doc.doc_id}”，"
                    "请给这个文件改名，或先删除那个文档",
                )
            twin = same_text(doc, [*present, *docs.values()])
            if twin:
                raise UserError(
                    f"same text as document '{twin}'; not added twice",
                    zh=f"内容与文档“{twin}”相同，不重复加入",
                )
        except UserError as exc:
            rejected.append(Rejected(str(path), str(exc), exc.zh))
            continue
        _copy(path, target)
        docs[doc.doc_id] = replace(doc, source=str(target))
    report = sync(
        store, list(docs.values()), embedder or build_embedder(settings), [], progress
    )
    return report, rejected


def _upload_target(path: Path, folder: Path) -> Path:
    """`folder / path.name`, for a plain, visible file name only: only the last part of the path
    is used (no `/`), and `..`, hidden names and control characters are refused."""
    name = path.name
    if name in ("", ".", "..") or name.startswith(".") or any(ord(c) < 32 for c in name):
        raise UserError(
            f"unsafe file name {name!r}; rename the file", zh="文件名不安全，请改名后上传"
        )
    return folder.resolve() / name


def _copy(path: Path, target: Path) -> None:
    """Copy whole or not at all: a reader never sees half a file under the upload's name."""
    if path.resolve() == target:
        return  # the caller already put it there
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    try:
        shutil.copyfile(path, partial)
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UserError(
            f"cannot copy {path.name} into {target.parent} ({exc.strerror})",
            zh=f"无法保存 {path.name}（{exc.strerror}）",
        ) from None


def delete_document(doc_id: str, settings: Settings) -> None:
    """Remove a document and its chunks from the index, and its copy in `uploads_dir` if it was
    uploaded (files elsewhere are never touched: a seed comes back at the next `rag ingest`).
    Re-open the engine afterwards (`open_engine`): an open one does not see the change."""
    with writer_lock(settings):
        store = Store(settings, create=False)
        record = store.manifest().get(doc_id)
        if record is None:
            raise _no_document(doc_id)
        marker = store.marker()
        if marker is not None:  # removing may be cut short: the next ingest then sweeps
            marker.touch()
        store.remove(doc_id)
        lexicalfile.update(store, [])  # the other documents' rows are reused: no chunk is read
        if marker is not None:
            marker.unlink(missing_ok=True)
        source = Path(str(record.get("source", "")))
        if source.parent == uploads_dir(settings).resolve():
            source.unlink(missing_ok=True)


def _no_document(doc_id: str) -> UserError:
    return UserError(
        f"no document '{doc_id}' in the index; the documents table lists ids",
        zh="知识库中没有这个文档（可能已被删除），请刷新页面",
    )


def documents_table(settings: Settings, store: Store | None = None) -> list[dict[str, Any]]:
    """One row per stored document, by id: `doc_id, title, date, issuer, script, chunks` (the
    chunks retrieval serves) and `source` (the file name it was read from)."""
    store = store or Store(settings, create=False)
    counts = store.chunk_counts()
    return [
        {
            "doc_id": doc_id,
            "title": str(meta.get("title", doc_id)),
            "date": str(meta.get("date", "")),
            "issuer": str(meta.get("issuer", "")),
            "script": str(meta.get("script", "")),
            "chunks": counts.get(doc_id, 0),
            "source": Path(str(meta.get("source", ""))).name,
        }
        for doc_id, meta in sorted(store.manifest().items())
    ]


_DATE = re.compile(r"(?:19|20)\d{2}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?")


def describe_document(doc_id: str, settings: Settings, date: str, issuer: str) -> IngestReport:
    """Set an uploaded document's date and issuer (what was detected from its text, corrected by
    a person). They are written to the uploads' `catalog.json` (a catalog entry wins over
    detection, and survives a re-upload), then the document is re-read from its copy there,
    all under the writer lock: while another writer holds it the edit is refused and nothing
    is written. Documents from elsewhere are described by the catalog beside their own files."""
    date, issuer = date.strip(), " ".join(issuer.split())
    if date and not _DATE.fullmatch(date):
        raise UserError(
            f"date {date!r} is not YYYY, YYYY-MM or YYYY-MM-DD",
            zh="日期格式应为 2025、2025-03 或 2025-03-01",
        )
    with writer_lock(settings):  # the catalog and the index change together, or neither
        store = Store(settings, create=False)
        record = store.manifest().get(doc_id)
        if record is None:
            raise _no_document(doc_id)
        source = Path(str(record.get("source", "")))
        folder = uploads_dir(settings)
        if source.parent != folder.resolve():
            raise UserError(
                f"'{doc_id}' was not uploaded: edit the catalog.json beside {source.name}",
                zh="只能修改上传的文档；其他文档的信息写在它所在文件夹的 catalog.json 里",
            )
        path = folder / CATALOG
        catalog = {"documents": read_catalog(folder)}
        catalog["documents"][doc_id] = catalog["documents"].get(doc_id, {}) | {
            "date": date,
            "issuer": issuer,
        }
        partial = path.with_name(f".{CATALOG}.part")
        written = json.dumps(catalog, ensure_ascii=False, indent=2) + "\n"
        partial.write_text(written, encoding="utf-8")
        os.replace(partial, path)
        report, rejected = _add_locked([source], settings, store=store)
    if rejected:
        raise UserError(rejected[0].reason, zh=rejected[0].zh)
    return report
