"""sitemap.xml: an index of paged sections listing what the public can open.

Only what the public can open is listed: every division's column, a division's domain page when
it has public entries in that domain, public catalog entries, published publications (not
superseded, withdrawn or unpublished ones) and guides the platform still lists.

Addresses are absolute on ``SITE_URL``. django.contrib.sites is not installed, and the request's
Host header is not something a sitemap should repeat (a proxy may pass an internal name), so
every section takes its scheme and host from the setting (``get_domain`` / ``protocol``). The
index and section views are small ones of ours: Django's index builds its links from the
request, and its section view renders rows through a template, too slow for 10,000 a page.

Sections read rows with ``.values()`` a page at a time (Django's paginator slices the queryset):
each page costs a count and a select however many rows the section holds, and the index costs a
count and a ``Max`` per section.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem, x_robots_tag
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import http_date

from catalog.models import CatalogEntry
from districts.models import Division
from guides.models import Guide
from publications.models import Publication


def site_origin() -> tuple[str, str]:
    """Return the (scheme, host) of ``SITE_URL``; paths come from ``reverse()``."""
    parts = urlsplit(settings.SITE_URL)
    return parts.scheme or "https", parts.netloc


def absolute_url(path: str) -> str:
    """Return ``path`` (as ``reverse()`` gives it) on the site's public address."""
    scheme, host = site_origin()
    return f"{scheme}://{host}{path}"


def _pk_path(name: str):
    """Return a function pk -> ``reverse(name, pk=pk)`` that reverses once, not per row.

    A page of 10,000 rows would otherwise spend most of its time in ``reverse()``.
    """
    sentinel = 987654321987
    before, after = reverse(name, kwargs={"pk": sentinel}).split(str(sentinel))
    return lambda pk: f"{before}{int(pk)}{after}"


def _latest(*values):
    present = [value for value in values if value is not None]
    return max(present) if present else None


class PublicSitemap(Sitemap):
    """A section whose addresses use ``SITE_URL`` whatever host the request came to."""

    # Pages of 10,000 render in well under a second; the protocol allows 50,000.
    limit = 10_000

    @property
    def protocol(self) -> str:
        return site_origin()[0]

    def get_domain(self, site=None) -> str:
        return site_origin()[1]


class DivisionSitemap(PublicSitemap):
    """Every division's column; lastmod is the newest thing published in its subtree."""

    def items(self) -> list[dict]:
        divisions = list(Division.objects.in_tree_order().values("slug", "tree_id", "lft", "rght"))
        own: dict[int, object] = {}
        for rows in (
            Publication.objects.public()
            .order_by()
            .values_list("division__tree_id", "division__lft")
            .annotate(latest=Max("published_at")),
            CatalogEntry.objects.public()
            .order_by()
            .values_list("division__tree_id", "division__lft")
            .annotate(latest=Max("published_at")),
        ):
            for tree_id, lft, latest in rows:
                own[(tree_id, lft)] = _latest(own.get((tree_id, lft)), latest)
        # A column shows what is published below it, so its lastmod rolls up the subtree.
        for division in divisions:
            division["lastmod"] = _latest(
                *(
                    latest
                    for (tree_id, lft), latest in own.items()
                    if tree_id == division["tree_id"] and division["lft"] <= lft < division["rght"]
                )
            )
        return divisions

    def location(self, item: dict) -> str:
        return reverse("portal:division", kwargs={"slug": item["slug"]})

    def lastmod(self, item: dict):
        return item["lastmod"]

    def get_latest_lastmod(self):
        return _latest(
            Publication.objects.public().aggregate(latest=Max("published_at"))["latest"],
            CatalogEntry.objects.public().aggregate(latest=Max("published_at"))["latest"],
        )


