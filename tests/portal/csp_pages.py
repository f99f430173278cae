"""The Content-Security-Policy the portal promises, and one page of every type to check it on.

Shared by the fast header test (tests/portal/test_csp.py) and the Chromium test
(tests/browser/test_csp_in_browser.py). The admin's pages are enumerated from
``admin.site._registry``, so a new ModelAdmin is covered without editing this list.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from catalog.models import CatalogEntry, GuideLink
from guides.models import SyncFailure, SyncRun
from publications.models import Publication
from tests.portal.test_guide_pages import GuideFactory, service_entry

# Directive → the sources it must hold, exactly.
REQUIRED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
# Left out for now: the catalog import pages are being rewritten (their templates,
# templates/admin/catalog/catalogentry/import.html and import_report.html, with them).
EXCLUDED_ADMIN: tuple[str, ...] = ()


def parse_policy(header: str) -> dict[str, str]:
    """Return the policy's directives: name → sources as written."""
    directives = {}
    for part in header.split(";"):
        name, _, sources = part.strip().partition(" ")
        if name:
            directives[name] = sources.strip()
    return directives


def policy_problems(header: str | None) -> list[str]:
    """Return what is wrong with a response's Content-Security-Policy header (nothing: [])."""
    if not header:
        return ["no Content-Security-Policy header"]
    directives = parse_policy(header)
    problems = [
        f"{name} is {directives.get(name)!r}, not {sources!r}"
        for name, sources in REQUIRED.items()
        if directives.get(name) != sources
    ]
    for unsafe in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "data:", "*"):
        if unsafe in header.split():
            problems.append(f"{unsafe} in the policy")
    return problems


INLINE = [
    ("a <style> block", re.compile(r"<style[\s>]", re.I)),
    ("a style attribute", re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)),
    ("an event-handler attribute", re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)),
    ("a javascript: URL", re.compile(r"""=\s*["']?\s*javascript:""", re.I)),
    # Inline scripts: a <script> without src whose type is not data (JSON).
    (
        "an inline <script>",
        re.compile(
            r"<script(?![^>]*\ssrc=)(?![^>]*\stype=\"application/(?:ld\+)?json\")[^>]*>", re.I
        ),
    ),
]


def inline_problems(html: str) -> list[str]:
    """Return the inline scripts and styles in ``html`` that the policy would refuse."""
    problems = []
    for label, pattern in INLINE:
        for match in pattern.finditer(html):
            problems.append(f"{label}: {match.group(0)[:120]}")
    return problems


@dataclass
class Site:
    """The pages of one small site: a published catalog, publications and a guide."""

    public: dict[str, str]
    objects: dict[str, object]


def build_site(office) -> Site:
    """Add to the ``office`` what every public and admin page type needs, and name the pages."""
    city, district = office.divisions["430100"], office.divisions["430102"]
    township = office.divisions["430102001"]
    publication = office.publication("district", "published", title="芙蓉区低保资金发放公示")
    office.publication("township", "published", title="文艺路街道低保名单")
    submitted = office.publication("township", "submitted", title="文艺路街道待审信息")
    guide = GuideFactory(division=district)
    entry = service_entry(district, guide)
    unlinked = GuideFactory(division=district, name="未关联的办事指南")
    run = SyncRun.objects.create(
        trigger=SyncRun.Trigger.SCHEDULE,
        status=SyncRun.Status.PARTIAL,
        base_url="http://127.0.0.1:1",
        started_at=timezone.now() - dt.timedelta(minutes=3),
        heartbeat_at=timezone.now(),
        finished_at=timezone.now(),
        failed=1,
    )
    SyncFailure.objects.create(
        run=run, stage=SyncFailure.Stage.DETAIL, unify_id="x1", name="某事项", reason="平台返回 500"
    )
    Group.objects.get_or_create(name="信息公开专员")
    domain = office.entries["district"].item.first_level.domain
    public = {
        "home": "/",
        "city column": city.get_absolute_url(),
        "division column": district.get_absolute_url(),
        "township column": township.get_absolute_url(),
        "publication list": reverse("portal:division_publications", args=[district.slug]),
        "domain table": reverse("portal:domain", args=[district.slug, domain.slug]),
        "entry page": office.entries["district"].get_absolute_url(),
        "service entry page": entry.get_absolute_url(),
        "publication page": publication.get_absolute_url(),
        "guide page": guide.get_absolute_url(),
        "search with results": "/search/?q=低保",
        "search without results": "/search/?q=没有这个词语",
        "404": "/no/such/page/",
    }
    objects = {
        "office": office,
        "publication": publication,
        "submitted": submitted,
        "guide": guide,
        "unlinked_guide": unlinked,
        "service_entry": entry,
        "guide_link": GuideLink.objects.get(entry=entry),
        "run": run,
    }
    return Site(public=public, objects=objects)


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def catalog_job_for(user):
    """Return a finished import preview of ``user``'s, with errors and rows to show (made once),
    or None when the user may not import anywhere."""
    from catalog.models import CatalogJob
    from catalog.policies import entries

    division = entries.divisions_for(user, "change").first()
    if division is None:
        return None
    job = CatalogJob.objects.filter(user=user).last()
    if job is None:
        row = {
            "status": "error",
            "label": "错误",
            "sheet": "社会救助",
            "row": 5,
            "domain": "社会救助",
            "first_level": "最低生活保障",
            "second_level": "低保资金发放",
            "changed": [],
            "errors": ["公开对象：全社会：应为“√”或留空，实为“X”。"],
        }
        job = CatalogJob.objects.create(
            kind=CatalogJob.Kind.PREVIEW,
            status=CatalogJob.Status.DONE,
            division=division,
            user=user,
            file_name="目录.xlsx",
            size=12345,
            message="预览：共 1 行，错误 1。",
            result={
                "summary": "预览：共 1 行，错误 1。",
                "has_errors": True,
                "error_count": 1,
                "errors": ["工作表“社会救助”第5行“公开对象：全社会”列：应为“√”或留空，实为“X”。"],
                "headers": [
                    {
                        "sheet": "社会救助",
                        "domain": "社会救助",
                        "mapping": [["二级事项", "二级事项"]],
                        "extra": [],
                    }
                ],
                "outcomes": [row],
                "rows": 1,
            },
        )
    return job


