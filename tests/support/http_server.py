"""A real local HTTP server for action tests: records every request and answers as scripted.

Runs in a background thread (stdlib ``ThreadingHTTPServer``), so it serves sync and async
callers alike. Script replies with `RecordingHTTPServer.script`: each request consumes the
next `Reply`; once the script is empty every request gets `default`.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """How to answer one request: `delay_s` before answering, or `hang` until the server
    closes (the client's timeout must fire)."""

    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    hang: bool = False


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    #: `time.monotonic()` when the request arrived.
    at: float
    #: The client's address and port: one per connection.
    peer: str = ""

    def json(self) -> Any:
        return json.loads(self.body)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client refusing our certificate is what the TLS tests want


class _LoopbackServer:
    """A `ThreadingHTTPServer` on a free 127.0.0.1 port (or the given loopback `address` and
    `port`), served by a daemon thread; speaking TLS with `tls` (a server context)."""

    def __init__(
        self,
        handler: type[BaseHTTPRequestHandler],
        *,
        address: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._server = _QuietServer((address, port), handler)
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._scheme = "http" if tls is None else "https"
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{self._scheme}://{host!s}:{port}"

    def _start_thread(self) -> None:
        self._thread.start()

    def _stop_thread(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class RecordingHTTPServer(_LoopbackServer):
    """Start with `start()` (or as a context manager); `url` is its base URL. `address`,
    `port` and `tls` as for every loopback server here; `keep_alive` answers in HTTP/1.1 and
    keeps connections open for the next request (pooling tests)."""

    def __init__(
        self,
        default: Reply | None = None,
        *,
        address: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
        keep_alive: bool = False,
    ) -> None:
        self.default = default or Reply()
        self.keep_alive = keep_alive
        self.requests: list[RecordedRequest] = []
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        super().__init__(self._handler_class(), address=address, port=port, tls=tls)

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with `replies`, in order."""
        with self._lock:
            self._script.extend(replies)

    def bodies(self) -> list[Any]:
        return [request.json() for request in self.requests]

    def start(self) -> RecordingHTTPServer:
        self._start_thread()
        return self

    def close(self) -> None:
        self._closing.set()  # releases hanging and slow handlers
        self._stop_thread()

    def __enter__(self) -> RecordingHTTPServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _next_reply(self) -> Reply:
        with self._lock:
            return self._script.popleft() if self._script else self.default

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if server.keep_alive else "HTTP/1.0"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server._record(
                    RecordedRequest(
                        method=self.command,
                        path=self.path,
                        headers=dict(self.headers.items()),
                        body=body,
                        at=time.monotonic(),
                        peer="{}:{}".format(*self.client_address[:2]),
                    )
                )
                reply = server._next_reply()
                if reply.hang:
                    server._closing.wait()
                    return
                if reply.delay_s and server._closing.wait(reply.delay_s):
                    return
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout fired): that is the test's point

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        return Handler


class FileHTTPServer(_LoopbackServer):
    """Serves `files` (path -> bytes) on 127.0.0.1, with byte ranges (``Accept-Ranges``,
    ``206`` answers) or without them (``HEAD`` refused, ``Range`` ignored), as plain static
    servers do. `requests` records ``(method, path, range header)`` of each request."""

    def __init__(self, files: dict[str, bytes], *, ranges: bool) -> None:
        self.files = files
        self.ranges = ranges
        self.requests: list[tuple[str, str, str | None]] = []
        super().__init__(self._handler_class())

    def __enter__(self) -> FileHTTPServer:
        self._start_thread()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop_thread()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, body_wanted: bool) -> None:
                asked = self.headers.get("Range")
                server.requests.append((self.command, self.path, asked))
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                if not body_wanted and not server.ranges:
                    self.send_error(405)  # a server that knows GET only
                    return
                status, start, end = 200, 0, len(body)
                if server.ranges and asked and asked.startswith("bytes="):
                    first, _, last = asked[len("bytes=") :].partition("-")
                    start = int(first) if first else max(0, len(body) - int(last))
                    end = min(len(body), int(last) + 1) if first and last else len(body)
                    status = 206
                self.send_response(status)
                if server.ranges:
                    self.send_header("Accept-Ranges", "bytes")
                if status == 206:
                    self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(body)}")
                self.send_header("Content-Length", str(end - start))
                self.end_headers()
                if body_wanted:
                    self.wfile.write(body[start:end])

            def do_GET(self) -> None:
                self._answer(body_wanted=True)

            def do_HEAD(self) -> None:
                self._answer(body_wanted=False)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
