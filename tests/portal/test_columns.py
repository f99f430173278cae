"""The public columns (专栏): division column, paged publication list, domain table, item page.

Everything public is read from the published snapshot: working-copy edits that are not yet
approved and entries dropped when last approved never show. Every page's query count is the
same for a handful of rows as for dozens.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from catalog.models import CatalogEntry, Channel, Domain
from catalog.review import catalog_publish_as_loaded
from catalog.services import entry_create, entry_update, normalise_value
from publications.models import Publication
from tests.factories import (
    DomainFactory,
    FirstLevelItemFactory,
    SecondLevelItemFactory,
    UserFactory,
)
from tests.publications import conftest as publication_fixtures
from tests.publications.test_xss import assert_inert

pytestmark = pytest.mark.django_db

# The publications' ``office`` (city, 芙蓉区, 文艺路街道, staff, one published entry each).
calendar = publication_fixtures.calendar
office = publication_fixtures.office

PAYLOAD = '<script>alert(1)</script><img src=x onerror=alert(1)>"'


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def add_entries(
    division, domain, shape: list[int], *, publish: bool = True, prefix: str = "", **values
):
    """Create entries of ``division`` in ``domain``: one first-level item per number in
    ``shape`` with that many second-level items; publish them as loaded; return them in order."""
    entries = []
    for f, count in enumerate(shape):
        first = FirstLevelItemFactory(domain=domain, name=f"{prefix}一级{f}", display_order=f)
        for s in range(count):
            item = SecondLevelItemFactory(
                first_level=first, name=f"{prefix}二级{f}-{s}", display_order=s
            )
            entries.append(
                entry_create(
                    division=division,
                    item=item,
                    values={
                        "content": f"内容{f}-{s}",
                        "time_limit": "信息形成之日起20个工作日内",
                        "subject": "区民政局",
                        **values,
                    },
                    user=None,
                )
            )
    if publish:
        catalog_publish_as_loaded(entry_ids=[e.pk for e in entries])
        for entry in entries:
            entry.refresh_from_db()
    return entries


def add_publications(
    entry, n: int, *, start: int = 0, status=Publication.Status.PUBLISHED, title="公开信息", **data
):
    """Insert ``n`` publications under ``entry`` directly (reads only need the rows)."""
    user = UserFactory()
    now = timezone.now()
    Publication.objects.bulk_create(
        Publication(
            entry=entry,
            division_id=entry.division_id,
            title=f"{title}{start + i:03d}",
            formed_on=dt.date(2026, 1, 1),
            responsible_body="区民政局",
            status=status,
            published_at=now - dt.timedelta(minutes=start + i)
            if status != Publication.Status.DRAFT
            else None,
            created_by=user,
            **data,
        )
        for i in range(n)
    )


def domain_url(division, domain) -> str:
    return reverse("portal:domain", kwargs={"slug": division.slug, "domain_slug": domain.slug})


class TableScan(HTMLParser):
    """Collect the catalog table's rows: each a list of (tag, attrs, text) cells."""

    def __init__(self) -> None:
        super().__init__()
        self.in_table = self.in_tbody = False
        self.rows: list[list[dict]] = []
        self.head: list[str] = []
        self.cell: dict | None = None
        self.in_thead = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "catalog-table" in (attrs.get("class") or ""):
            self.in_table = True
        if not self.in_table:
            return
        if tag == "thead":
            self.in_thead = True
        elif tag == "tbody":
            self.in_tbody = True
        elif tag == "tr" and self.in_tbody:
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = {"tag": tag, "attrs": attrs, "text": ""}

    def handle_endtag(self, tag):
        if tag == "table":
            self.in_table = False
        elif tag == "thead":
            self.in_thead = False
        elif tag in ("td", "th") and self.cell is not None:
            if self.in_thead:
                self.head.append(self.cell["text"].strip())
            elif self.rows:
                self.rows[-1].append(self.cell)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell["text"] += data


def scan_table(html: str) -> TableScan:
    scan = TableScan()
    scan.feed(html)
    return scan


# ---------------------------------------------------------------------------------------------
# The division column.


def test_unknown_division_is_404(client, reference_data):
    page(client, "/d/no-such-place/", 404)
    page(client, "/d/no-such-place/publications/", 404)


