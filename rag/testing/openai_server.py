"""A fake OpenAI-compatible server on loopback, scripted per test (the eval's model: quoting_model).

`OpenAIServer` is a real HTTP/1.1 server (stdlib `ThreadingHTTPServer` on 127.0.0.1, an ephemeral
port, a daemon thread) speaking the endpoints the product calls: chat completions (JSON, or
server-sent events when `stream` is true), embeddings (float or base64) and the model list. A
script, any callable `Request -> Reply`, decides every reply: an answer, an HTTP error with
OpenAI's error body and headers, a delay, a stream cut mid-answer, a connection closed unanswered.

Why a server and not `httpx.MockTransport`: the product talks to providers through the real
`openai` client and LlamaIndex's `OpenAILike`; only real HTTP exercises their retries, timeouts,
SSE parsing and the mapping of status codes to exceptions. Like pydantic-ai's `TestModel` it ships
in the package, because `rag eval --mode llm` runs against it in CI. Not for production: no
authentication, no limits, loopback only.

`rag.testing.quoting_model.QuotingModel` is the deterministic script of that eval (the default
script here, and what `python -m rag.testing.openai_server` serves).

Here: the server's life (start, close, what it recorded), refused_url and the command line. The
request and reply types and the scripts are in `openai_script`, the JSON bodies in
`openai_bodies`, the handler in `openai_http`; every name tests use is importable from here.

Trade-offs: a cut stream is a protocol error the client sees (chunked transfer encoding: see
`openai_http`); `usage` counts characters, not tokens.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
import threading

from rag.testing.openai_bodies import EMBED_DIM, ERRORS, hashed_vector
from rag.testing.openai_http import Httpd
from rag.testing.openai_script import (
    InTurn,
    Reply,
    Request,
    Script,
    answer,
    cut,
    fault,
    hang_up,
    slow,
)
from rag.testing.quoting_model import QuotingModel

__all__ = [
    "EMBED_DIM",
    "ERRORS",
    "HOST",
    "MODELS",
    "InTurn",
    "OpenAIServer",
    "Reply",
    "Request",
    "Script",
    "answer",
    "cut",
    "fault",
    "hang_up",
    "hashed_vector",
    "main",
    "refused_url",
    "slow",
]
"""The server, and the types, scripts and constants re-exported for the tests and benchmarks
that import them from here."""

HOST = "127.0.0.1"
MODELS = ("qwen-plus", "bge-m3")


def refused_url() -> str:
    """A base URL nothing listens on (a port bound, then released): connections are refused."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    return f"http://{HOST}:{port}/v1"


class OpenAIServer:
    """`with OpenAIServer(answer("好")) as srv: OpenAI(base_url=srv.base_url, ...)`.

    `script` may be replaced at any time; `requests` lists what arrived, `errors` the scripts that
    raised (answered with a 500)."""

    def __init__(
        self,
        script: Script | None = None,
        *,
        port: int = 0,
        embed_dim: int = EMBED_DIM,
        models: tuple[str, ...] = MODELS,
    ) -> None:
        self.script: Script = QuotingModel() if script is None else script
        self.embed_dim = embed_dim
        self.models = models
        self.requests: list[Request] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        """Set by `close`: wakes delayed replies."""
        self._httpd = Httpd((HOST, port), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    def start(self) -> OpenAIServer:
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, wake delayed replies and drop open connections."""
        self.stopping.set()
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.drop_connections()
        self._httpd.server_close()

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def reply_to(self, request: Request) -> Reply:
        """Record the request, then ask the script."""
        self.record(request)
        try:
            return self.script(request)
        except Exception as exc:  # a broken script is the test's bug: say so, keep serving
            self.errors.append(f"{type(exc).__name__}: {exc}")
            return Reply(status=500, error=f"script failed: {type(exc).__name__}: {exc}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m rag.testing.openai_server",
        description="Serve the quoting fake model on loopback until Ctrl-C (not for production).",
    )
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--invent-every", type=int, default=0, metavar="K")
    args = parser.parse_args(argv)
    with OpenAIServer(QuotingModel(invent_every=args.invent_every), port=args.port) as srv:
        print(srv.base_url, flush=True)
        print(
            f"try: RAG_LLM_BASE_URL={srv.base_url} RAG_LLM_MODEL={MODELS[0]} "
            'RAG_LLM_API_KEY=test rag ask "…"',
            file=sys.stderr,
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
