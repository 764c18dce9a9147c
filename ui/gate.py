"""The page's admission gate: `Limits.running` answers at a time with `Limits.waiting` more
waiting their turn; one more is refused at once (`Busy`), and so is one still waiting after
`Limits.wait_seconds`. An answer's work keeps its place until it is done (`Turn`), even when
its asker stopped waiting: a stuck model makes the page busy instead of piling more calls onto
it. Shared by the chat and the `/ask` API (see `ui.app`)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

CONCURRENCY = 2  # an answer takes ~10 ms once the index is loaded; keep memory flat
QUEUE_LIMIT = 64  # questions waiting their turn: 50 sessions asking at once still all wait
WAIT_SECONDS = 120.0
ANSWER_SECONDS = 300.0  # above the model layer's own worst case with default settings
BUSY = "当前提问人数较多，请稍后再试。"
TOO_SLOW = "回答超时（超过 {seconds:g} 秒），请稍后再试。"

T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    """How many answers the page works on, and when it says it is busy instead of hanging."""

    running: int = CONCURRENCY
    """Answers worked on at the same time (the `/ask` API and the chat together)."""
    waiting: int = QUEUE_LIMIT
    """Questions that may wait for their turn; one more is told `BUSY` at once."""
    wait_seconds: float = WAIT_SECONDS
    """A question still waiting after this is told `BUSY`."""
    answer_seconds: float = ANSWER_SECONDS
    """An answer not done this long after its turn came ends with `TOO_SLOW`. Above the model
    layer's worst case with default settings (60 s x 3 attempts, waits between them), so its
    own fallback comes first; only a stream that trickles on and on meets this bound."""


DEFAULT_LIMITS = Limits()
"""The page's own limits (the constants above)."""


class Busy(Exception):
    """The page cannot take, or finish, this question now; the message says so in one line."""


class Gate:
    """`limits.running` turns at a time, first come first served, `limits.waiting` waiting.
    Lives on the server's event loop: waiting costs no thread."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._running = 0
        self._queued = 0
        self._waiting: deque[asyncio.Future[None]] = deque()

    def full(self) -> bool:
        """Whether a question asked now would be told `BUSY` (read from any thread)."""
        return self._running >= self.limits.running and self._queued >= self.limits.waiting

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[Turn]:
        """A turn: `Busy` when too many wait, or when the wait lasts `limits.wait_seconds`."""
        await self._enter()
        turn = Turn(self.limits.answer_seconds)
        try:
            yield turn
        finally:
            turn.release_when_idle(self._leave)

    async def _enter(self) -> None:
        if self._running < self.limits.running:  # nobody waits while a place is free
            self._running += 1
            return
        if self._queued >= self.limits.waiting:
            raise Busy(BUSY)
        loop = asyncio.get_running_loop()
        place: asyncio.Future[None] = loop.create_future()
        self._waiting.append(place)
        self._queued += 1
        timer = loop.call_later(self.limits.wait_seconds, _expire, place)
        try:
            await place  # `_leave` hands its place over
        except BaseException:
            if place.done() and not place.cancelled() and place.exception() is None:
                self._leave()  # handed over as the asker went away: pass it on
            raise
        finally:
            timer.cancel()
            self._queued -= 1
            with contextlib.suppress(ValueError):
                self._waiting.remove(place)

    def _leave(self) -> None:
        while self._waiting:
            place = self._waiting.popleft()
            if not place.done():
                place.set_result(None)  # the place passes on; `_running` stays
                return
        self._running -= 1


def _expire(place: asyncio.Future[None]) -> None:
    if not place.done():
        place.set_exception(Busy(BUSY))


class Turn:
    """One answer's turn: its work in a daemon thread, within `seconds` from the start."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._deadline = asyncio.get_running_loop().time() + seconds
        self._working = 0
        self._release: Callable[[], None] | None = None

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in a thread; returned once its thread is done (and the place free)."""
        (result,) = [r async for r in self.stream(lambda: iter((fn(*args),)))]
        return result

    async def stream(self, start: Callable[[], Iterator[T]]) -> AsyncGenerator[T, None]:
        """The items of `start()`, iterated in a thread; `Busy(TOO_SLOW)` past the deadline.
        When the reader stops early the thread closes the iterator at its next item (so
        `ask_stream` stops the model's stream), then gives back the turn's place."""
        loop = asyncio.get_running_loop()
        items: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        stop = threading.Event()

        def put(kind: str, value: Any) -> None:
            with contextlib.suppress(RuntimeError):  # the server's loop is gone: nobody reads
                loop.call_soon_threadsafe(items.put_nowait, (kind, value))

        def pump() -> None:
            outcome: tuple[str, Any] = ("end", None)
            try:
                iterator = start()
                try:
                    for item in iterator:
                        put("item", item)
                        if stop.is_set():
                            break
                finally:
                    getattr(iterator, "close", lambda: None)()
            except BaseException as exc:  # raised where the reader awaits
                outcome = ("error", exc)
            finally:  # idle first: the reader's last step finds the place free
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(self._idle)
                put(*outcome)

        self._working += 1
        threading.Thread(target=pump, name="rag-answer", daemon=True).start()
        try:
            while True:
                try:
                    left = max(0.0, self._deadline - loop.time())
                    kind, value = await asyncio.wait_for(items.get(), left)
                except TimeoutError:
                    raise Busy(TOO_SLOW.format(seconds=self.seconds)) from None
                if kind == "end":
                    return
                if kind == "error":
                    raise value
                yield value
        finally:
            stop.set()

    def _idle(self) -> None:
        self._working -= 1
        self.release_when_idle(self._release)

    def release_when_idle(self, release: Callable[[], None] | None) -> None:
        """Give the place back now, or once the thread at work is done."""
        self._release = release
        if release is not None and self._working == 0:
            self._release = None
            release()
