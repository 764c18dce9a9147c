"""Load: files on disk -> cleaned `SourceDoc`s, with a per-file reason for every file refused.

Accepts .txt and .md (UTF-8 with or without BOM, UTF-16 with BOM, else GB18030 or Big5), .docx
(python-docx: body paragraphs and table rows in document order) and text PDFs (pypdf: each
page's text layer). Every format becomes plain text with a blank line between paragraphs (table
rows, pages), so the one cleaner (`rag.ingest.clean.display_text`) and chunker see paragraphs, and
citation offsets point into the same display text whatever the format. Metadata comes from a
`catalog.json` beside the files (keyed by document id = file name without extension); a document
without an entry still works: title from its first line, script detected from its characters.
Trade-offs: a file in another encoding, or whose GB18030/Big5 reading is garbled, is refused
rather than indexed as nonsense; a second file with the same text is refused rather than doubling
citations; a PDF without a text layer (a scan) is refused rather than OCRed; .docx headers,
footers, footnotes and text boxes are left out (page chrome, mostly), as are PDF page-number
lines at a page's edges.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rag.errors import UserError
from rag.ingest.clean import display_text
from rag.ingest.masthead import stated_date, stated_issuer
from rag.text.script import detect_script
from rag.types import DocMeta, SourceDoc

if TYPE_CHECKING:
    from docx.table import Table

SUPPORTED = (".txt", ".md", ".docx", ".pdf")
CATALOG = "catalog.json"
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
"""A .docx is a zip: refuse one that would inflate beyond this (a zip bomb) before parsing."""
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # password-protected Office files, old .doc
# A page number alone on a page's first or last line: `3`, `- 3 -`, `第3页`, `第 3 页 共 10 页`.
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d{1,3}\s*(?:页)?(?:\s*共\s*\d+\s*页)?[-—–\s]*$")


@dataclass(frozen=True)
class Rejected:
    """A file that was not indexed, and why."""

    path: str
    reason: str
    zh: str = ""
    """The reason in Simplified Chinese, for the page ("" when none was given)."""


NO_HAN = -1.0


def decode(data: bytes) -> str:
    """UTF-8 (BOM allowed), UTF-16 with a BOM, else GB18030 or Big5 when the text they give reads
    as Chinese (`chinese_share`, the better of the two); refuses binary data and garbled text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode("utf-16")
    if b"\x00" in data:
        raise UserError(
            "binary file (contains NUL bytes); give a .txt, .md, .docx or .pdf file",
            zh="这是二进制文件（含 NUL 字节），请上传 .txt、.md、.docx 或 .pdf 文件",
        )
    with contextlib.suppress(UnicodeDecodeError):
        return data.decode("utf-8-sig")
    readings = []
    for encoding in ("gb18030", "big5"):
        with contextlib.suppress(UnicodeDecodeError):
            readings.append(data.decode(encoding))
    scored = [(chinese_share(text), -i, text) for i, text in enumerate(readings)]
    share, _, best = max(scored, default=(0.0, 0, ""))
    if share >= 0.4 or share == NO_HAN:  # the reading that reads as Chinese, GB18030 on a tie
        return best
    raise UserError(
        "not UTF-8, and as GB18030 or Big5 the text is garbled (another encoding?);"
        " re-save the file as UTF-8",
        zh="不是 UTF-8 编码，按 GB18030 或 Big5 读出来是乱码，请另存为 UTF-8 后再上传",
    )


def chinese_share(text: str) -> float:
    """How much decoded text reads as Chinese rather than bytes read in the wrong encoding: the
    share of its Han characters inside dictionary words (jieba, after Traditional->Simplified).
    In real text most are (the seeds: 77-93%); read in the wrong encoding, almost none are (Big5
    read as GB18030: 6-13%; Shift-JIS: 1-3%). `NO_HAN` for text without Han characters;
    private-use characters (what wrong decodings produce) count against it."""
    sample = text[:3000]
    han = sum(1 for c in sample if "\u4e00" <= c <= "\u9fff")
    if not han:
        return NO_HAN
    from rag.text.terms import terms

    in_words = sum(
        sum(1 for c in w if "\u4e00" <= c <= "\u9fff") for w in terms(sample) if len(w) >= 2
    )
    odd = sum(1 for c in sample if unicodedata.category(c) == "Co")
    return (in_words - odd) / han


