"""A call that reports pieces through a callback (`on_token`), turned into a generator: the
pieces as they come, then the call's result. The call runs on a thread of its own; errors are
raised in the consumer's thread where they happen. When the consumer stops early (the page's
stop button closes the generator), the next piece raises `Stopped` inside the call, which ends
the model's stream and frees the endpoint.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from rag.errors import Stopped

T = TypeVar("T")


def streamed(call: Callable[[Callable[[str], None]], T]) -> Iterator[str | T]:
    """`call(on_token)` as a stream of its pieces, then its result (nothing more if it stopped)."""
    pieces: queue.Queue[tuple[str, Any]] = queue.Queue()
    stop = threading.Event()

    def on_token(text: str) -> None:
        if stop.is_set():  # the consumer went away
            raise Stopped()
        pieces.put(("text", text))

    def run() -> None:
        try:
            pieces.put(("result", call(on_token)))
        except Stopped:
            pieces.put(("stopped", None))
        except BaseException as exc:  # handed to the consumer, raised in its thread
            pieces.put(("error", exc))

    worker = threading.Thread(target=run, name="rag-ask", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = pieces.get()
            if kind in ("text", "result"):
                yield value
                if kind == "result":
                    return
            elif kind == "stopped":
                return
            else:
                raise value
    finally:  # closed early: the call stops at its next piece
        stop.set()
