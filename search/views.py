"""The public search page: parse the GET parameters, run the selector, render one page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.safestring import SafeString

from catalog.models import Domain
from districts.models import Division

from . import stats
from .forms import parse_search
from .models import SearchDocument
from .selectors import MATCH_CAP, GroupedResults, search_group
from .synonyms import EMPTY, synonym_map
from .text import highlight

PAGE_SIZE = 20
SNIPPET_CHARS = 120


@dataclass
class Result:
    document: SearchDocument
    title: SafeString
    snippet: SafeString
    # "芙蓉区及 13 个街道" and the link that lists them, for a result that stands for several.
    group_label: str = ""
    group_url: str = ""


def group_label(doc: SearchDocument) -> str:
    """Return how a group's representative names the divisions it stands for ("" for one)."""
    size = getattr(doc, "group_size", 1) or 1
    if size <= 1:
        return ""
    others = size - 1
    name = doc.division.name if doc.division else "全市"
    beneath = doc.division is None or doc.division.level != Division.Level.TOWNSHIP
    if beneath and doc.group_townships == others:
        unit = "街道" if doc.group_streets == others else "乡镇（街道）"
        return f"{name}及 {others} 个{unit}"
    return f"{name}等 {size} 个区划"


def search(request):
    """Show the search box, the filters and, for a query, one page of highlighted results.

    Four queries whatever the data size: divisions and domains for the form, the page's ranked
    representatives with the count, and their whole rows (divisions joined); the site's base
    template adds its own, and the synonyms one more when the cache has lost them. The same
    item in several divisions is one result (``search_groups``); ``group`` lists one such
    group's members (``search_group``).
    """
    divisions = list(Division.objects.in_tree_order())
    domains = list(Domain.objects.all())
    # The synonyms come from the cache (one query when it has lost them); only a query needs them.
    synonyms = synonym_map() if request.GET.get("q", "").strip() else EMPTY
    wanted = parse_search(request.GET, divisions=divisions, domains=domains, synonyms=synonyms)
    page, results, capped = None, [], False
    query = {k: v for k, v in wanted.values.items() if v}
    grouped = {k: v for k, v in query.items() if k != "group"}
    if wanted.clauses:
        if wanted.group:
            found = search_group(wanted.clauses, wanted.filters, wanted.group)
        else:
            # The page the paginator will ask for (its own parsing decides; this only guesses it).
            expected = int(wanted.page) if wanted.page.isdecimal() else 1
            found = GroupedResults(
                wanted.clauses, wanted.filters, page=expected, page_size=PAGE_SIZE
            )
        paginator = Paginator(found, PAGE_SIZE)
        page = paginator.get_page(wanted.page)
        capped = getattr(found, "capped", False)
        results = []
        for doc in page.object_list:
            label = "" if wanted.group else group_label(doc)
            results.append(
                Result(
                    document=doc,
                    title=highlight(doc.title, wanted.terms),
                    snippet=highlight(doc.body, wanted.terms, width=SNIPPET_CHARS),
                    group_label=label,
                    group_url=f"?{urlencode({**grouped, 'group': doc.group_key})}" if label else "",
                )
            )
        if page.number == 1 and not wanted.group and wanted.page in ("", "1"):
            # One search counted once: not its later pages, nor a group opened from it.
            stats.record(wanted.text, paginator.count)
    filtered = any(v for k, v in query.items() if k not in ("q", "group"))
    return render(
        request,
        "search/searchdocument_list.html",
        {
            "wanted": wanted,
            "values": wanted.values,
            "divisions": divisions,
            "domains": domains,
            "kinds": SearchDocument.Kind.choices,
            "page": page,
            "results": results,
            "filtered": filtered,
            "capped": capped,
            "match_cap": f"{MATCH_CAP:,}",
            "page_query": urlencode(query),
            "unfiltered_query": urlencode({"q": wanted.text}),
            # The same search across the city (the column's search box scopes it to the column).
            "citywide_query": urlencode({k: v for k, v in grouped.items() if k != "division"}),
            "grouped_query": urlencode(grouped),
            "popular": stats.popular() if page is None else [],
        },
    )
