"""What a (possibly killed) ingest left on disk, for `bench.crash`: the chunk ids and document
hashes in Chroma's SQLite file, read from a copy (Chroma's own tables; nothing opens the store
through Chroma between runs), and the file's size and modification time (re-read only when they
changed: the copy costs the parent CPU)."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
from pathlib import Path


def disk_state(data_dir: Path, name: str) -> tuple[set[str], dict[str, str]] | None:
    """Chunk ids and doc_id -> sha as Chroma's SQLite file holds them, read from a copy (with
    its rollback journal, so an interrupted transaction is rolled back on the copy, not on the
    store). A store Chroma had not finished creating (killed in the few milliseconds between
    creating the file and committing its tables) holds no chunks. None when a table that is
    there cannot be read (the copy raced a writer)."""
    db = data_dir / "chroma.sqlite3"
    if not db.exists():
        return set(), {}
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "chroma.sqlite3"
        try:
            shutil.copyfile(db, copy)
            journal = data_dir / "chroma.sqlite3-journal"
            if journal.exists():
                shutil.copyfile(journal, Path(tmp) / "chroma.sqlite3-journal")
            with contextlib.closing(sqlite3.connect(copy)) as conn:
                if not _has_tables(conn):
                    return set(), {}
                return _chunk_ids(conn, name), _records(conn, f"{name}-docs")
        except (OSError, sqlite3.Error):  # a running writer moved on under the copy
            return None


_TABLES = ("collections", "segments", "embeddings", "embedding_metadata")


def _has_tables(conn: sqlite3.Connection) -> bool:
    """Whether Chroma's tables that hold chunks are all there."""
    marks = ", ".join("?" * len(_TABLES))
    rows = conn.execute(
        f"SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ({marks})", _TABLES
    )
    return len(rows.fetchall()) == len(_TABLES)


_SEGMENT = (
    "SELECT s.id FROM segments s JOIN collections c ON s.collection = c.id"
    " WHERE c.name = ? AND s.scope = 'METADATA'"
)


def _chunk_ids(conn: sqlite3.Connection, collection: str) -> set[str]:
    rows = conn.execute(
        f"SELECT embedding_id FROM embeddings WHERE segment_id IN ({_SEGMENT})", (collection,)
    )
    return {r[0] for r in rows}


def _records(conn: sqlite3.Connection, collection: str) -> dict[str, str]:
    rows = conn.execute(
        "SELECT e.embedding_id, m.string_value FROM embeddings e JOIN embedding_metadata m"
        f" ON m.id = e.id AND m.key = 'sha' WHERE e.segment_id IN ({_SEGMENT})",
        (collection,),
    )
    return {r[0]: r[1] for r in rows}


def stamp(path: Path) -> tuple[int, int] | None:
    """The file's size and modification time (ns); None when it is not there."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns
