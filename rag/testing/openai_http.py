"""The HTTP side of the loopback OpenAI server (`rag.testing.openai_server`): a stdlib
`ThreadingHTTPServer` whose handler parses each request, asks the owning `OpenAIServer` for the
scripted `Reply` and writes it as OpenAI would: a JSON body, an error with its headers, or
server-sent events.

Trade-offs: HTTP/1.1 with keep-alive, as the client's connection pool expects; streams use chunked
transfer encoding, so a cut stream is a protocol error the client sees (the openai client does not
require `[DONE]`: a close-delimited stream cut early would look like a normal end). Open
connections are tracked so closing the server can drop the kept-alive ones.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from rag.testing.openai_bodies import completion, completion_chunks, embeddings, error_body
from rag.testing.openai_script import Reply, Request

if TYPE_CHECKING:  # the server owns the handler's server: a cycle for types only
    from rag.testing.openai_server import OpenAIServer


class Httpd(ThreadingHTTPServer):
    """One thread per connection, each request handed to `owner`; tracks open connections."""

    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 drops connections under a load test's burst

    def __init__(self, address: tuple[str, int], owner: OpenAIServer) -> None:
        self.owner = owner
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Kept-alive connections would keep their handler threads waiting for a next request."""
        with self._open_lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)  # prints the traceback


class Handler(BaseHTTPRequestHandler):
    """One connection: each request read, answered as its `Reply` says."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the client's connection pool expects
    server_version = "openai-fake/1"
    timeout = 30  # an idle kept-alive connection is dropped after this
    server: Httpd

    def log_message(self, format: str, *args: Any) -> None:  # (`format`: the base's name)
        """Silent: the default logs every request to stderr."""

    def do_GET(self) -> None:  # the base dispatches on this name
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = Request(self.command, self.path, headers, body if isinstance(body, dict) else {})
        owner = self.server.owner
        if isinstance(body, dict):
            reply = owner.reply_to(request)
        else:
            owner.record(request)
            reply = Reply(status=400, error="The body is not a JSON object.")
        if reply.delay and owner.stopping.wait(reply.delay):
            reply = Reply(close=True)  # shutting down: do not keep the test waiting
        try:
            self._send(request, reply)
        except ConnectionError:  # the client gave up (its timeout): nobody to answer
            self.close_connection = True

    def _send(self, request: Request, reply: Reply) -> None:
        if reply.close:
            self.close_connection = True
            return
        if reply.status >= 400:
            self._json(error_body(reply), reply.status, reply.headers)
            return
        owner, endpoint = self.server.owner, request.endpoint
        if endpoint == "/chat/completions" and request.method == "POST":
            if not request.messages:
                self._json(error_body(Reply(status=400, error="'messages' is required")), 400)
            elif request.stream:
                self._stream(completion_chunks(request, reply), reply)
            else:
                self._json(completion(request, reply), 200, reply.headers)
        elif endpoint == "/embeddings" and request.method == "POST":
            if "input" not in request.body:
                self._json(error_body(Reply(status=400, error="'input' is required")), 400)
            else:
                self._json(embeddings(request, owner.embed_dim), 200, reply.headers)
        elif endpoint == "/models" and request.method == "GET":
            models = [
                {"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in owner.models
            ]
            self._json({"object": "list", "data": models}, 200, reply.headers)
        else:
            self._json(error_body(Reply(status=404, error=f"No route {request.path}")), 404)

    def _json(
        self, obj: dict[str, Any], status: int, headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, chunks: list[dict[str, Any]], reply: Reply) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        contents = 0
        for chunk in chunks:
            delta = chunk["choices"][0]["delta"] if chunk["choices"] else {}
            if delta.get("content"):
                if reply.cut_after is not None and contents >= reply.cut_after:
                    self.close_connection = True  # no last chunk: an incomplete chunked body
                    return
                contents += 1
            self._frame(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n")
        self._frame("data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")

    def _frame(self, event: str) -> None:
        data = event.encode("utf-8")
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
