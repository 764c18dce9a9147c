"""The answer's downloads (Markdown and JSON) as files, which Gradio's download buttons need,
kept in one folder per page that never grows without bound: a file is named by a hash of its
content (the same answer exported twice is one file), at most `KEPT` files stay (the oldest
go first), and the folder is removed when the page is. Gradio's own copies of the files it
served are removed by the page's `delete_cache`."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
import weakref
from collections import OrderedDict
from pathlib import Path

KEPT = 64
"""Export files kept at once: the last 32 answers' two files (a download is served within
seconds of the answer; older ones are in Gradio's cache until it expires them)."""


class Exports:
    """Files for the download buttons, in a folder of this object's own."""

    def __init__(self, kept: int = KEPT) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="rag-export-"))
        self._kept = kept
        self._files: OrderedDict[Path, None] = OrderedDict()
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.folder, ignore_errors=True)

    def write(self, name: str, content: str) -> str:
        """The path of a file holding `content`; `name` gives its extension and stem."""
        data = content.encode("utf-8")
        stem, _, suffix = name.rpartition(".")
        path = self.folder / f"{stem}-{hashlib.sha256(data).hexdigest()[:16]}.{suffix}"
        with self._lock:
            if path not in self._files:
                path.write_bytes(data)
            self._files[path] = None
            self._files.move_to_end(path)
            while len(self._files) > self._kept:
                old, _ = self._files.popitem(last=False)
                old.unlink(missing_ok=True)
        return str(path)

    def close(self) -> None:
        """Remove the folder and every file in it."""
        self._finalizer()
