"""Turn the platform's guide detail into the record the portal stores, and hash it.

The platform marks "nothing" in many ways, puts HTML in text fields, changes types between
calls (numbers as strings, lists as null) and gives no modification time. Everything it sends
passes through here: placeholders become empty, rich text is sanitised, plain text loses its
tags, and the record's hash decides whether anything changed.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from typing import Any

import nh3

# Every way the platform was seen to say "nothing" (docs/provincial-api.md, Quirks).
PLACEHOLDERS = frozenset({"", "暂无", "暂无信息", "无", "无。", "/", "null", "none", "-", "—"})

# Structure a guide's long texts need; no scripts, styles, forms, frames or event handlers.
RICH_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
}
RICH_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan"}}
URL_SCHEMES = {"http", "https", "mailto"}

_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")
# Control characters other than tab and newlines; NUL cannot be stored in PostgreSQL text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Zero-width characters that make equal names look different.
_ZERO_WIDTH = re.compile(r"[\u200b-\u200f\u2060\ufeff]")
_SPACE = re.compile(r"[ \t\u3000\xa0]+")
_NAME_DROP = re.compile(r"[\s\u3000·•、，,。.:：;；\"'“”‘’《》<>〈〉]+")

# Detail fields that hold prose with structure (shown as sanitised HTML).
RICH_FIELDS = {
    "acceptanceCondition": "acceptance_condition",
    "according": "according",
    "applicantPower": "applicant_power",
    "applicantDuty": "applicant_duty",
    "processDescript": "process",
    "approveLimitExplain": "approve_limit_explain",
    "commitmentLimitExplain": "commitment_limit_explain",
    "transactAddr": "transact_addr",
    "transactTime": "transact_time",
}
# Detail fields that are plain text, with their column lengths.
PLAIN_FIELDS = {
    "unifyName": ("name", 300),
    "rightsCode": ("rights_code", 40),
    "taskCode": ("task_code", 64),
    "ywCode": ("yw_code", 64),
    "typeName": ("type_name", 40),
    "orgName": ("org_name", 300),
    "deptName": ("dept_name", 300),
    "serveObject": ("serve_object", 300),
    "schemeLevels": ("scheme_levels", 200),
    "approveLimit": ("approve_limit", 100),
    "commitmentLimit": ("commitment_limit", 100),
    "consultTel": ("consult_tel", 300),
    "complaintTel": ("complaint_tel", 300),
    "minSeq": ("min_seq", 40),
    "doScope": ("do_scope", 200),
}


class GuideDataError(ValueError):
    """The platform's detail cannot be made into a guide; the message says why, in Chinese."""


def strip_control(text: str) -> str:
    """Return ``text`` without control characters other than tab and newlines."""
    return _CONTROL.sub("", text)


def is_placeholder(value: Any) -> bool:
    """Return True when the platform meant "nothing" by ``value``."""
    if value is None:
        return True
    if isinstance(value, str):
        return _SPACE.sub("", value).strip().lower() in PLACEHOLDERS
    return False


def scalar_text(value: Any) -> str:
    """Return ``value`` as text: numbers as written, placeholders and containers as empty."""
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _CONTROL.sub("", str(value)).strip()
    return "" if is_placeholder(text) else text


def plain_text(value: Any, max_length: int | None = None) -> str:
    """Return ``value`` as one line of plain text: tags and entities removed, spaces folded."""
    text = scalar_text(value)
    if not text:
        return ""
    if "<" in text or "&" in text:
        text = html.unescape(nh3.clean(text, tags=set()))
    text = _SPACE.sub(" ", text.replace("\r", " ").replace("\n", " ")).strip()
    if is_placeholder(text):
        return ""
    return text[:max_length] if max_length else text


