"""The crash benchmark's corpus (`bench.crash`): a writable copy of the documents, changed between
killed ingests (seeded edits, removals, an extra document) so that an ingest has adds, updates
and removals to do, restored before the final ingest; and what a complete ingest of it stores."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

EXTRA_DOC = "900_crash_extra.txt"
"""A document that comes and goes between runs (its removal is part of what a kill can hit)."""


def copy_corpus(source: Path, target: Path) -> dict[str, bytes]:
    """Copy the corpus folder's files (writable; not its subfolders) into `target`; file name
    -> original bytes. Its .txt/.md documents are the ones `mutate_corpus` changes."""
    target.mkdir(parents=True)
    originals = {}
    for path in sorted(source.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            originals[path.name] = path.read_bytes()
            (target / path.name).write_bytes(originals[path.name])
    return originals


def _documents(originals: dict[str, bytes]) -> list[str]:
    return [n for n in originals if n.endswith((".txt", ".md"))]


def edited(data: bytes, version: int) -> bytes:
    """A document with a paragraph added: a new content hash, so new chunk ids throughout."""
    note = f"\n\n崩溃测试修订第{version}版：本段文字只为改变文档的内容哈希。\n"
    return data + note.encode("utf-8")


def mutate_corpus(corpus: Path, originals: dict[str, bytes], rng: random.Random) -> str:
    """Give each text document a seeded state (original, edit 1, 2 or 3, or absent) and the
    extra document a coin flip; a short description of the corpus."""
    states = []
    for name in _documents(originals):
        version = rng.choices([0, 1, 2, 3, -1], [2, 2, 2, 2, 1])[0]  # -1: absent
        path = corpus / name
        if version < 0:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(edited(originals[name], version) if version else originals[name])
        states.append(version)
    extra = corpus / EXTRA_DOC
    first = originals[_documents(originals)[0]]
    if rng.random() < 0.5:
        extra.write_bytes(edited(first, 9))
    else:
        extra.unlink(missing_ok=True)
    edits = sum(v > 0 for v in states)
    absent = states.count(-1)
    return f"{edits} edited, {absent} absent, extra {'in' if extra.exists() else 'out'}"


def restore_corpus(corpus: Path, originals: dict[str, bytes]) -> None:
    (corpus / EXTRA_DOC).unlink(missing_ok=True)
    for name, data in originals.items():
        (corpus / name).write_bytes(data)


def settings_for(data_dir: Path, corpus: Path) -> Any:
    from rag.settings import Settings

    return Settings(data_dir=data_dir, seeds_dir=corpus)


def expected_store(corpus: Path, settings: Any) -> tuple[set[str], dict[str, str]]:
    """Chunk ids and doc_id -> content hash that a complete ingest of `corpus` leaves."""
    from rag.ingest.chunk import chunk_document
    from rag.ingest.readers import read_corpus

    docs, _ = read_corpus([corpus])
    ids = {
        c.chunk_id
        for d in docs
        for c in chunk_document(d, settings.chunk_tokens, settings.chunk_overlap_sentences)
    }
    return ids, {d.doc_id: d.sha for d in docs}
