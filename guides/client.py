"""The HTTP client of the provincial platform (``docs/provincial-api.md``).

Every call is a POST with an empty body and its parameters in the query string. The envelope's
``success`` and ``error`` decide whether a call worked, whatever the HTTP status says. Calls are
retried a bounded number of times with exponential backoff and full jitter on anything that is
not a successful envelope: timeouts, refused connections, 5xx, maintenance pages, malformed JSON
and ``success: false``. The client is thread-safe, so a pool of threads can share it to fetch
details with bounded concurrency.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
from django.conf import settings

from .normalise import strip_control

API_PATH = "/hnywtb/anony"
THEMES_URL = "/unifyTaskToWt/getZtflByTask"
LIST_URL = "/unifyTaskToWt/getUnifyTaskByPage"
DETAIL_URL = "/unifyTaskToWt/getUnifyTaskInfo"
USER_AGENT = "disclosure-portal-guide-sync/1.0"


# The largest answer read: a guide detail is tens of kilobytes, a list page less.
MAX_RESPONSE_BYTES = 32 * 2**20


class PlatformError(Exception):
    """A call to the platform failed after its retries; the message says why, in Chinese."""


class _Deadline(Exception):
    """The answer did not arrive whole within the timeout."""


class _TooLarge(Exception):
    """The answer was larger than MAX_RESPONSE_BYTES."""


@dataclass
class ClientConfig:
    base_url: str
    timeout: float = 20.0
    retries: int = 4
    backoff: float = 0.5
    backoff_max: float = 8.0
    concurrency: int = 8
    page_size: int = 100

    @classmethod
    def from_settings(cls, base_url: str | None = None) -> ClientConfig:
        """Return the configuration in settings, with ``base_url`` overriding the address."""
        return cls(
            base_url=(base_url or settings.PROVINCIAL_BASE_URL).rstrip("/"),
            timeout=settings.PROVINCIAL_TIMEOUT,
            retries=settings.PROVINCIAL_RETRIES,
            backoff=settings.PROVINCIAL_BACKOFF,
            backoff_max=settings.PROVINCIAL_BACKOFF_MAX,
            concurrency=settings.PROVINCIAL_CONCURRENCY,
            page_size=settings.PROVINCIAL_PAGE_SIZE,
        )


@dataclass
class ListPage:
    contents: list[dict]
    total: int | None
    page: int


@dataclass
class CallStats:
    requests: int = 0
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, *, retry: bool) -> None:
        with self.lock:
            self.requests += 1
            self.retries += int(retry)


def _as_int(value: Any) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


class ProvincialClient:
    """Call the platform's three endpoints; raise PlatformError when a call finally fails."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.stats = CallStats()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        timeout = httpx.Timeout(config.timeout, connect=min(config.timeout, 5.0))
        limits = httpx.Limits(
            max_connections=max(config.concurrency, 1),
            max_keepalive_connections=max(config.concurrency, 1),
        )
        self._http = httpx.Client(
            base_url=config.base_url,
            timeout=timeout,
            limits=limits,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            # The platform is on the public internet; no proxies from the environment, and
            # redirects are an error (a maintenance page often redirects).
            trust_env=False,
            follow_redirects=False,
        )

    def __enter__(self) -> ProvincialClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # The endpoints --------------------------------------------------------------------------

    def themes(self, audience: str) -> list[dict]:
        """Return the theme categories of ``audience`` ("1" 个人, "2" 法人)."""
        data = self._call("toCatalogHttpGet", f"{THEMES_URL}?type={audience}", "主题分类")
        if data is None or data == "":
            return []
        if not isinstance(data, list):
            raise PlatformError("主题分类的 data 不是列表")
        return [item for item in data if isinstance(item, dict)]

    def list_page(
        self, *, audience: str, page: int, theme: str = "", area_code: str = "", name: str = ""
    ) -> ListPage:
        """Return one page of the item list; ``total`` is None when the platform gave none."""
        query = json.dumps(
            {"type": audience, "unifyName": name, "ztfl": theme, "areaCode": area_code},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        inner = f"{LIST_URL}?page={page}&rows={self.config.page_size}&data={quote(query)}"
        data = self._call("toCatalogHttpPost", inner, f"事项列表第{page}页")
        if data is None or data == "":
            return ListPage(contents=[], total=None, page=page)
        if not isinstance(data, dict):
            raise PlatformError(f"事项列表第{page}页的 data 不是对象")
        contents = data.get("contents")
        if contents is None:
            contents = []
        if not isinstance(contents, list):
            raise PlatformError(f"事项列表第{page}页的 contents 不是列表")
        rows = [row for row in contents if isinstance(row, dict)]
        return ListPage(contents=rows, total=_as_int(data.get("total")), page=page)

    def detail(self, unify_id: str) -> dict:
        """Return the guide detail of ``unify_id``."""
        data = self._call(
            "toCatalogHttpGet",
            f"{DETAIL_URL}?unifyId={quote(unify_id, safe='')}",
            f"事项 {unify_id} 的详情",
        )
        if not isinstance(data, dict):
            raise PlatformError(f"事项 {unify_id} 的详情为空或不是对象")
        return data

    # Transport -------------------------------------------------------------------------------

    def _call(self, action: str, inner_url: str, what: str) -> Any:
        """POST one call with retries and return the envelope's data."""
        params = {"action": action, "url": inner_url}
        attempts = self.config.retries + 1
        reason = ""
        for attempt in range(attempts):
            if attempt:
                self._sleep(self._backoff(attempt))
            self.stats.count(retry=bool(attempt))
            try:
                status, body = self._post(params)
            except (httpx.TimeoutException, _Deadline):
                reason = f"超时（{self.config.timeout:g} 秒内未完成）"
                continue
            except _TooLarge:
                reason = f"响应超过 {MAX_RESPONSE_BYTES // 2**20} MiB，已放弃"
                continue
            except httpx.HTTPError as exc:
                reason = f"连接失败：{type(exc).__name__}"
                continue
            ok, data, reason = parse_envelope(status, body)
            if ok:
                return data
        raise PlatformError(f"{what}：{reason}（已尝试 {attempts} 次）")

    def _post(self, params: dict) -> tuple[int, bytes]:
        """POST and read the whole answer within the timeout (httpx's own timeout is per read,
        so a body that trickles in would otherwise hold the sync for ever)."""
        deadline = time.monotonic() + self.config.timeout
        with self._http.stream("POST", API_PATH, params=params, content=b"") as response:
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise _TooLarge
                if time.monotonic() > deadline:
                    raise _Deadline
                chunks.append(chunk)
            return response.status_code, b"".join(chunks)

    def _backoff(self, attempt: int) -> float:
        """Return the wait before ``attempt`` (1-based): full jitter on an exponential cap."""
        cap = min(self.config.backoff_max, self.config.backoff * (2 ** (attempt - 1)))
        with self._rng_lock:
            return self._rng.uniform(0, cap)


def parse_envelope(status: int, body: bytes) -> tuple[bool, Any, str]:
    """Return (ok, data, reason) for one answer; the envelope decides, not the HTTP status."""
    try:
        envelope = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        snippet = body[:60].decode("utf-8", "replace").strip()
        kind = "维护页面或错误页面" if snippet.startswith("<") else "无法解析的 JSON"
        return False, None, f"HTTP {status}，平台返回了{kind}"
    if not isinstance(envelope, dict) or "success" not in envelope:
        return False, None, f"HTTP {status}，平台返回的不是约定的信封格式"
    success = envelope.get("success") in (True, "true", "True")
    error = envelope.get("error") in (True, "true", "True")
    if not success or error:
        # NUL cannot be stored in PostgreSQL text; the reason is saved with the run.
        msg = strip_control(str(envelope.get("msg") or "")).strip()[:200] or "未说明原因"
        return False, None, f"平台报告失败：{msg}"
    return True, envelope.get("data"), ""