def rich_text(value: Any) -> str:
    """Return ``value`` as sanitised HTML; plain text keeps its line breaks as paragraphs."""
    text = scalar_text(value)
    if not text:
        return ""
    if _TAG.search(text):
        cleaned = nh3.clean(
            text,
            tags=RICH_TAGS,
            attributes=RICH_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
        ).strip()
        # A field of only markup (e.g. "<p>暂无</p>") is still a placeholder.
        return "" if is_placeholder(html.unescape(nh3.clean(cleaned, tags=set()))) else cleaned
    lines = [_SPACE.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    lines = [line for line in lines if line]
    # Entities in plain text (&nbsp;, &ldquo;) are read, then the text is escaped once.
    return "".join(f"<p>{html.escape(html.unescape(line), quote=False)}</p>" for line in lines)


def sanitise(value: str) -> str:
    """Return stored rich text cleaned again, for showing (defence in depth)."""
    return nh3.clean(
        value or "",
        tags=RICH_TAGS,
        attributes=RICH_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def yes_no(value: Any) -> bool | None:
    """Return True for 是, False for 否, None when the platform did not say."""
    text = plain_text(value)
    if text in ("是", "1", "true", "True", "Y", "y"):
        return True
    if text in ("否", "0", "false", "False", "N", "n"):
        return False
    return None


def web_url(value: Any) -> str:
    """Return ``value`` when it is an absolute http(s) address, else empty (no javascript:)."""
    text = plain_text(value, 1000)
    return text if re.match(r"^https?://[^\s<>\"']+$", text, re.IGNORECASE) else ""


def name_key(name: str) -> str:
    """Return the key that catalog entries and guides are matched on by name.

    Width and bracket forms are folded (NFKC), and spaces and punctuation are dropped, so
    "食品（含保健食品）生产许可" and "食品(含保健食品) 生产许可" match.
    """
    text = _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", name or ""))
    return _NAME_DROP.sub("", text).lower()[:300]


def file_url(value: Any, base_url: str) -> str:
    """Return an attachment address: absolute http(s) as given, a platform path ("/hnywtb/…")
    joined to ``base_url``, anything else empty."""
    url = web_url(value)
    if url:
        return url
    path = plain_text(value, 1000)
    # A path on the platform itself; "//host" would leave it, so it is refused.
    if base_url and re.fullmatch(r"/(?!/)[^\s<>\"'\\]*", path):
        return base_url.rstrip("/") + path
    return ""


def _list_of_dicts(value: Any) -> list[dict]:
    if is_placeholder(value) or not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def _attachments(value: Any, base_url: str) -> list[dict]:
    result = []
    for item in _list_of_dicts(value):
        name = plain_text(item.get("attachName"), 300)
        url = file_url(item.get("attachPath"), base_url)
        if name or url:
            result.append({"name": name, "url": url})
    return result


def _materials(value: Any, base_url: str) -> list[dict]:
    result = []
    for item in _list_of_dicts(value):
        title = plain_text(item.get("materialTitle"), 500)
        if not title:
            continue
        result.append(
            {
                "id": plain_text(item.get("materialId"), 64),
                "title": title,
                "required": plain_text(item.get("isMust"), 20),
                "form": plain_text(item.get("materialType"), 100),
                "standard": plain_text(item.get("materialStandard"), 500),
                "copies": plain_text(item.get("copiesNum"), 20),
                "source": plain_text(item.get("sourceChannel"), 200),
                "explain": plain_text(item.get("materialExplain"), 2000),
                "attachments": _attachments(item.get("attachList"), base_url),
            }
        )
    return result


def _charges(value: Any) -> list[dict]:
    result = []
    for item in _list_of_dicts(value):
        row = {
            "name": plain_text(item.get("feeName"), 300),
            "standard": plain_text(item.get("feeStand"), 1000),
            "basis": plain_text(item.get("byLaw"), 2000),
        }
        if any(row.values()):
            result.append(row)
    return result


def _results(value: Any, base_url: str) -> list[dict]:
    result = []
    for item in _list_of_dicts(value):
        name = plain_text(item.get("resultSampleName"), 300)
        url = file_url(item.get("attachPath"), base_url)
        if name or url:
            result.append({"name": name, "url": url})
    return result


def guide_record(
    detail: Any, *, unify_id: str, audiences: list[str], base_url: str = ""
) -> dict[str, Any]:
    """Return the normalised record (model field → value) for the platform's ``detail``.

    Attachment paths on the platform are joined to ``base_url`` (its public address). Raise
    GuideDataError when the detail is not a guide for ``unify_id``.
    """
    if not isinstance(detail, dict):
        raise GuideDataError("事项详情不是一个对象")
    given_id = scalar_text(detail.get("unifyId"))
    if given_id and given_id != unify_id:
        raise GuideDataError(f"事项详情的 unifyId（{given_id[:64]}）与请求的不一致")
    record: dict[str, Any] = {"unify_id": unify_id}
    for key, (field, length) in PLAIN_FIELDS.items():
        record[field] = plain_text(detail.get(key), length)
    if not record["name"]:
        raise GuideDataError("事项详情缺少事项名称（unifyName）")
    for key, field in RICH_FIELDS.items():
        record[field] = rich_text(detail.get(key))
    area = plain_text(detail.get("areaCode"), 12)
    if not re.fullmatch(r"\d{6}(\d{3}|\d{6})?", area):
        raise GuideDataError(f"事项详情的区划代码（areaCode）无效：{area or '空'}")
    record["area_code"] = area
    record["audiences"] = sorted(set(audiences))
    record["is_charge"] = yes_no(detail.get("isCharge"))
    record["charges"] = _charges(detail.get("chargeList"))
    record["is_online"] = yes_no(detail.get("isonline"))
    record["materials"] = _materials(detail.get("materialList"), base_url)
    record["results"] = _results(detail.get("resultList"), base_url)
    record["online_handle_url"] = web_url(detail.get("onlineHandleUrl"))
    record["name_key"] = name_key(record["name"])
    return record


def record_hash(record: dict[str, Any]) -> str:
    """Return the sha256 of the record's canonical JSON: equal records hash equal."""
    canonical = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