def admin_pages(user) -> dict[str, str]:
    """Return every admin page ``user`` may open: per registered ModelAdmin its list, add form,
    first object's change form, history and delete page, then the custom pages."""
    request = RequestFactory().get("/")
    request.user = user
    pages = {"index": reverse("admin:index")}
    for model, model_admin in admin.site._registry.items():
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        if not model_admin.has_view_permission(request):
            continue
        pages[f"{label} list"] = reverse(f"{info}_changelist")
        if model_admin.has_add_permission(request):
            pages[f"{label} add"] = reverse(f"{info}_add")
        obj = model_admin.get_queryset(request).order_by("-pk").first()
        if obj is None or _url(f"{info}_change", obj.pk) is None:
            continue
        pages[f"{label} change"] = reverse(f"{info}_change", args=[obj.pk])
        pages[f"{label} history"] = reverse(f"{info}_history", args=[obj.pk])
        if model_admin.has_delete_permission(request, obj):
            pages[f"{label} delete"] = reverse(f"{info}_delete", args=[obj.pk])

    def first(model, **filters):
        """Return the user's newest object of ``model`` (through its admin: scoped), or None."""
        return admin.site._registry[model].get_queryset(request).filter(**filters).last()

    entry = first(CatalogEntry)
    link = first(GuideLink)
    submitted = first(Publication, status=Publication.Status.SUBMITTED)
    entry_admin = admin.site._registry[CatalogEntry]
    custom = {
        "app index": _url("admin:app_list", "catalog"),
        "catalog tree": _url("admin:catalog_catalogentry_tree"),
        "derive": _url("admin:catalog_catalogentry_derive"),
        "standard export": _url("admin:catalog_catalogentry_standard_export"),
        "export (import-export)": _url("admin:catalog_catalogentry_export"),
        "working list": _url("admin:publications_publication_worklist"),
        "working list, review tab": _url("admin:publications_publication_worklist") + "?tab=review",
        "entries without a guide": _url("admin:catalog_guidelink_unlinked_entries"),
        "guides without an entry": _url("admin:catalog_guidelink_unlinked_guides"),
        "password change": _url("admin:password_change"),
    }
    if entry is not None and entry_admin.has_change_permission(request, entry):
        custom["drop confirmation"] = _url("admin:catalog_catalogentry_drop", entry.pk)
    if submitted is not None:
        custom["publication change (submitted)"] = _url(
            "admin:publications_publication_change", submitted.pk
        )
    job = catalog_job_for(user)
    if job is not None:
        custom["catalog import (upload)"] = _url("admin:catalog_catalogentry_import")
        custom["catalog job (preview report)"] = _url("admin:catalog_catalogentry_job", job.pk)
    if link is not None:
        custom["tie an entry"] = _url("admin:catalog_guidelink_entry", link.entry_id)
        custom["tie a guide"] = _url("admin:catalog_guidelink_guide", link.guide_id)
    pages.update({name: url for name, url in custom.items() if url})
    return {
        name: url for name, url in pages.items() if not any(part in url for part in EXCLUDED_ADMIN)
    }
