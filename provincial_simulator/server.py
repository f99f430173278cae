"""An HTTP server that speaks the provincial platform's contract, with switchable faults.

Standard library only, so that it can run anywhere the portal runs and never depends on the
product code it is used to test. See README.md in this package for the endpoints.
"""

from __future__ import annotations

import html
import json
import math
import socket
import socketserver
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from random import Random
from urllib.parse import parse_qsl, quote

from .data import Dataset, dumps

API_PATH = "/hnywtb/anony"
CONTROL_PREFIX = "/__simulator__/"
GUIDE_PAGE = "/hnywtb/service/guide.html"
HANDLE_PAGE = "/hnywtb/service/handle.html"
ATTACH_PREFIX = "/hnywtb/attach/"

ENDPOINTS = ("themes", "list", "detail")
# Inner url path -> (endpoint, the action the platform expects for it).
ROUTES = {
    "/unifyTaskToWt/getZtflByTask": ("themes", "toCatalogHttpGet"),
    "/unifyTaskToWt/getUnifyTaskByPage": ("list", "toCatalogHttpPost"),
    "/unifyTaskToWt/getUnifyTaskInfo": ("detail", "toCatalogHttpGet"),
}
ACTIONS = frozenset(action for _, action in ROUTES.values())
MAX_ROWS = 100

MSG_NOT_FOUND = "事项不存在或已取消"
MSG_BUSY = "系统繁忙，请稍后再试"

RATE_FIELDS = ("error_rate", "failure_rate", "malformed_rate")
FAULT_FIELDS = (
    "latency_ms",
    "latency_jitter_ms",
    *RATE_FIELDS,
    "repeat_page",
    "maintenance_seconds",
    "endpoints",
)

ERROR_PAGES = {
    500: "500 Internal Server Error",
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
}

MAINTENANCE_PAGE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>系统维护中</title></head>'
    "<body><h1>系统维护中</h1><p>湖南省政务服务网正在进行系统升级维护，请稍后再试。</p>"
    "<p>给您带来的不便，敬请谅解。</p></body></html>"
).encode()


def envelope(data=None, *, success: bool = True, msg: str = "") -> bytes:
    """Return the platform's JSON envelope around data."""
    return dumps({"success": success, "error": not success, "msg": msg, "data": data})