class DomainSitemap(PublicSitemap):
    """A division's domain page (its catalog table in one domain) where it has public entries."""

    def items(self):
        return (
            CatalogEntry.objects.public()
            .order_by()
            .values("division__slug", "item__first_level__domain__slug")
            .annotate(lastmod=Max("published_at"))
            .order_by("division__slug", "item__first_level__domain__slug")
        )

    def location(self, item: dict) -> str:
        return reverse(
            "portal:domain",
            kwargs={
                "slug": item["division__slug"],
                "domain_slug": item["item__first_level__domain__slug"],
            },
        )

    def lastmod(self, item: dict):
        return item["lastmod"]

    def get_latest_lastmod(self):
        return CatalogEntry.objects.public().aggregate(latest=Max("published_at"))["latest"]


class EntrySitemap(PublicSitemap):
    """Public catalog entries; lastmod is the last approval."""

    def items(self):
        return CatalogEntry.objects.public().order_by("pk").values("pk", "published_at")

    def location(self, item: dict) -> str:
        if not hasattr(self, "_path"):
            self._path = _pk_path("portal:entry")
        return self._path(item["pk"])

    def lastmod(self, item: dict):
        return item["published_at"]

    def get_latest_lastmod(self):
        return CatalogEntry.objects.public().aggregate(latest=Max("published_at"))["latest"]


class PublicationSitemap(PublicSitemap):
    """Published publications; their text never changes in place, so lastmod is publication."""

    def items(self):
        return Publication.objects.public().order_by("pk").values("pk", "published_at")

    def location(self, item: dict) -> str:
        if not hasattr(self, "_path"):
            self._path = _pk_path("portal:publication")
        return self._path(item["pk"])

    def lastmod(self, item: dict):
        return item["published_at"]

    def get_latest_lastmod(self):
        return Publication.objects.public().aggregate(latest=Max("published_at"))["latest"]


class GuideSitemap(PublicSitemap):
    """Service guides the provincial platform still lists; lastmod is the last content change."""

    def items(self):
        return Guide.objects.active().order_by("pk").values("unify_id", "changed_at")

    def location(self, item: dict) -> str:
        return reverse("portal:guide", kwargs={"unify_id": item["unify_id"]})

    def lastmod(self, item: dict):
        return item["changed_at"]

    def get_latest_lastmod(self):
        return Guide.objects.active().aggregate(latest=Max("changed_at"))["latest"]


SITEMAPS: dict[str, type[PublicSitemap]] = {
    "divisions": DivisionSitemap,
    "domains": DomainSitemap,
    "entries": EntrySitemap,
    "publications": PublicationSitemap,
    "guides": GuideSitemap,
}


@x_robots_tag
def sitemap_index(request):
    """List every page of every section, on ``SITE_URL``, with the section's newest lastmod."""
    items = []
    for section, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        location = absolute_url(reverse("sitemap_section", kwargs={"section": section}))
        lastmod = sitemap.get_latest_lastmod()
        items.append(SitemapIndexItem(location, lastmod))
        for page in range(2, sitemap.paginator.num_pages + 1):
            items.append(SitemapIndexItem(f"{location}?p={page}", lastmod))
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": items}, content_type="application/xml"
    )


@x_robots_tag
def sitemap_section(request, section: str):
    """Render one page (``?p=``) of a section.

    Django's own view renders each row through a template, several seconds for a page of
    10,000; the XML here is simple enough to write directly, every value escaped.
    """
    sitemap_class = SITEMAPS.get(section)
    if sitemap_class is None:
        raise Http404("没有这个站点地图分区。")
    sitemap = sitemap_class()
    try:
        urls = sitemap.get_urls(page=request.GET.get("p", 1))
    except (EmptyPage, PageNotAnInteger) as error:
        raise Http404("站点地图没有这一页。") from error
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    ]
    for url in urls:
        lastmod = url["lastmod"]
        parts.append(
            f"<url><loc>{escape(url['location'])}</loc>"
            + (
                f"<lastmod>{timezone.localtime(lastmod).date().isoformat()}</lastmod>"
                if lastmod
                else ""
            )
            + "</url>\n"
        )
    parts.append("</urlset>\n")
    latest = getattr(sitemap, "latest_lastmod", None)
    headers = {"Last-Modified": http_date(latest.timestamp())} if latest else None
    return HttpResponse("".join(parts), content_type="application/xml", headers=headers)