def docx_text(data: bytes) -> str:
    """Body paragraphs and table rows (cells joined by ` | `) of a .docx, in document order,
    a blank line between each."""
    import docx
    from docx.table import Table

    if data.startswith(_OLE_MAGIC):
        raise UserError(
            "password-protected or old-format Word file; save it as an unprotected .docx",
            zh="Word 文件有密码或是旧格式（.doc），请另存为无密码的 .docx",
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
        if inflated > MAX_UNZIPPED_BYTES:
            raise UserError(
                f"unpacks to more than {MAX_UNZIPPED_BYTES // 2**20} MiB; split it",
                zh=f"解压后超过 {MAX_UNZIPPED_BYTES // 2**20} MiB，请拆分后上传",
            )
        blocks = list(docx.Document(io.BytesIO(data)).iter_inner_content())
        paragraphs = [_table_text(b) if isinstance(b, Table) else b.text for b in blocks]
    except UserError:
        raise
    except Exception:  # python-docx raises zip, XML, key and OPC errors on damaged files
        raise UserError(
            "not a readable .docx (damaged file?); open and re-save it in Word",
            zh="无法读取这个 .docx（文件损坏？），请在 Word 中打开后重新保存",
        ) from None
    return "\n\n".join(p for p in paragraphs if p.strip())


def _table_text(table: Table) -> str:
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:  # a merged cell comes back once per grid column it spans
            text = " ".join(cell.text.split())
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            rows.append(" | ".join(cells))
    return "\n\n".join(rows)


@contextlib.contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """pypdf logs its repairs of damaged files as warnings; the refusal reason says enough."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def pdf_text(data: bytes) -> str:
    """The text layer of every page (pypdf; an empty user password is tried), pages separated
    by a blank line, page-number lines at a page's edges dropped."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    pages: list[str] = []
    with _quiet("pypdf"):
        try:
            for page in PdfReader(io.BytesIO(data)).pages:
                pages.append(_strip_page_numbers(page.extract_text() or ""))
        except (FileNotDecryptedError, DependencyError):
            raise UserError(
                "password-protected PDF; save an unprotected copy",
                zh="PDF 有密码，请另存一份无密码的",
            ) from None
        except Exception:  # pypdf raises many types (and bare Python errors) on damaged files
            raise UserError(
                "not a readable PDF (damaged or truncated?); re-export it",
                zh="无法读取这个 PDF（损坏或不完整？），请重新导出",
            ) from None
    text = "\n\n".join(p for p in pages if p.strip()).replace("\x00", "")
    if not text.strip():
        raise UserError(
            "no text layer (scanned PDF?); give a text PDF or .txt",
            zh="PDF 里没有文字层（扫描件？），请上传可复制文字的 PDF 或 .txt",
        )
    unreadable = sum(c == "\ufffd" or "\ue000" <= c <= "\uf8ff" for c in text)
    if unreadable > len(text.strip()) / 4:
        raise UserError(
            "PDF text layer is unreadable (fonts without a Unicode map); give a .txt",
            zh="PDF 的文字无法识别（字体缺少 Unicode 映射），请上传 .txt",
        )
    return text


def _strip_page_numbers(page: str) -> str:
    lines = page.strip().split("\n")
    while lines and _PAGE_NUMBER.match(lines[0]):
        lines.pop(0)
    while lines and _PAGE_NUMBER.match(lines[-1]):
        lines.pop()
    return "\n".join(lines)


def extract(suffix: str, data: bytes) -> str:
    """The raw text of a file's bytes, by its (lower-case) extension."""
    if suffix == ".docx":
        return docx_text(data)
    if suffix == ".pdf":
        return pdf_text(data)
    return decode(data)


def read_catalog(folder: Path) -> dict[str, dict[str, str]]:
    path = folder / CATALOG
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(
            f"{path}: not a valid JSON catalog ({exc})", zh=f"{path.name} 不是有效的 JSON 目录文件"
        ) from None
    return {str(k): v for k, v in data.get("documents", data).items()}


def make_doc(doc_id: str, raw: str, entry: dict[str, str], source: str = "") -> SourceDoc:
    """Clean one decoded text into a `SourceDoc` (raises `UserError` when nothing is left)."""
    text = display_text(raw)
    if not text.strip():
        raise UserError(
            "no text left after cleaning (empty file?)", zh="清理后没有剩下文字（空文件？）"
        )
    first_line = text.split("\n", 1)[0].strip()
    meta = DocMeta(
        title=entry.get("title") or (first_line if len(first_line) <= 60 else doc_id),
        # a catalog entry wins, even an empty one; else what the document states (masthead)
        date=str(entry["date"]) if "date" in entry else stated_date(text),
        issuer=entry["issuer"] if "issuer" in entry else stated_issuer(text),
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
        raise UserError(
            f"unsupported file type '{path.suffix or path.name}' (use .txt, .md, .docx or .pdf)",
            zh=f"不支持的文件类型“{path.suffix or path.name}”（请用 .txt、.md、.docx 或 .pdf）",
        )
    if not path.is_file():
        raise UserError("no such file", zh="文件不存在")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise UserError(
            f"larger than {MAX_FILE_BYTES // 2**20} MiB; split it first",
            zh=f"文件超过 {MAX_FILE_BYTES // 2**20} MiB，请先拆分",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read ({exc.strerror})", zh="无法读取这个文件") from None
    doc_id = path.stem
    if not doc_id.strip() or any(unicodedata.category(c)[0] == "C" for c in doc_id):
        raise UserError(
            f"unusable file name {path.name!r} (control characters?); rename it",
            zh="文件名不可用（含控制字符？），请改名后上传",
        )
    raw = extract(path.suffix.lower(), data)
    return make_doc(doc_id, raw, catalog.get(doc_id, {}), str(path.resolve()))


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
            rejected.append(Rejected(str(path), str(exc), exc.zh))
            continue
        if doc.doc_id in docs:
            rejected.append(Rejected(str(path), f"duplicate document id '{doc.doc_id}'"))
            continue
        twin = same_text(doc, docs.values())
        if twin:
            rejected.append(Rejected(str(path), f"same text as document '{twin}'; not added twice"))
            continue
        docs[doc.doc_id] = doc
    return list(docs.values()), rejected


def same_text(doc: SourceDoc, others: Iterable[SourceDoc]) -> str:
    """The id of another document with exactly this display text, or ''. A copy under a second
    name would only double every citation."""
    return next((o.doc_id for o in others if o.doc_id != doc.doc_id and o.text == doc.text), "")
