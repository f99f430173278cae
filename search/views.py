"""The public search page: parse the GET parameters, run the selector, render one page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.safestring import SafeString

from catalog.models import Domain
from districts.models import Division

from .forms import parse_search
from .models import SearchDocument
from .selectors import search_documents
from .synonyms import EMPTY, synonym_map
from .text import highlight

PAGE_SIZE = 20
SNIPPET_CHARS = 120


@dataclass
class Result:
    document: SearchDocument
    title: SafeString
    snippet: SafeString


def search(request):
    """Show the search box, the filters and, for a query, one page of highlighted results.

    Four queries whatever the data size: divisions and domains for the form, the count and
    the page (its divisions joined); the site's base template adds its own.
    """
    divisions = list(Division.objects.in_tree_order())
    domains = list(Domain.objects.all())
    # The synonyms come from the cache (one query when it has lost them); only a query needs them.
    synonyms = synonym_map() if request.GET.get("q", "").strip() else EMPTY
    wanted = parse_search(request.GET, divisions=divisions, domains=domains, synonyms=synonyms)
    page, results = None, []
    if wanted.clauses:
        paginator = Paginator(search_documents(wanted.clauses, wanted.filters), PAGE_SIZE)
        page = paginator.get_page(wanted.page)
        results = [
            Result(
                document=doc,
                title=highlight(doc.title, wanted.terms),
                snippet=highlight(doc.body, wanted.terms, width=SNIPPET_CHARS),
            )
            for doc in page.object_list
        ]
    query = {k: v for k, v in wanted.values.items() if v}
    filtered = any(v for k, v in query.items() if k != "q")
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
            "page_query": urlencode(query),
            "unfiltered_query": urlencode({"q": wanted.text}),
        },
    )
