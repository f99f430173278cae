"""The columns (专栏) of the city, its districts and townships, and what hangs below them.

Division column → domain table → item page → publication page. Every page reads the published
snapshot only, and each issues a fixed number of queries whatever the amount of data.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from catalog.models import CatalogEntry, Domain
from catalog.selectors import children_with_counts, domain_table, domains_with_counts
from districts.banners import KINDS, banner_kind
from districts.models import Division
from publications.models import Publication, PublicationType, Theme
from publications.sanitise import clean_html

from ..cache import PARAMETERS, page_number

LATEST_PUBLICATIONS = 10
PER_PAGE = 20


def _page_number(request) -> int:
    """Return the ``page`` parameter as a positive integer; anything malformed is page 1.

    The page cache normalises the parameter the same way (one function), so that ``?page=02``
    and ``?page=2`` are one cached page.
    """
    return page_number(request.GET.get("page"))


def _page(request, queryset, count: int | None = None):
    """Return the requested page of ``queryset`` (the last one if asked beyond the end).

    A known ``count`` spares the counting query (it came along with another one).
    """
    paginator = Paginator(queryset, PER_PAGE)
    if count is not None:
        paginator.count = count  # a cached_property: setting it skips the COUNT query
    return paginator.get_page(_page_number(request))


def column_id(division: Division) -> int:
    """Return the id of the "1+9" column that holds ``division``: itself for the city and a
    district, the district for a township (the header highlights it)."""
    return division.pk if division.depth <= 1 else division.parent_id


def chain(division: Division) -> list[Division]:
    """Return the division's ancestors, root first, through its ``parent`` links (no query
    when they were loaded with select_related("division__parent__parent"))."""
    trail = []
    current = division.parent
    while current is not None:
        trail.append(current)
        current = current.parent
    return trail[::-1]


def _public_publications():
    return Publication.objects.public().select_related(
        "division", "entry__item__first_level__domain"
    )


def division(request, slug):
    """Show a division's column: banner, domains, child columns and latest publications."""
    division = get_object_or_404(Division, slug=slug)
    latest = list(
        _public_publications()
        .within(division)
        .order_by("-published_at", "-id")[:LATEST_PUBLICATIONS]
    )
    return render(
        request,
        "portal/division_detail.html",
        {
            "division": division,
            "ancestors": list(division.ancestors()),
            "nav_column_id": column_id(division),
            "domains": list(domains_with_counts(division)),
            "children": list(children_with_counts(division)),
            "latest": latest,
        },
    )


def division_publications(request, slug):
    """List the publications of a division and the divisions below it, 20 a page, filtered
    by type, 主题分类 (a top-level subject includes its sub-subjects) and year."""
    division = get_object_or_404(Division, slug=slug)
    publications = _public_publications().within(division)
    chosen, notes = {}, []
    types = list(PublicationType.objects.filter(is_active=True))
    themes = list(Theme.objects.filter(parent__isnull=True))
    raw = {name: PARAMETERS[name](request.GET.get(name, "")) for name in ("type", "theme", "year")}
    if request.GET.get("type"):
        kind = next((t for t in types if t.slug == raw["type"]), None)
        if kind is None:
            notes.append("没有这一信息类型，已显示全部类型。")
        else:
            chosen["type"] = kind
            publications = publications.filter(pub_type=kind)
    if request.GET.get("theme"):
        theme = next((t for t in themes if t.code == raw["theme"]), None)
        if theme is None:
            notes.append("没有这一主题分类，已显示全部主题。")
        else:
            chosen["theme"] = theme
            publications = publications.filter(Q(theme=theme) | Q(theme__parent=theme))
    if request.GET.get("year"):
        if not raw["year"]:
            notes.append("年份应为四位数字，如 2026，已显示全部年份。")
        else:
            chosen["year"] = int(raw["year"])
            publications = publications.filter(published_at__year=chosen["year"])
    page = _page(request, publications.order_by("-published_at", "-id"))
    query = urlencode(
        {k: (v.slug if k == "type" else v.code if k == "theme" else v) for k, v in chosen.items()}
    )
    this_year = timezone.localdate().year
    return render(
        request,
        "portal/publication_list.html",
        {
            "division": division,
            "ancestors": list(division.ancestors()),
            "nav_column_id": column_id(division),
            "page": page,
            "types": types,
            "themes": themes,
            "years": range(this_year, this_year - 10, -1),
            "chosen": chosen,
            "notes": notes,
            "filter_query": f"&{query}" if query else "",
        },
    )