def failure(msg: str) -> bytes:
    return envelope(None, success=False, msg=msg)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class Faults:
    """The fault switches of one server.

    Attributes can be set directly from Python (`sim.faults.latency_ms = 50`); `update()` checks
    values and is what the HTTP control endpoint uses. Rate faults are drawn from a seeded RNG
    under a lock, so a given sequence of calls meets the same faults every time.
    """

    def __init__(self, seed=0):
        self._lock = threading.Lock()
        self._seed = seed
        self.clear()

    def clear(self) -> None:
        """Switch every fault off and restart the fault RNG from its seed."""
        with self._lock:
            self._rng = Random(f"{self._seed}:faults")
            self._jitter_rng = Random(f"{self._seed}:jitter")
            self.latency_ms: float = 0
            self.latency_jitter_ms: float = 0
            self.error_rate: float = 0.0
            self.failure_rate: float = 0.0
            self.malformed_rate: float = 0.0
            self.endpoints: list[str] = list(ENDPOINTS)
            self._repeat_page: dict | None = None
            self._repeat_served = 0
            self._maintenance_until = 0.0

    @property
    def repeat_page(self) -> dict | None:
        return self._repeat_page

    @repeat_page.setter
    def repeat_page(self, value: dict | None) -> None:
        with self._lock:
            self._repeat_page = _check_repeat_page(value)
            self._repeat_served = 0

    @property
    def maintenance_seconds(self) -> float:
        """Return the seconds left in the maintenance window (0 when there is none)."""
        return max(0.0, self._maintenance_until - time.monotonic())

    @maintenance_seconds.setter
    def maintenance_seconds(self, seconds: float) -> None:
        # The window starts now; 0 ends a running one.
        self._maintenance_until = time.monotonic() + seconds if seconds > 0 else 0.0

    def update(self, **values) -> None:
        """Check and apply several switches at once; raise ValueError on a bad value."""
        checked = {}
        for key, value in values.items():
            if key not in FAULT_FIELDS:
                raise ValueError(f"未知的故障开关：{key}")
            if key in ("latency_ms", "latency_jitter_ms", "maintenance_seconds"):
                if not _is_number(value) or value < 0:
                    raise ValueError(f"{key} 必须是不小于 0 的数")
            elif key in RATE_FIELDS:
                if not _is_number(value) or not 0 <= value <= 1:
                    raise ValueError(f"{key} 必须在 0 到 1 之间")
            elif key == "endpoints":
                if value is None:
                    value = list(ENDPOINTS)
                if not isinstance(value, list | tuple) or any(v not in ENDPOINTS for v in value):
                    raise ValueError("endpoints 必须是 themes、list、detail 中若干项组成的列表")
                value = list(value)
            elif key == "repeat_page":
                value = _check_repeat_page(value)
            checked[key] = value
        for key, value in checked.items():
            setattr(self, key, value)

    def to_dict(self) -> dict:
        return {
            "latency_ms": self.latency_ms,
            "latency_jitter_ms": self.latency_jitter_ms,
            "error_rate": self.error_rate,
            "failure_rate": self.failure_rate,
            "malformed_rate": self.malformed_rate,
            "repeat_page": self._repeat_page,
            "repeat_page_served": self._repeat_served,
            "maintenance_seconds": round(self.maintenance_seconds, 3),
            "endpoints": list(self.endpoints),
        }

    # -- used by the request handler ----------------------------------------------------------

    def delay(self) -> float:
        """Return the latency to add to this call, in seconds."""
        latency = float(self.latency_ms)
        if self.latency_jitter_ms:
            with self._lock:
                latency += self._jitter_rng.uniform(0, float(self.latency_jitter_ms))
        return latency / 1000

    def in_maintenance(self) -> bool:
        return time.monotonic() < self._maintenance_until

    def draw(self, endpoint: str | None) -> tuple[str | None, float]:
        """Return the rate fault this call meets ("error", "failure", "malformed" or None).

        The second value is a uniform draw used to vary the fault (status code, cut point).
        """
        if endpoint not in self.endpoints:
            return None, 0.0
        error, fail, bad = self.error_rate, self.failure_rate, self.malformed_rate
        if error + fail + bad <= 0:
            return None, 0.0
        with self._lock:
            u, v = self._rng.random(), self._rng.random()
        if u < error:
            return "error", v
        if u < error + fail:
            return "failure", v
        if u < error + fail + bad:
            return "malformed", v
        return None, v

    def repeat(self, page: int) -> bool:
        """Return whether this list page must answer with the previous page's contents."""
        with self._lock:
            rule = self._repeat_page
            if not rule or rule["page"] != page:
                return False
            if rule["times"] is None:
                return True
            if self._repeat_served < rule["times"]:
                self._repeat_served += 1
                return True
            return False


def _check_repeat_page(value) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"page", "times"}:
        raise ValueError('repeat_page 必须形如 {"page": 2, "times": 1}')
    page, times = value.get("page"), value.get("times")
    if not isinstance(page, int) or isinstance(page, bool) or page < 1:
        raise ValueError("repeat_page.page 必须是正整数")
    if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
        raise ValueError("repeat_page.times 必须是正整数或 null")
    return {"page": page, "times": times}