def test_district_column_shows_breadcrumbs_domains_townships_and_latest(
    client, furong, wenyilu, chaoyang
):
    domain = DomainFactory(name="测试救助领域", display_order=0)
    add_entries(furong, domain, [2, 1])
    add_entries(furong, DomainFactory(), [1], publish=False)  # never approved: not counted
    html = page(client, furong.get_absolute_url())
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    assert "首页" in crumbs and "长沙市" in crumbs and 'aria-current="page">芙蓉区<' in crumbs
    assert f'href="{domain_url(furong, domain)}"' in html
    assert re.search(r"测试救助领域</span> <span class=\"count\">3<", html)
    # The other domains are named as having no published catalog yet, without links.
    assert html.count('class="empty"') == Domain.objects.count() - 1
    assert "暂无已发布目录的领域" in html
    assert "乡镇(街道)专栏" in html
    assert wenyilu.get_absolute_url() in html and chaoyang.get_absolute_url() in html
    assert "含所辖乡镇(街道)" in html


def test_child_counts_and_latest_include_divisions_below(client, office):
    district, township = office.divisions["430102"], office.divisions["430102001"]
    office.publication("township", "published", title="街道发布的信息")
    office.publication("district", "published", title="区里发布的信息")
    office.publication("district", "submitted", title="待审核的信息")
    office.publication("city", "published", title="市里发布的信息")
    html = page(client, district.get_absolute_url())
    assert "街道发布的信息" in html and "区里发布的信息" in html
    assert "待审核的信息" not in html and "市里发布的信息" not in html
    # 文艺路街道 holds one published entry.
    assert re.search(
        rf'href="{township.get_absolute_url()}"><span class="child-name">文艺路街道</span> '
        r'<span class="count">1<',
        html,
    )
    township_html = page(client, township.get_absolute_url())
    assert "街道发布的信息" in township_html and "区里发布的信息" not in township_html
    assert "（含" not in township_html  # a township has nothing below it
    assert 'aria-current="page">文艺路街道<' in township_html


def test_latest_shows_ten_and_links_to_the_full_list(client, office):
    add_publications(office.entries["district"], 12)
    html = page(client, office.divisions["430102"].get_absolute_url())
    assert html.count('class="pub-meta"') == 10
    assert "公开信息000" in html and "公开信息010" not in html
    assert reverse("portal:division_publications", args=["furong"]) in html


def test_publication_list_pages_of_twenty_and_bad_page_numbers(client, office):
    add_publications(office.entries["township"], 45)
    add_publications(office.entries["district"], 3, start=100, status=Publication.Status.DRAFT)
    url = reverse("portal:division_publications", args=["furong"])
    first = page(client, url)
    assert first.count('class="pub-meta"') == 20 and "共 45 条" in first
    assert "第 1 / 3 页" in first and 'rel="next"' in first
    third = page(client, url + "?page=3")
    assert third.count('class="pub-meta"') == 5 and "公开信息044" in third
    for bad in ("abc", "0", "-1", "1.5", "", "%00", "١", "9" * 40):
        html = page(client, f"{url}?page={bad}")
        assert "第 1 / 3 页" in html, bad
    assert "第 3 / 3 页" in page(client, url + "?page=999999")
    assert "公开信息100" not in first  # drafts never listed


# ---------------------------------------------------------------------------------------------
# The domain table.


def test_table_has_the_official_columns_and_merged_first_level_cells(client, furong):
    domain = DomainFactory()
    channels = list(Channel.objects.order_by("display_order")[:2])
    entries = add_entries(
        furong,
        domain,
        [3, 1, 2],
        audience=[True, True],
        mode=[True, False],
        channels=[c.pk for c in channels],
        levels=[
            {"level": "区级", "channels": ["政府网站"]},
            {"level": "镇(街)级", "channels": ["公示栏"]},
        ],
    )
    html = page(client, domain_url(furong, domain))
    table = scan_table(html)
    for heading in (
        "序号", "公开事项", "公开内容(要素)", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
        "公开对象", "公开方式", "公开层级", "一级事项", "二级事项", "全社会", "特定群体", "主动",
        "依申请", "县级", "乡级",
    ):  # fmt: skip
        assert heading in table.head, heading
    # Variant labels in a snapshot are shown as the canonical levels they stand for.
    assert "区级" not in table.head and "镇(街)级" not in table.head
    assert "<caption" in html and 'scope="rowgroup"' in html
    assert len(table.rows) == 6
    spans = [
        (c["text"].strip(), c["attrs"]["rowspan"])
        for row in table.rows
        for c in row
        if c["attrs"].get("scope") == "rowgroup"
    ]
    assert spans == [("一级事项：一级0", "3"), ("一级事项：一级1", "1"), ("一级事项：一级2", "2")]
    numbers = [row[0]["text"] for row in table.rows]
    assert numbers == ["1", "2", "3", "4", "5", "6"]
    second = [c for row in table.rows for c in row if c["attrs"].get("scope") == "row"]
    assert [c["text"] for c in second] == [e.item.name for e in entries]
    for entry in entries:
        assert f'href="{entry.get_absolute_url()}"' in html
    first_row = table.rows[0]
    marks = [c["text"].strip() for c in first_row if "mark" in (c["attrs"].get("class") or "")]
    # 全社会 ✓, 特定群体 ✓, 主动 ✓, 依申请 empty, 县级 ✓ 政府网站, 乡级 ✓ 公示栏
    assert marks[:4] == ["✓是", "✓是", "✓是", ""]
    assert marks[4] == "✓是政府网站" and marks[5] == "✓是公示栏"
    assert "、".join(c.name for c in channels) in html


