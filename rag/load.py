"""Load: files on disk -> cleaned `SourceDoc`s, with a per-file reason for every file refused.

Accepts .txt and .md, decoded as UTF-8 (with or without BOM) or else GB18030. Metadata comes from
a `catalog.json` beside the files (keyed by document id = file name without extension); a document
without an entry still works: title from its first line, script detected from its characters.
Trade-off: a file that is neither UTF-8 nor GB18030 is refused rather than guessed at.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from rag.clean import display_text, search_key
from rag.errors import UserError
from rag.types import DocMeta, SourceDoc

SUPPORTED = (".txt", ".md")
CATALOG = "catalog.json"
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Rejected:
    """A file that was not indexed, and why."""

    path: str
    reason: str


def decode(data: bytes) -> str:
    """UTF-8 (BOM allowed), else GB18030; refuses binary data."""
    if b"\x00" in data:
        raise UserError("binary file (contains NUL bytes); give a .txt or .md text file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UserError("cannot decode as UTF-8 or GB18030; re-save the file as UTF-8")


def detect_script(text: str) -> str:
    """`繁` when a noticeable share of Han characters change under Traditional->Simplified."""
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return ""
    sample = "".join(han[:4000])
    changed = sum(a != b for a, b in zip(sample, search_key(sample), strict=False))
    return "繁" if changed / len(sample) > 0.05 else "简"


def read_catalog(folder: Path) -> dict[str, dict[str, str]]:
    path = folder / CATALOG
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: not a valid JSON catalog ({exc})") from None
    return {str(k): v for k, v in data.get("documents", data).items()}


def make_doc(doc_id: str, raw: str, entry: dict[str, str], source: str = "") -> SourceDoc:
    """Clean one decoded text into a `SourceDoc` (raises `UserError` when nothing is left)."""
    text = display_text(raw)
    if not text.strip():
        raise UserError("no text left after cleaning (empty file?)")
    first_line = text.split("\n", 1)[0].strip()
    meta = DocMeta(
        title=entry.get("title") or (first_line if len(first_line) <= 60 else doc_id),
        date=str(entry.get("date", "")),
        issuer=entry.get("issuer", ""),
        kind=entry.get("kind", ""),
        script=entry.get("script") or detect_script(text),
        note=entry.get("note", ""),
    )
    payload = json.dumps({"text": text, "meta": asdict(meta)}, ensure_ascii=False, sort_keys=True)
    sha = hashlib.sha256(payload.encode()).hexdigest()
    return SourceDoc(doc_id=doc_id, meta=meta, text=text, sha=sha, source=source)


def _candidates(paths: Sequence[Path]) -> Iterable[Path]:
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not child.name.startswith(".") and child.name != CATALOG:
                    yield child
        else:
            yield path


def read_file(path: Path, catalog: dict[str, dict[str, str]]) -> SourceDoc:
    if path.suffix.lower() not in SUPPORTED:
        raise UserError(f"unsupported file type '{path.suffix or path.name}' (use .txt or .md)")
    if not path.is_file():
        raise UserError("no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise UserError(f"larger than {MAX_FILE_BYTES // 2**20} MiB; split it first")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read ({exc.strerror})") from None
    doc_id = path.stem
    return make_doc(doc_id, decode(data), catalog.get(doc_id, {}), str(path.resolve()))


def read_corpus(paths: Sequence[Path]) -> tuple[list[SourceDoc], list[Rejected]]:
    """Read every supported file under `paths`; every other file gets a reason, none aborts."""
    docs: dict[str, SourceDoc] = {}
    rejected: list[Rejected] = []
    catalogs: dict[Path, dict[str, dict[str, str]]] = {}
    for path in _candidates(paths):
        try:
            folder = path.parent
            if folder not in catalogs:
                catalogs[folder] = read_catalog(folder)
            doc = read_file(path, catalogs[folder])
        except UserError as exc:
            rejected.append(Rejected(str(path), str(exc)))
            continue
        if doc.doc_id in docs:
            rejected.append(Rejected(str(path), f"duplicate document id '{doc.doc_id}'"))
            continue
        docs[doc.doc_id] = doc
    return list(docs.values()), rejected
