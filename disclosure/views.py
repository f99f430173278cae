"""The 政府信息公开 column of every division (国办公开办函〔2019〕61号): its landing page and the
five standard entrances — 指南, 制度, 法定主动公开内容, 年报 and 依申请公开.

Every page reads public data only and issues a fixed number of queries.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import content_disposition_header

from catalog.selectors import domains_with_counts
from districts.models import Division
from portal.cache import PARAMETERS, page_number
from portal.views.columns import column_id
from publications.models import Publication

from . import fees
from .models import AnnualReport, GuideVersion
from .report import exports, present

RULES_TYPE = "zhidu"
REPORTS_TYPE = "nianbao"
PER_PAGE = 20

# (url name, title, what the entrance holds): the order 61号 lists the sub-columns in.
SECTIONS = (
    ("guide", "政府信息公开指南", "公开的范围、方式、申请渠道、收费和工作机构的联系方式。"),
    ("rules", "政府信息公开制度", "本级政府信息公开的工作制度和规定。"),
    ("statutory", "法定主动公开内容", "按领域编排的基层政务公开标准目录及其公开信息。"),
    ("reports", "政府信息公开年报", "每年的政府信息公开工作年度报告。"),
    ("apply", "依申请公开", "如何申请获取未主动公开的政府信息。"),
)


def _context(division: Division, section: str | None) -> dict:
    """Return what every page of the column shows: the division, its trail and the sub-nav."""
    return {
        "division": division,
        "ancestors": list(division.ancestors()),
        "sections": SECTIONS,
        "section": section,
        "section_title": next((t for name, t, _ in SECTIONS if name == section), ""),
        "nav_column_id": column_id(division),
        "column_tail": [("政府信息公开", reverse("portal:xxgk", args=[division.slug]))],
    }


def _public_of_type(division: Division, slug: str):
    return (
        Publication.objects.public()
        .filter(division=division, pub_type__slug=slug)
        .select_related("division", "entry__item__first_level__domain")
        .order_by("-published_at", "-id")
    )


def column(request, slug):
    """Show the column's landing page: the five entrances and the latest 制度 and 年报."""
    division = get_object_or_404(Division, slug=slug)
    latest_guide = (
        GuideVersion.objects.filter(division=division)
        .only("version", "created_at", "division_id")
        .order_by("-version")
        .first()
    )
    return render(
        request,
        "disclosure/column.html",
        {
            **_context(division, None),
            "latest_guide": latest_guide,
            "rules": list(_public_of_type(division, RULES_TYPE)[:5]),
            "reports": list(_public_of_type(division, REPORTS_TYPE)[:5]),
        },
    )


def guide(request, slug):
    """Show the division's 指南: the chosen version (``?v=``, else the latest) and the list of
    versions; the catalog summary, channels and fees are generated from current data."""
    division = get_object_or_404(Division, slug=slug)
    versions = list(GuideVersion.objects.filter(division=division).order_by("-version"))
    wanted = PARAMETERS["v"](request.GET.get("v", ""))
    shown = versions[0] if versions else None
    missing_version = False
    if wanted:
        shown = next((v for v in versions if v.version == int(wanted)), shown)
        missing_version = shown is None or shown.version != int(wanted)
    domains = [d for d in domains_with_counts(division) if d.n_entries]
    return render(
        request,
        "disclosure/guide.html",
        {
            **_context(division, "guide"),
            "guide": shown,
            "versions": versions,
            "is_latest": shown is not None and shown is versions[0],
            "missing_version": missing_version,
            "domains": domains,
            "n_entries": sum(d.n_entries for d in domains),
            "request_bands": fees.by_method("request"),
            "page_bands": fees.by_method("page"),
        },
    )


def _listing(request, slug, section: str, type_slug: str, empty: str):
    division = get_object_or_404(Division, slug=slug)
    page = Paginator(_public_of_type(division, type_slug), PER_PAGE).get_page(
        page_number(request.GET.get("page"))
    )
    return render(
        request,
        "disclosure/listing.html",
        {**_context(division, section), "page": page, "empty": empty},
    )


def rules(request, slug):
    """List the division's published 政府信息公开制度, newest first, 20 a page."""
    return _listing(request, slug, "rules", RULES_TYPE, "本级暂未发布政府信息公开制度。")


def reports(request, slug):
    """Show the division's 政府信息公开年报: the annual reports it and its departments
    published on the portal, newest year first, and the 年报 publications, 20 a page.

    ``?report=<id>`` shows one published report in the format's tables (printable on A4), and
    with ``&format=xlsx`` or ``&format=pdf`` downloads it. Another division's report, or one
    not published, answers 404 like a missing one.
    """
    division = get_object_or_404(Division, slug=slug)
    wanted = PARAMETERS["report"](request.GET.get("report", ""))
    if wanted:
        report = get_object_or_404(
            AnnualReport.objects.published().select_related("division", "department"),
            pk=int(wanted),
            division=division,
        )
        download = PARAMETERS["format"](request.GET.get("format", ""))
        if download:
            return _report_download(report, download)
        return render(
            request,
            "disclosure/report_detail.html",
            {**_context(division, "reports"), "report": report, "doc": present.document(report)},
        )
    page = Paginator(_public_of_type(division, REPORTS_TYPE), PER_PAGE).get_page(
        page_number(request.GET.get("page"))
    )
    annual = (
        AnnualReport.objects.published()
        .filter(division=division)
        .select_related("department")
        .order_by("-year", "department__display_order", "department__name")
    )
    return render(
        request,
        "disclosure/report_list.html",
        {
            **_context(division, "reports"),
            "page": page,
            "annual": list(annual),
            "empty": "本级暂未发布政府信息公开年报。",
        },
    )


def _report_download(report: AnnualReport, kind: str) -> HttpResponse:
    if kind == "xlsx":
        content = exports.xlsx_bytes(report)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content, content_type = exports.pdf_bytes(report), "application/pdf"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{report}.{kind}"
    )
    return response


def statutory(request, slug):
    """Show 法定主动公开内容: the division's published catalog, domain by domain."""
    division = get_object_or_404(Division, slug=slug)
    domains = list(domains_with_counts(division))
    return render(
        request,
        "disclosure/statutory.html",
        {
            **_context(division, "statutory"),
            "domains": domains,
            "n_entries": sum(d.n_entries for d in domains),
        },
    )


def apply(request, slug):
    """Explain how to apply for information that is not public (条例 Art. 27–33, 42)."""
    division = get_object_or_404(Division, slug=slug)
    guide = GuideVersion.objects.filter(division=division).order_by("-version").first()
    return render(
        request,
        "disclosure/apply.html",
        {
            **_context(division, "apply"),
            "guide": guide,
            "request_bands": fees.by_method("request"),
            "page_bands": fees.by_method("page"),
        },
    )
