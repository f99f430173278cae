"""sitemap.xml (an index of paged sections) and robots.txt.

Only public things are listed, every address is on SITE_URL whatever Host the request used,
big sections are paged (tested at a limit of 2), and a page of a section costs the same number
of queries however many rows the section holds.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import CatalogEntry, ReviewStatus
from districts.models import Division
from guides.models import Guide
from portal import sitemaps
from publications.models import Publication

from .test_feeds import Scene, build_scene
from .test_guide_pages import GuideFactory

pytestmark = pytest.mark.django_db

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SITE = "https://gk.example.gov.cn"
SECTIONS = ("divisions", "domains", "entries", "publications", "guides")


@pytest.fixture
def scene(reference_data) -> Scene:
    return build_scene()


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def fetch(client, url: str, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def index(client, **extra) -> list[tuple[str, str | None]]:
    root = fetch(client, "/sitemap.xml", **extra)
    assert root.tag == f"{SM}sitemapindex"
    return [(s.findtext(f"{SM}loc"), s.findtext(f"{SM}lastmod")) for s in root]


def section(client, name: str, page: int = 1) -> dict[str, str | None]:
    root = fetch(client, f"/sitemap-{name}.xml" + (f"?p={page}" if page > 1 else ""))
    assert root.tag == f"{SM}urlset"
    return {u.findtext(f"{SM}loc"): u.findtext(f"{SM}lastmod") for u in root}


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(sitemaps.PublicSitemap, "limit", 2)


def hide(entry: CatalogEntry) -> None:
    """Make ``entry`` never-published, as a fresh draft is."""
    CatalogEntry.objects.filter(pk=entry.pk).update(
        status=ReviewStatus.DRAFT, published_values=None, published_at=None
    )


def test_index_lists_every_page_of_every_section_on_site_url(client, scene, small_pages):
    for n in range(5):
        scene.publish(scene.wenyilu, scene.relief, f"第{n}条")
    scene.publish(scene.wenyilu, scene.relief, "草稿", status="draft", published_at=None)

    # The Host header the request came with does not leak into the index.
    locations = index(client, HTTP_HOST="localhost")
    by_loc = dict(locations)
    publications = f"{SITE}/sitemap-publications.xml"
    assert [loc for loc, _ in locations if loc.startswith(publications)] == [
        publications,
        f"{publications}?p=2",
        f"{publications}?p=3",
    ]
    for name in SECTIONS:
        assert f"{SITE}/sitemap-{name}.xml" in by_loc
    newest = Publication.objects.published().order_by("-published_at").first().published_at
    assert by_loc[publications].startswith(timezone.localtime(newest).strftime("%Y-%m-%dT%H:%M"))
    # No guides, so no lastmod for that section.
    assert by_loc[f"{SITE}/sitemap-guides.xml"] is None
    # Sections' own pages exist exactly as listed.
    assert client.get("/sitemap-publications.xml?p=3").status_code == 200
    assert client.get("/sitemap-publications.xml?p=4").status_code == 404
    assert client.get("/sitemap-publications.xml?p=x").status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_publications_section_lists_published_only_across_pages(client, scene, small_pages):
    shown = [scene.publish(scene.wenyilu, scene.relief, f"第{n}条") for n in range(3)]
    shown.append(scene.publish(scene.podzijie, scene.planning, "别区"))
    for status, extra in (
        ("draft", {"published_at": None}),
        ("submitted", {"published_at": None, "submitted_at": timezone.now()}),
        ("withdrawn", {"withdraw_reason": "有误"}),
        ("superseded", {}),
    ):
        scene.publish(scene.wenyilu, scene.relief, status, status=status, **extra)

    first, second = section(client, "publications"), section(client, "publications", 2)
    assert len(first) == 2 and len(second) == 2
    listed = {**first, **second}
    assert set(listed) == {f"{SITE}{p.get_absolute_url()}" for p in shown}
    item = shown[0]
    assert listed[f"{SITE}{item.get_absolute_url()}"] == (
        timezone.localtime(item.published_at).date().isoformat()
    )


def test_entries_and_domains_list_public_entries_only(client, scene):
    hidden = scene.entries[(scene.podzijie.code, scene.planning.slug)]
    hide(hidden)
    dropped = scene.entries[(scene.tianxin.code, scene.planning.slug)]
    CatalogEntry.objects.filter(pk=dropped.pk).update(
        published_values={**dropped.published_values, "is_dropped": True}
    )

    entries = section(client, "entries")
    public = CatalogEntry.objects.public()
    assert set(entries) == {f"{SITE}{reverse('portal:entry', args=[e.pk])}" for e in public}
    assert f"{SITE}{hidden.get_absolute_url()}" not in entries
    assert f"{SITE}{dropped.get_absolute_url()}" not in entries
    assert len(entries) == len(scene.entries) - 2
    assert all(lastmod for lastmod in entries.values())

    domains = section(client, "domains")
    expected = {
        f"{SITE}/d/{division.slug}/{domain.slug}/"
        for division in (scene.city, scene.furong, scene.wenyilu, scene.tianxin, scene.podzijie)
        for domain in (scene.relief, scene.planning)
    } - {
        f"{SITE}/d/{scene.podzijie.slug}/{scene.planning.slug}/",
        f"{SITE}/d/{scene.tianxin.slug}/{scene.planning.slug}/",
    }
    assert set(domains) == expected


def test_divisions_section_rolls_lastmod_up_the_tree(client, scene):
    CatalogEntry.objects.update(published_at=timezone.now() - dt.timedelta(days=30))
    item = scene.publish(scene.wenyilu, scene.relief, "街道信息")
    two_days_ago = timezone.now() - dt.timedelta(days=2)
    Publication.objects.filter(pk=item.pk).update(published_at=two_days_ago)

    divisions = section(client, "divisions")
    assert len(divisions) == Division.objects.count()
    url = f"{SITE}/d/{{}}/".format
    for division in (scene.wenyilu, scene.furong, scene.city):
        assert divisions[url(division.slug)] == timezone.localtime(two_days_ago).date().isoformat()
    # Above the entries' approval but nothing else: the entries' own date.
    entries_day = timezone.localtime(CatalogEntry.objects.first().published_at).date()
    assert divisions[url(scene.podzijie.slug)] == entries_day.isoformat()
    # A township with nothing public has no lastmod.
    quiet = Division.objects.townships().exclude(catalog_entries__isnull=False).first()
    assert divisions[url(quiet.slug)] is None


def test_guides_section_lists_active_guides(client, reference_data):
    active = GuideFactory()
    withdrawn = GuideFactory(status=Guide.Status.WITHDRAWN, withdrawn_at=timezone.now())
    guides = section(client, "guides")
    assert f"{SITE}{active.get_absolute_url()}" in guides
    assert f"{SITE}{withdrawn.get_absolute_url()}" not in guides
    assert len(guides) == 1


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# What a page costs: sections paged from the database run a count and a select of their page;
# divisions read the tree and the newest dates by division; the index a count and a Max each
# (divisions: their three reads and two Max).
EXPECTED_QUERIES = {
    "/sitemap.xml": 13,
    "/sitemap-divisions.xml": 3,
    "/sitemap-domains.xml": 2,
    "/sitemap-entries.xml": 2,
    "/sitemap-publications.xml": 2,
    "/sitemap-publications.xml?p=2": 2,
    "/sitemap-guides.xml": 2,
}


def test_query_counts_do_not_grow_with_rows(client, scene, small_pages):
    for n in range(4):
        scene.publish(scene.wenyilu, scene.relief, f"第{n}条")
    GuideFactory()
    before = {url: count_queries(client, url) for url in EXPECTED_QUERIES}
    assert before == EXPECTED_QUERIES

    for n in range(20):
        division = (scene.wenyilu, scene.furong, scene.podzijie, scene.city)[n % 4]
        scene.publish(division, (scene.relief, scene.planning)[n % 2], f"更多{n}")
    GuideFactory.create_batch(5)
    after = {url: count_queries(client, url) for url in EXPECTED_QUERIES}
    assert after == EXPECTED_QUERIES


def test_robots_txt(client):
    response = client.get("/robots.txt", HTTP_HOST="localhost")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    # The staff admin is not named: a Disallow line would publish its path (ADMIN_URL).
    assert not any("admin" in line for line in lines)
    assert "Disallow: /search/" in lines
    assert f"Sitemap: {SITE}/sitemap.xml" in lines
    # Published documents stay findable.
    assert not any(line.startswith("Disallow: /attachment") for line in lines)
    assert "Disallow: /" not in lines
