"""What a test scripts the loopback OpenAI server (`rag.testing.openai_server`) with: the
`Request` it received, the `Reply` it should make, and scripts, any callable `Request -> Reply`:
an answer, an HTTP error with a Retry-After, a delay, a stream cut mid-answer, a connection closed
unanswered, replies in turn. Plain data and closures: no HTTP here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Request:
    """One request as the server received it (recorded in `OpenAIServer.requests`)."""

    method: str
    path: str
    """As sent, e.g. `/v1/chat/completions`."""
    headers: dict[str, str]
    """Header names in lower case."""
    body: dict[str, Any]
    """The parsed JSON body; `{}` for a GET."""

    @property
    def endpoint(self) -> str:
        """The path without query and `/v1` prefix: `/chat/completions`, `/embeddings`, ..."""
        path = urlsplit(self.path).path
        return path[3:] if path.startswith("/v1/") else path

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or [])

    @property
    def last_user(self) -> str:
        """The text of the last user message (text parts joined), or ``""``."""
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return text_of(message.get("content"))
        return ""

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))


def text_of(content: Any) -> str:
    """A message's text: a string, or its text parts joined."""
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}, ...]
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


@dataclass(frozen=True)
class Reply:
    """What the server does with one request. The default answers each endpoint normally."""

    text: str = ""
    """The assistant's content (chat only); streamed as deltas of `chunk_chars` characters."""
    status: int = 200
    """An error status (400 and up) replies with OpenAI's body `{"error": {...}}`."""
    headers: dict[str, str] = field(default_factory=dict)
    """Extra response headers, e.g. `{"Retry-After": "1"}`."""
    delay: float = 0.0
    """Seconds to wait before replying (to trigger a client's timeout)."""
    cut_after: int | None = None
    """Streaming: close the connection after this many content deltas, without `[DONE]`."""
    close: bool = False
    """Close the connection without any response."""
    error: str = ""
    """The error message, instead of the default one of `status`."""
    finish_reason: str = "stop"
    """E.g. `length`, to play an answer cut by `max_tokens`."""
    chunk_chars: int = 4


Script = Callable[[Request], Reply]


def answer(text: str) -> Script:
    return lambda _request: Reply(text=text)


def fault(status: int, retry_after: float | None = None, message: str = "") -> Script:
    headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
    return lambda _request: Reply(status=status, headers=headers, error=message)


def slow(seconds: float, text: str = "") -> Script:
    return lambda _request: Reply(text=text, delay=seconds)


def cut(text: str, after: int) -> Script:
    return lambda _request: Reply(text=text, cut_after=after)


def hang_up() -> Script:
    return lambda _request: Reply(close=True)


class InTurn:
    """Replies in turn (each a `Reply` or a script), then repeats the last one:
    `InTurn(fault(429, retry_after=1), answer("好"))`. Not called `Sequence`, which would shadow
    `collections.abc.Sequence` in the modules importing it."""

    def __init__(self, *replies: Reply | Script) -> None:
        if not replies:
            raise ValueError("InTurn needs at least one reply")
        self._replies = replies
        self._lock = threading.Lock()
        self.calls = 0

    def __call__(self, request: Request) -> Reply:
        with self._lock:
            reply = self._replies[min(self.calls, len(self._replies) - 1)]
            self.calls += 1
        return reply if isinstance(reply, Reply) else reply(request)
