"""Lock: one writer at a time on the embedded store, refused at once (a second writer never waits).

An exclusive `flock` on `<data_dir>/write.lock`, which records the holder's pid for the message.
A Chroma server serialises writes itself, so there is no lock in server mode. Kept apart from
`index.py` (and its LlamaIndex imports) so that `rag ingest` can refuse a second writer right
after start-up, before the heavy imports.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator

from rag.errors import UserError
from rag.settings import Settings


@contextlib.contextmanager
def writer_lock(settings: Settings) -> Iterator[None]:
    """Exclusive write access to the embedded store; a second writer is refused at once."""
    if settings.chroma_host:
        yield  # the server serialises writes itself
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "write.lock"
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise UserError(
                f"another process (pid {holder}) is writing the index in {settings.data_dir};"
                " wait for it to finish"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)