def domain(request, slug, domain_slug):
    """Show a division's published catalog of one domain as the official table."""
    division = get_object_or_404(Division, slug=slug)
    domain = get_object_or_404(Domain, slug=domain_slug)
    return render(
        request,
        "portal/domain_detail.html",
        {
            "division": division,
            "ancestors": list(division.ancestors()),
            "nav_column_id": column_id(division),
            "domain": domain,
            "table": domain_table(division, domain),
        },
    )


def entry(request, pk):
    """Show a public entry's elements, its publications (paged) and 我要看 / 我要办."""
    published_here = (
        Publication.objects.public()
        .filter(entry=OuterRef("pk"))
        .order_by()
        .values("entry")
        .annotate(n=Count("pk"))
        .values("n")
    )
    entry = get_object_or_404(
        CatalogEntry.objects.public()
        .with_item()
        .select_related("guide_link__guide", "division__parent__parent")
        .annotate(
            n_publications=Coalesce(Subquery(published_here, output_field=IntegerField()), Value(0))
        ),
        pk=pk,
    )
    page = _page(
        request,
        entry.publications.public().order_by("-published_at", "-id"),
        count=entry.n_publications,
    )
    # 我要看 / 我要办 follow what the public reads: the published 事项类型.
    is_service = entry.published.item_type == CatalogEntry.ItemType.SERVICE
    link = getattr(entry, "guide_link", None)
    return render(
        request,
        "portal/entry_detail.html",
        {
            "entry": entry,
            "ancestors": chain(entry.division),
            "nav_column_id": column_id(entry.division),
            # The header searches the division the page belongs to (base.html).
            "division": entry.division,
            "page": page,
            "is_service": is_service,
            "guide": link.guide if is_service and link is not None else None,
        },
    )


def publication(request, pk):
    """Show a published publication; an older revision leads to the one that replaced it."""
    item = get_object_or_404(
        Publication.objects.select_related(
            "division__parent__parent",
            "entry__item__first_level__domain",
            "replaced_by",
            "pub_type",
            "theme__parent",
            "changed_by_document",
            "interprets",
        ).prefetch_related("attachments"),
        pk=pk,
        status__in=[Publication.Status.PUBLISHED, Publication.Status.SUPERSEDED],
        # 依申请公开 and 不予公开 items are recorded for staff, never shown.
        disclosure=Publication.Disclosure.ACTIVE,
    )
    if item.status == Publication.Status.SUPERSEDED:
        current = item
        while current.status == Publication.Status.SUPERSEDED and hasattr(current, "replaced_by"):
            current = current.replaced_by
        if current.status == Publication.Status.PUBLISHED:
            return redirect(current, permanent=False)
        raise Http404("该信息已不再公开。")
    published = item.entry.published
    return render(
        request,
        "portal/publication_detail.html",
        {
            "publication": item,
            "ancestors": chain(item.division),
            "nav_column_id": column_id(item.division),
            # The header searches the division the page belongs to (base.html).
            "division": item.division,
            "body": clean_html(item.body),
            # The entry may have been dropped since: then its page is gone, so no link to it.
            "entry_public": published is not None and not published.is_dropped,
            # 解读 beside its policy, both ways (only what is public).
            # Any revision's: a revised policy keeps its 索引号, and the 解读 filed under an
            # earlier version still explains it.
            "interpretations": list(
                Publication.objects.public()
                .filter(interprets__index_no=item.index_no)
                .order_by("published_at", "pk")
                if item.index_no
                else item.interpretations.public().order_by("published_at", "pk")
            ),
            "interprets": _current_version(item.interprets),
        },
    )


def _current_version(policy: Publication | None) -> Publication | None:
    """Return the public version of ``policy``: itself, the revision that replaced it (same
    索引号; one query, only then), or None when no version is public."""
    if policy is None or policy.disclosure != Publication.Disclosure.ACTIVE:
        return None
    if policy.status == Publication.Status.PUBLISHED:
        return policy
    if policy.status == Publication.Status.SUPERSEDED and policy.index_no:
        return Publication.objects.public().filter(index_no=policy.index_no).first()
    return None


def division_banner(request, slug):
    """Send a division's banner image, typed by its bytes and never sniffed as anything else."""
    division = get_object_or_404(Division.objects.exclude(banner=""), slug=slug)
    try:
        handle = division.banner.open("rb")
    except FileNotFoundError as error:
        raise Http404("横幅图片已不存在。") from error
    kind = banner_kind(handle)
    if kind is None:
        handle.close()
        raise Http404("横幅图片不可用。")
    response = FileResponse(handle, content_type=KINDS[kind][0])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # The URL carries a version of the file name, so a changed banner has a new address.
    response["Cache-Control"] = "public, max-age=86400"
    return response