def test_table_levels_are_canonical_and_only_those_from_the_division_down(client, furong):
    domain = DomainFactory()
    add_entries(
        furong,
        domain,
        [2],
        levels=[
            {"level": "市级", "channels": ["政府网站"]},
            {"level": "乡、村级", "channels": ["公示栏"]},
        ],
    )
    head = scan_table(page(client, domain_url(furong, domain))).head
    # A district's table has no 市级 column, and 县级 only if a line uses it; 乡、村级 is both
    # 乡级 and 村级.
    assert [h for h in head if h.endswith("级") and h != "公开层级"] == ["乡级", "村级"]


def test_table_reads_the_published_snapshot_only(client, furong):
    domain = DomainFactory()
    entries = add_entries(furong, domain, [3])
    changed, dropped, _kept = entries
    # A working-copy change waiting for review does not show.
    entry_update(entry=changed, changes={"time_limit": "尚未审核的新时限"}, user=None)
    # An entry dropped when last approved is absent, even though its working copy is active.
    CatalogEntry.objects.filter(pk=dropped.pk).update(
        published_values={**dropped.published_values, "is_dropped": True}
    )
    # An entry never approved is absent.
    never = add_entries(furong, domain, [1], publish=False, prefix="未发布")[0]
    html = page(client, domain_url(furong, domain))
    assert "尚未审核的新时限" not in html and "信息形成之日起20个工作日内" in html
    assert dropped.item.name not in html and never.item.name not in html
    assert "共 2 项" in html
    page(client, dropped.get_absolute_url(), 404)
    page(client, never.get_absolute_url(), 404)
    assert "尚未审核的新时限" not in page(client, changed.get_absolute_url())


def test_table_shows_only_the_division_and_domain_asked(client, furong, tianxin):
    domain, other = DomainFactory(), DomainFactory()
    mine = add_entries(furong, domain, [1])[0]
    theirs = add_entries(tianxin, domain, [1], prefix="天心")[0]
    elsewhere = add_entries(furong, other, [1])[0]
    html = page(client, domain_url(furong, domain))
    assert mine.get_absolute_url() in html
    assert theirs.get_absolute_url() not in html and elsewhere.get_absolute_url() not in html
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    assert furong.get_absolute_url() in crumbs and f">{domain.name}<" in crumbs


def test_domain_without_entries_says_so_and_unknown_slugs_are_404(client, furong):
    domain = DomainFactory()
    assert "暂无已发布的目录事项" in page(client, domain_url(furong, domain))
    page(client, f"/d/{furong.slug}/no-such-domain/", 404)
    page(client, f"/d/no-such-place/{domain.slug}/", 404)


def test_a_catalog_without_levels_has_no_level_columns(client, furong):
    domain = DomainFactory()
    add_entries(furong, domain, [1], levels=[])
    assert "公开层级" not in scan_table(page(client, domain_url(furong, domain))).head


# ---------------------------------------------------------------------------------------------
# The item page.


