"""A second, independent fake of the provincial platform for tests: scriptable and nasty.

It shares nothing with provincial_simulator. It is a standard-library ThreadingHTTPServer on
127.0.0.1 (a free port) in a background thread. Each test scripts what it answers per
(action, inner path): one Reply, a queue of Replies (the last one repeats), or a function of the
request. Every request is recorded (method, path, outer query, inner path and query, body), so a
test can assert what the client sent.

A Reply can be anything the contract allows, and more: any HTTP status, a body of raw bytes,
a redirect, a delay before the answer, a body dripped byte by byte, a connection closed
mid-body, gzip encoding.
"""

from __future__ import annotations

import gzip
import json
import socket
import socketserver
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API_PATH = "/hnywtb/anony"
GET = "toCatalogHttpGet"
POST = "toCatalogHttpPost"
THEMES = (GET, "/unifyTaskToWt/getZtflByTask")
LIST = (POST, "/unifyTaskToWt/getUnifyTaskByPage")
DETAIL = (GET, "/unifyTaskToWt/getUnifyTaskInfo")


def envelope(data: Any = None, *, success: Any = True, error: Any = False, msg: str = "") -> dict:
    return {"success": success, "error": error, "msg": msg, "data": data}


@dataclass
class Reply:
    """One canned answer.

    ``body`` may be bytes (sent as is), str (UTF-8) or anything else (sent as JSON).
    ``delay`` waits before answering; ``drip`` sends the body one byte at a time with that
    pause between bytes; ``cut_after`` announces the full Content-Length, sends only that many
    bytes and closes the connection; ``gzip`` compresses the body and says so.
    """

    body: Any = None
    status: int = 200
    content_type: str = "application/json;charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drip: float = 0.0
    cut_after: int | None = None
    gzip: bool = False

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            data = self.body
        elif isinstance(self.body, str):
            data = self.body.encode("utf-8")
        else:
            data = json.dumps(self.body, ensure_ascii=False).encode("utf-8")
        return gzip.compress(data) if self.gzip else data


def ok(data: Any = None, **kwargs) -> Reply:
    """A successful envelope carrying ``data``."""
    return Reply(envelope(data), **kwargs)


def refused(msg: str, **kwargs) -> Reply:
    """A ``success: false`` envelope whose reason is ``msg`` (HTTP 200 unless told)."""
    return Reply(envelope(None, success=False, error=True, msg=msg), **kwargs)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    raw_query: str
    body: bytes
    headers: dict[str, str]
    action: str
    inner_path: str
    inner_query: dict[str, list[str]]

    @property
    def key(self) -> tuple[str, str]:
        return (self.action, self.inner_path)

    def inner(self, name: str, default: str | None = None) -> str | None:
        values = self.inner_query.get(name)
        return values[0] if values else default

    @property
    def data(self) -> dict | None:
        """The list call's ``data`` parameter, decoded from JSON."""
        raw = self.inner("data")
        return None if raw is None else json.loads(raw)


Handler = Reply | dict | list | Callable[[Request], Any]


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64

    def server_bind(self):
        # Skip HTTPServer's getfqdn(), which can stall where DNS is missing.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this, Nagle's algorithm and delayed
    # ACKs add ~40 ms to every keep-alive answer.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_POST(self):
        self._answer("POST")

    def do_GET(self):
        self._answer("GET")

    def _answer(self, method: str) -> None:
        fake: NastyServer = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        inner_url = (query.get("url") or [""])[0]
        inner = urlsplit(inner_url)
        request = Request(
            method=method,
            path=split.path,
            query=query,
            raw_query=split.query,
            body=body,
            headers={k.lower(): v for k, v in self.headers.items()},
            action=(query.get("action") or [""])[0],
            inner_path=inner.path,
            inner_query=parse_qs(inner.query, keep_blank_values=True),
        )
        reply = fake.reply_for(request)
        self._send(reply, fake)

    def _send(self, reply: Reply, fake: NastyServer) -> None:
        if reply.delay and fake.stopping.wait(reply.delay):
            return
        payload = reply.payload()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(payload)))
            if reply.gzip:
                self.send_header("Content-Encoding", "gzip")
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if reply.cut_after is not None:
                self.wfile.write(payload[: reply.cut_after])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if reply.drip:
                for index in range(len(payload)):
                    self.wfile.write(payload[index : index + 1])
                    self.wfile.flush()
                    if fake.stopping.wait(reply.drip):
                        return
                return
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True


