"""What `bench.crash` reads off a store a kill left (bench/crash_disk.py `disk_state`): a store
Chroma had not finished creating is empty, not unreadable; a file that is not a database is
unreadable."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench.crash_disk import disk_state


def test_no_file_is_an_empty_store(tmp_path: Path) -> None:
    assert disk_state(tmp_path, "rag-x") == (set(), {})


def test_a_file_killed_before_its_first_table_is_an_empty_store(tmp_path: Path) -> None:
    (tmp_path / "chroma.sqlite3").write_bytes(b"")
    assert disk_state(tmp_path, "rag-x") == (set(), {})


def test_a_file_killed_between_its_tables_is_an_empty_store(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "chroma.sqlite3") as conn:
        conn.execute("CREATE TABLE collections (id TEXT, name TEXT)")
        conn.execute("CREATE TABLE segments (id TEXT, collection TEXT, scope TEXT)")
    conn.close()
    assert disk_state(tmp_path, "rag-x") == (set(), {})


def test_a_file_that_is_not_a_database_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "chroma.sqlite3").write_bytes(b"not a database, " * 512)
    assert disk_state(tmp_path, "rag-x") is None