class Stats:
    """Counters of requests served and faults injected."""

    KEYS = (
        "total",
        "api",
        "themes",
        "list",
        "detail",
        "unknown",
        "rejected",
        "pages",
        "control",
        "not_found",
    )
    FAULT_KEYS = ("latency", "maintenance", "error", "failure", "malformed", "repeat_page")

    def __init__(self):
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._counts = dict.fromkeys(self.KEYS, 0)
            self._faults = dict.fromkeys(self.FAULT_KEYS, 0)

    def count(self, key: str) -> None:
        with self._lock:
            self._counts[key] += 1

    def fault(self, key: str) -> None:
        with self._lock:
            self._faults[key] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {
                **self._counts,
                "faults": dict(self._faults),
                "faults_total": sum(self._faults.values()),
            }


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Idle keep-alive connections must not hold stop() up.
    block_on_close = False
    request_queue_size = 128

    def server_bind(self):
        # HTTPServer.server_bind resolves the host name (getfqdn), which can stall for seconds
        # where DNS is missing; the simulator does not need it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = port


class SimulatorServer:
    """Serve a dataset over HTTP in a background thread.

    >>> with SimulatorServer(size=100) as sim:
    ...     sim.set_faults(latency_ms=20)
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int | str | None = None,
        size: int | None = None,
        *,
        public_url: str | None = None,
        fault_seed: int | str | None = None,
        verbose: bool = False,
    ):
        self.host = host
        self.port = port
        self.dataset = Dataset(seed=seed, size=size)
        self.faults = Faults(self.dataset.seed if fault_seed is None else fault_seed)
        self.verbose = verbose
        self._stats = Stats()
        self._public_url = public_url.rstrip("/") if public_url else None
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ----------------------------------------------------------------------------

    def start(self) -> SimulatorServer:
        """Bind the port and serve in a daemon thread; raise OSError when the port is taken."""
        if self._httpd is not None:
            return self
        server_class = _HTTPServer
        if ":" in self.host:
            server_class = type("_HTTPServer6", (_HTTPServer,), {"address_family": socket.AF_INET6})
        httpd = server_class((self.host, self.port), _Handler)
        httpd.simulator = self
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self.dataset.public_url = self.public_url
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"provincial-simulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def public_url(self) -> str:
        """Return the address used in absolute links (onlineHandleUrl); base_url by default."""
        return self._public_url or self.base_url

    # -- faults, data, stats -------------------------------------------------------------------

    def set_faults(self, **values) -> None:
        """Set fault switches, e.g. set_faults(error_rate=0.2, endpoints=["detail"])."""
        self.faults.update(**values)

    def reset_faults(self) -> None:
        self.faults.clear()

    def reset_stats(self) -> None:
        self._stats.clear()

    def reset(self, *, dataset: bool = False, stats: bool = False) -> None:
        """Clear the faults; optionally return the dataset to generation 0 and clear the stats."""
        self.faults.clear()
        if dataset:
            self.dataset.reset()
        if stats:
            self._stats.clear()

    def advance(self) -> dict:
        return self.dataset.advance()

    def vanish(self, ids) -> list[str]:
        return self.dataset.vanish(list(ids))

    def restore(self, ids) -> list[str]:
        return self.dataset.restore(list(ids))

    def change(self, ids) -> list[str]:
        return self.dataset.change(list(ids))

    @property
    def stats(self) -> dict:
        return self._stats.snapshot()

    def state(self) -> dict:
        return {
            "base_url": self.base_url,
            "public_url": self.public_url,
            "seed": self.dataset.seed,
            "size": self.dataset.size,
            "generation": self.dataset.generation,
            **self.dataset.counts(),
            "faults": self.faults.to_dict(),
            "stats": self.stats,
        }


def parse_api_query(query: str) -> tuple[str, str, dict[str, str]]:
    """Return (action, inner path, parameters) the way a Java servlet would read the query.

    A client may URL-encode the inner `url` (then its own parameters come out of it) or not
    (then the servlet sees `page`, `rows`, `data` as siblings of `action` and `url`).
    Like `getParameter`, the first value of a repeated name wins.
    """
    outer: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        outer.setdefault(key, value)
    action = outer.pop("action", "")
    url = outer.pop("url", "")
    inner_path, _, inner_query = url.partition("?")
    params: dict[str, str] = {}
    for key, value in parse_qsl(inner_query, keep_blank_values=True):
        params.setdefault(key, value)
    for key, value in outer.items():
        params.setdefault(key, value)
    return action, inner_path, params


def _positive_int(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if number > 0 else None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hnywtb-simulator/1.0"
    sys_version = ""
    # Close idle keep-alive connections so that their threads end.
    timeout = 30
    # Headers and body go out in separate writes; with Nagle's algorithm and delayed ACKs each
    # keep-alive call would then wait ~40 ms.
    disable_nagle_algorithm = True

    @property
    def sim(self) -> SimulatorServer:
        return self.server.simulator

    def log_message(self, format, *args):  # noqa: A002 - the signature is the base class's
        if self.sim.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def do_PATCH(self):
        self._dispatch("PATCH")

    # -- plumbing ------------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    # Skip trailers up to the blank line.
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, body: bytes, content_type: str, headers=()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status: int, body: bytes, headers=()) -> None:
        self._send(status, body, "application/json;charset=UTF-8", headers)

    def _send_html(self, status: int, body: bytes) -> None:
        self._send(status, body, "text/html;charset=UTF-8")

    def _control_json(self, status: int, payload: dict, headers=()) -> None:
        self._send(status, dumps(payload), "application/json; charset=utf-8", headers)

    def _dispatch(self, method: str) -> None:
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._control_json(400, {"ok": False, "msg": "无法读取请求体"})
            return
        self.sim._stats.count("total")
        path, _, query = self.path.partition("?")
        try:
            if path == API_PATH:
                self._api(method, query)
            elif path.startswith(CONTROL_PREFIX):
                self._control(method, path[len(CONTROL_PREFIX) :], body)
            elif path in (GUIDE_PAGE, HANDLE_PAGE):
                self._page(method, path, query)
            elif path.startswith(ATTACH_PREFIX) and method == "GET":
                self.sim._stats.count("pages")
                name = path[len(ATTACH_PREFIX) :]
                self._send(200, f"模拟附件：{name}\n".encode(), "text/plain; charset=utf-8")
            elif path in ("", "/") and method == "GET":
                self.sim._stats.count("pages")
                self._send_html(200, self._index_page())
            else:
                self.sim._stats.count("not_found")
                self._send_html(404, _page("页面不存在", "<p>请求的页面不存在。</p>"))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # a bug in the simulator must show, not hang the client
            traceback.print_exc()
            self.close_connection = True
            self._send_json(500, failure("模拟器内部错误"))

    # -- the platform API ----------------------------------------------------------------------

    def _api(self, method: str, query: str) -> None:
        sim, stats = self.sim, self.sim._stats
        if method != "POST":
            stats.count("rejected")
            self._send_json(
                405, failure(f"不支持的请求方法：{method}，请使用 POST"), [("Allow", "POST")]
            )
            return
        stats.count("api")
        action, inner_path, params = parse_api_query(query)
        endpoint, expected_action = ROUTES.get(inner_path, (None, None))
        if action not in ACTIONS:
            endpoint = None
        stats.count(endpoint or "unknown")

        delay = sim.faults.delay()
        if delay > 0:
            stats.fault("latency")
            time.sleep(delay)
        if sim.faults.in_maintenance():
            stats.fault("maintenance")
            self._send_html(200, MAINTENANCE_PAGE)
            return
        fault, variate = sim.faults.draw(endpoint)
        if fault == "error":
            stats.fault("error")
            status = (500, 502, 503)[min(2, int(variate * 3))]
            title = ERROR_PAGES[status]
            page = (
                f"<html><head><title>{title}</title></head><body>"
                f"<center><h1>{title}</h1></center><hr><center>nginx</center></body></html>"
            )
            self._send_html(status, page.encode())
            return
        if fault == "failure":
            stats.fault("failure")
            self._send_json(200, failure(MSG_BUSY))
            return

        if action not in ACTIONS:
            body = failure(f"未知的action：{action}" if action else "缺少参数action")
        elif endpoint is None:
            body = failure(f"接口不存在：{inner_path}" if inner_path else "缺少参数url")
        elif action != expected_action:
            body = failure(f"接口 {inner_path} 不支持 {action}")
        elif endpoint == "themes":
            body = self._themes(params)
        elif endpoint == "list":
            body = self._list(params)
        else:
            body = self._detail(params)

        if fault == "malformed":
            stats.fault("malformed")
            # A prefix of a JSON object is never valid JSON; it may also cut a UTF-8 character.
            body = body[: max(1, int(len(body) * (0.2 + 0.6 * variate)))]
        self._send_json(200, body)

    def _themes(self, params: dict[str, str]) -> bytes:
        type_code = params.get("type", "").strip()
        if type_code not in ("1", "2"):
            return failure("参数type必须为1（个人）或2（法人）")
        return envelope(self.sim.dataset.themes[type_code])

    def _list(self, params: dict[str, str]) -> bytes:
        page, rows = _positive_int(params.get("page")), _positive_int(params.get("rows"))
        if page is None or rows is None:
            return failure("参数page和rows必须为正整数")
        raw = params.get("data", "").strip()
        try:
            criteria = json.loads(raw) if raw else {}
        except ValueError:
            return failure("参数data不是合法的JSON")
        if not isinstance(criteria, dict):
            return failure("参数data不是合法的JSON对象")

        def text(key: str) -> str:
            value = criteria.get(key)
            return "" if value is None else str(value).strip()

        type_code = text("type")
        if type_code not in ("1", "2"):
            return failure("参数type必须为1（个人）或2（法人）")
        all_rows = self.sim.dataset.list_rows(
            type_code, text("ztfl"), text("areaCode"), text("unifyName")
        )
        rows = min(rows, MAX_ROWS)
        source = page
        if self.sim.faults.repeat(page):
            self.sim._stats.fault("repeat_page")
            source = page - 1
        contents = all_rows[(source - 1) * rows : source * rows] if source > 0 else []
        total = len(all_rows)
        # Quirk of the real platform: totalPage carries the row count, not a page count.
        return envelope(
            {"contents": contents, "total": total, "totalPage": total, "pageIndex": page}
        )

    def _detail(self, params: dict[str, str]) -> bytes:
        unify_id = params.get("unifyId", "").strip()
        if not unify_id:
            return failure("参数unifyId不能为空")
        data = self.sim.dataset.detail_json(unify_id)
        if data is None:
            return failure(MSG_NOT_FOUND)
        return b'{"success":true,"error":false,"msg":"","data":' + data + b"}"

    # -- public pages --------------------------------------------------------------------------

    def _page(self, method: str, path: str, query: str) -> None:
        self.sim._stats.count("pages")
        if method != "GET":
            self._send_html(405, _page("不支持的请求方法", "<p>请使用 GET 访问本页面。</p>"))
            return
        params = dict(parse_qsl(query, keep_blank_values=True))
        unify_id = params.get("id", "")
        dataset = self.sim.dataset
        name = dataset.name(unify_id) if unify_id else None
        if name is None:
            self._send_html(404, _page(MSG_NOT_FOUND, f"<p>{MSG_NOT_FOUND}。</p>"))
            return
        detail = dataset.detail(unify_id) or {}
        safe = html.escape(name)
        if path == HANDLE_PAGE:
            body = (
                f"<h1>{safe}</h1><p>在线办理（模拟）：本页面由省平台模拟器提供，"
                "不会提交任何真实申请。</p>"
                f"<p>实施机构：{html.escape(str(detail.get('orgName') or '暂无'))}</p>"
            )
            self._send_html(200, _page(f"{name} - 在线办理", body))
            return
        kind = {"gr": "个人办事", "fr": "法人办事"}.get(params.get("type", ""), "办事指南")
        handle = f"{HANDLE_PAGE}?id={quote(unify_id)}"
        body = (
            f"<h1>{safe}</h1><p>{kind} · 事项编码：{html.escape(detail.get('rightsCode', ''))}</p>"
            f"<p>事项类型：{html.escape(detail.get('typeName', ''))}</p>"
            f'<p><a href="{handle}">我要办</a></p>'
        )
        self._send_html(200, _page(f"{name} - 办事指南", body))

    def _index_page(self) -> bytes:
        counts = self.sim.dataset.counts()
        body = (
            "<h1>湖南省政务服务网（模拟）</h1>"
            f"<p>省平台模拟器：共 {counts['guides']} 个事项，"
            f"第 {self.sim.dataset.generation} 代。</p>"
            f'<p>状态：<a href="{CONTROL_PREFIX}state">{CONTROL_PREFIX}state</a></p>'
        )
        return _page("省平台模拟器", body)

    # -- control API ---------------------------------------------------------------------------

    def _control(self, method: str, name: str, body: bytes) -> None:
        sim = self.sim
        sim._stats.count("control")
        routes = {
            "state": "GET",
            "stats": "GET",
            "faults": "POST",
            "reset": "POST",
            "advance": "POST",
            "mutate": "POST",
        }
        if name not in routes:
            self._control_json(404, {"ok": False, "msg": f"未知的控制接口：{name}"})
            return
        if method != routes[name]:
            self._control_json(
                405,
                {"ok": False, "msg": f"{name} 只接受 {routes[name]}"},
                [("Allow", routes[name])],
            )
            return
        if name == "state":
            self._control_json(200, {"ok": True, **sim.state()})
            return
        if name == "stats":
            self._control_json(200, {"ok": True, **sim.stats})
            return
        try:
            payload = json.loads(body.decode("utf-8")) if body.strip() else {}
        except (UnicodeDecodeError, ValueError) as exc:
            self._control_json(400, {"ok": False, "msg": f"请求体不是合法的JSON：{exc}"})
            return
        if not isinstance(payload, dict):
            self._control_json(400, {"ok": False, "msg": "请求体必须是JSON对象"})
            return
        try:
            result = getattr(self, f"_control_{name}")(payload)
        except ValueError as exc:
            self._control_json(400, {"ok": False, "msg": str(exc)})
            return
        self._control_json(200, {"ok": True, **result})

    def _control_faults(self, payload: dict) -> dict:
        self.sim.faults.update(**payload)
        return {"faults": self.sim.faults.to_dict()}

    def _control_reset(self, payload: dict) -> dict:
        unknown = set(payload) - {"dataset", "stats"}
        if unknown:
            raise ValueError(f"未知的参数：{', '.join(sorted(unknown))}")
        self.sim.reset(dataset=bool(payload.get("dataset")), stats=bool(payload.get("stats")))
        return {"faults": self.sim.faults.to_dict(), "generation": self.sim.dataset.generation}

    def _control_advance(self, payload: dict) -> dict:
        return self.sim.advance()

    def _control_mutate(self, payload: dict) -> dict:
        unknown = set(payload) - {"vanish", "restore", "change"}
        if unknown:
            raise ValueError(f"未知的参数：{', '.join(sorted(unknown))}")
        for key, ids in payload.items():
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise ValueError(f"{key} 必须是事项 unifyId 字符串的列表")
        sim = self.sim
        every = [i for ids in payload.values() for i in ids]
        return {
            "vanished": sim.vanish(payload.get("vanish", [])),
            "restored": sim.restore(payload.get("restore", [])),
            "changed": sim.change(payload.get("change", [])),
            "unknown": sim.dataset.unknown(list(dict.fromkeys(every))),
            "generation": sim.dataset.generation,
        }


def _page(title: str, body: str) -> bytes:
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} - 湖南省政务服务网（模拟）</title></head>"
        f"<body>{body}</body></html>"
    ).encode()