class NastyServer:
    """Serve scripted answers on 127.0.0.1; use as a context manager."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        self._routes: dict[tuple[str, str], Handler] = {}
        self._queues: dict[tuple[str, str], list[Reply]] = {}
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.fallback: Reply = Reply(envelope(None, success=False, msg="未配置的接口"), status=404)

    # Life cycle ----------------------------------------------------------------------------

    def start(self) -> NastyServer:
        httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> NastyServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # Scripting -----------------------------------------------------------------------------

    def route(self, key: tuple[str, str], handler: Handler) -> None:
        """Answer calls of ``key`` (action, inner path) with ``handler``.

        A Reply always; a list of Replies in turn, the last one repeating; a callable gets the
        Request and returns a Reply, a list (taken as a queue on first use) or plain data (sent
        in a successful envelope).
        """
        with self._lock:
            self._routes[key] = handler
            self._queues.pop(key, None)

    def reply_for(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            handler = self._routes.get(request.key)
            if isinstance(handler, list):
                queue = self._queues.setdefault(request.key, list(handler))
                return queue.pop(0) if len(queue) > 1 else queue[0]
        if handler is None:
            return self.fallback
        if isinstance(handler, Reply):
            return handler
        if callable(handler):
            return as_reply(handler(request))
        return ok(handler)

    def calls(self, key: tuple[str, str] | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if key is None or r.key == key]


def as_reply(value: Any) -> Reply:
    return value if isinstance(value, Reply) else ok(value)


class Script:
    """Per-item queues: ``script.next(id)`` gives the item's next reply, the last one repeating."""

    def __init__(self, replies: dict[str, Reply | list[Reply] | dict]) -> None:
        self._replies = {k: v if isinstance(v, list) else [v] for k, v in replies.items()}
        self.served: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    def next(self, key: str, default: Reply) -> Reply:
        with self._lock:
            self.served[key] += 1
            queue = self._replies.get(key)
            if not queue:
                return default
            return as_reply(queue.pop(0) if len(queue) > 1 else queue[0])


def details_handler(replies: dict[str, Any]) -> Callable[[Request], Reply]:
    """Answer the detail call of each unifyId from its own queue; unknown ids get data null."""
    script = Script(replies)

    def handle(request: Request) -> Reply:
        return script.next(request.inner("unifyId") or "", ok(None))

    handle.script = script  # type: ignore[attr-defined]
    return handle


def list_handler(
    rows_by_type: dict[str, list[dict]],
    *,
    total: Callable[[str, int], Any] | None = None,
    page_rows: Callable[[str, int, list[dict]], Any] | None = None,
    extra: Callable[[dict], dict] | None = None,
) -> Callable[[Request], Reply]:
    """Page ``rows_by_type`` ("1"/"2" → rows) as the list endpoint does, honestly by default.

    ``total(type, real_total)`` overrides the reported total; ``page_rows(type, page, rows)``
    overrides a page's contents; ``extra(data)`` rewrites the whole data object.
    """

    def handle(request: Request) -> Reply:
        query = request.data or {}
        audience = str(query.get("type", ""))
        page = int(request.inner("page") or 1)
        size = int(request.inner("rows") or 10)
        rows = rows_by_type.get(audience, [])
        contents = rows[(page - 1) * size : page * size]
        if page_rows is not None:
            contents = page_rows(audience, page, contents)
        real = len(rows)
        data = {
            "contents": contents,
            "total": real if total is None else total(audience, real),
            "totalPage": -(-real // size),
            "pageIndex": page,
        }
        if extra is not None:
            data = extra(data)
        return ok(data)

    return handle
