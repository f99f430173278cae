"""Read the search page's GET parameters: malformed values are dropped with a notice."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.http import QueryDict

from catalog.models import Domain
from districts.models import Division

from .models import SearchDocument
from .selectors import SearchFilters
from .synonyms import EMPTY, Clause, SynonymMap, expand, terms_of
from .text import MAX_QUERY_CHARS

# A group's key as indexing writes it (kind, then an item id, 基本编码 or name key).
GROUP_KEY = re.compile(r"(?:publication|entry|guide):[\w.\-（）()]{1,110}")

# Dates outside this range are typing mistakes (and would overflow date arithmetic).
EARLIEST, LATEST = dt.date(1949, 10, 1), dt.date(2100, 12, 31)


@dataclass
class SearchRequest:
    text: str = ""
    # Every word the query names, its synonyms' words included (what the page highlights).
    terms: list[str] = field(default_factory=list)
    # What a document must match: each clause is a word or a phrase with its synonyms.
    clauses: list[Clause] = field(default_factory=list)
    filters: SearchFilters = field(default_factory=SearchFilters)
    page: str = "1"
    # The group whose every member is listed (None: one result per group).
    group: str | None = None
    notices: list[str] = field(default_factory=list)
    # The raw values, to fill the form in again.
    values: dict[str, str] = field(default_factory=dict)


def _date(value: str, label: str, notices: list[str]) -> dt.date | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        notices.append(f"{label}“{value[:20]}”不是有效日期（应为 2026-03-01 这样的格式），已忽略。")
        return None
    if not EARLIEST <= day <= LATEST:
        notices.append(f"{label}“{value}”超出可查询的范围，已忽略。")
        return None
    return day


def parse_search(
    params: QueryDict,
    *,
    divisions: list[Division],
    domains: list[Domain],
    synonyms: SynonymMap = EMPTY,
) -> SearchRequest:
    """Return the query, its words and the filters from ``params``; say what was ignored.

    ``divisions`` and ``domains`` are the lists the form offers: slugs resolve against them,
    so a bad slug costs no query. The query's phrases are expanded with ``synonyms``.
    """
    notices: list[str] = []
    names = ("q", "division", "domain", "type", "from", "to", "page", "group")
    get = {k: (params.get(k) or "").strip() for k in names}
    text = " ".join(get["q"].split())
    if len(text) > MAX_QUERY_CHARS:
        notices.append(f"搜索词过长，只按前{MAX_QUERY_CHARS}个字检索。")
        text = text[:MAX_QUERY_CHARS]
    clauses = expand(text, synonyms) if text else []
    terms = terms_of(clauses)
    if text and not terms:
        notices.append("搜索词中没有可检索的文字或数字（标点和符号不参与检索）。")

    division = None
    if get["division"]:
        division = next((d for d in divisions if d.slug == get["division"]), None)
        if division is None:
            notices.append("没有找到所选的区划，已按全市检索。")
    domain = None
    if get["domain"]:
        domain = next((d for d in domains if d.slug == get["domain"]), None)
        if domain is None:
            notices.append("没有找到所选的领域，已按全部领域检索。")
    kind = get["type"] if get["type"] in SearchDocument.Kind.values else None
    if get["type"] and kind is None:
        notices.append("没有这种内容类型，已按全部类型检索。")
    date_from = _date(get["from"], "起始日期", notices)
    date_to = _date(get["to"], "截止日期", notices)
    if date_from and date_to and date_from > date_to:
        notices.append("起始日期晚于截止日期，已将两者对调。")
        date_from, date_to = date_to, date_from
    group = get["group"] if GROUP_KEY.fullmatch(get["group"]) else None
    if get["group"] and group is None:
        notices.append("无法识别要展开的合并结果，已显示全部结果。")
    return SearchRequest(
        text=text,
        terms=terms,
        clauses=clauses,
        filters=SearchFilters(
            division=division, domain=domain, kind=kind, date_from=date_from, date_to=date_to
        ),
        page=get["page"][:12] or "1",
        group=group,
        notices=notices,
        values={
            "q": text,
            "division": division.slug if division else "",
            "domain": domain.slug if domain else "",
            "type": kind or "",
            "from": date_from.isoformat() if date_from else "",
            "to": date_to.isoformat() if date_to else "",
            "group": group or "",
        },
    )
