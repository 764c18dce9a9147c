"""Lock: one writer at a time on the embedded store, refused at once (a second writer never waits).

`filelock`'s exclusive lock on `<data_dir>/write.lock` (an OS lock, released when its holder
dies, so a killed ingest leaves nothing to clean up), which records the holder's pid for the
message. A Chroma server serialises writes itself, so there is no lock in server mode. Kept
apart from the store (and its LlamaIndex imports) so that `rag ingest` can refuse a second
writer right after start-up, before the heavy imports.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from rag.errors import UserError
from rag.settings import Settings


def _record_holder(fd: int) -> None:
    """Write this process's pid into the lock file once the lock is ours (a refused attempt
    leaves the file as the holder wrote it)."""
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode("ascii"))


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip() or "?"
    except OSError:
        return "?"


@contextlib.contextmanager
def writer_lock(settings: Settings) -> Iterator[None]:
    """Exclusive write access to the embedded store; a second writer is refused at once."""
    if settings.chroma_host:
        yield  # the server serialises writes itself
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "write.lock"
    lock = FileLock(path, timeout=0, on_acquired=_record_holder)
    try:
        lock.acquire()
    except Timeout:
        raise UserError(
            f"another process (pid {_holder(path)}) is writing the index in {settings.data_dir};"
            " wait for it to finish",
            zh="另一个程序正在写入知识库，请等它完成后再试",
        ) from None
    try:
        yield
    finally:
        lock.release()