def test_item_page_breadcrumbs_elements_and_paged_publications(client, furong):
    domain = DomainFactory()
    entry = add_entries(furong, domain, [1], basis="《条例》", remarks="备注文字")[0]
    add_publications(entry, 25)
    html = page(client, entry.get_absolute_url())
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    for link in (reverse("portal:home"), furong.get_absolute_url(), domain_url(furong, domain)):
        assert f'href="{link}"' in crumbs
    assert f'aria-current="page">{entry.item.name}<' in crumbs
    assert "《条例》" in html and "备注文字" in html and "共25条" in html
    assert html.count('class="pub-meta"') == 20 and "第 1 / 2 页" in html
    second = page(client, entry.get_absolute_url() + "?page=2")
    assert second.count('class="pub-meta"') == 5 and "公开信息024" in second
    for bad in ("x", "0", "-3", "10000000000", "２"):
        assert "第 1 / 2 页" in page(client, f"{entry.get_absolute_url()}?page={bad}")
    assert "第 2 / 2 页" in page(client, f"{entry.get_absolute_url()}?page=50")


def test_the_header_search_on_an_item_page_searches_its_division(client, furong, reference_data):
    domain = DomainFactory()
    entry = add_entries(furong, domain, [1])[0]
    form = re.search(
        r'<form role="search"[^>]*>(.*?)</form>', page(client, entry.get_absolute_url()), re.S
    )
    assert f'<input type="hidden" name="division" value="{furong.slug}">' in form.group(1)
    assert 'placeholder="在芙蓉区搜索"' in form.group(1)
    # The city's own items search the whole city.
    city_entry = add_entries(reference_data, domain, [1], prefix="市")[0]
    form = re.search(
        r'<form role="search"[^>]*>(.*?)</form>', page(client, city_entry.get_absolute_url()), re.S
    )
    assert 'name="division"' not in form.group(1) and 'placeholder="输入关键词"' in form.group(1)


def test_unknown_entry_is_404(client, reference_data):
    page(client, "/entry/999999/", 404)


# ---------------------------------------------------------------------------------------------
# Names and titles typed by staff are escaped everywhere.


def test_payloads_in_names_and_elements_stay_inert(client, furong):
    # A level is one of the portal's four: a label carrying markup is refused, not stored.
    with pytest.raises(ValidationError, match="不是公开层级"):
        normalise_value("levels", [{"level": f"区级{PAYLOAD}", "channels": []}])
    domain = DomainFactory(name=f"领域{PAYLOAD}"[:50])
    first = FirstLevelItemFactory(domain=domain, name=f"一级{PAYLOAD}")
    item = SecondLevelItemFactory(first_level=first, name=f"二级{PAYLOAD}")
    entry = entry_create(
        division=furong,
        item=item,
        values={
            "content": PAYLOAD,
            "basis": PAYLOAD,
            "subject": PAYLOAD,
            "time_limit": PAYLOAD,
            "levels": [{"level": "县级", "channels": [PAYLOAD]}],
        },
        user=None,
    )
    catalog_publish_as_loaded(entry_ids=[entry.pk])
    add_publications(entry, 1, title=PAYLOAD, doc_no=PAYLOAD)
    for url in (
        furong.get_absolute_url(),
        domain_url(furong, domain),
        entry.get_absolute_url(),
        reverse("portal:division_publications", args=[furong.slug]),
    ):
        html = page(client, url)
        assert_inert(html)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


# ---------------------------------------------------------------------------------------------
# Query counts: the same for a few rows as for many. Each includes the header's "1+9" navigation.

DIVISION_QUERIES = 6  # division, ancestors, domains+counts, children+counts, latest, nav
LIST_QUERIES = (
    7  # division, active types and top-level 主题分类 (the filters), ancestors, count, page, nav
)
DOMAIN_QUERIES = 5  # division, ancestors, domain, table, nav
ENTRY_QUERIES = 3  # entry (+guide, +publication count), page of publications, nav


@pytest.mark.parametrize("size", [3, 40])
def test_division_and_list_queries_do_not_grow(client, office, django_assert_num_queries, size):
    district = office.divisions["430102"]
    add_entries(district, DomainFactory(), [size])
    add_publications(office.entries["township"], size)
    with django_assert_num_queries(DIVISION_QUERIES):
        page(client, district.get_absolute_url())
    with django_assert_num_queries(LIST_QUERIES):
        page(client, reverse("portal:division_publications", args=[district.slug]))


@pytest.mark.parametrize("size", [3, 40])
def test_domain_and_entry_queries_do_not_grow(client, furong, django_assert_num_queries, size):
    domain = DomainFactory()
    entries = add_entries(furong, domain, [size // 2, size - size // 2])
    add_publications(entries[0], size)
    with django_assert_num_queries(DOMAIN_QUERIES):
        html = page(client, domain_url(furong, domain))
    assert html.count('scope="row"') == size
    with django_assert_num_queries(ENTRY_QUERIES):
        page(client, entries[0].get_absolute_url())
