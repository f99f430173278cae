"""The home page: the city map (一张图) with a link, name and counts per district, the list
alternative with the same counts, the 26 domains, the latest publications; constant queries."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from catalog.models import Domain
from districts.models import Division, Role
from publications import services
from publications.models import Publication
from tests.publications import conftest as publications_fixtures
from tests.publications.conftest import FORMED
from tests.publications.test_xss import TITLE, assert_inert

pytestmark = pytest.mark.django_db

# The publications' small published catalog, with staff at three levels, as fixtures here.
calendar = publications_fixtures.calendar
office = publications_fixtures.office

# The nine county-level divisions in their display order.
COUNTIES = [
    *("430102", "430103", "430104", "430105", "430111"),
    *("430112", "430121", "430181", "430182"),
]


def publish_in_cousin(office, title: str) -> Publication:
    """Publish a publication of 坡子街街道 (天心区), reviewed by 天心区."""
    editor = office.user(Role.EDITOR, "cousin")
    item = services.publication_create(
        entry=office.entries["cousin"], data={"title": title, "formed_on": FORMED}, user=editor
    )
    services.publication_submit(publication=item, user=editor)
    services.publication_approve(publication=item, user=office.user(Role.REVIEWER, "cousin"))
    return item


def home(client) -> str:
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, heading_id: str) -> str:
    """Return the HTML of the <section> labelled by the heading with ``heading_id``."""
    start = html.index(f'aria-labelledby="{heading_id}"')
    return html[start : html.index("</section>", start)]


def map_links(html: str) -> list[dict[str, str]]:
    svg = html[html.index("<svg") : html.index("</svg>")]
    return [
        {"id": m[0], "href": m[1], "label": unescape(m[2]), "code": m[3]}
        for m in re.findall(
            r'<a id="map-(\d+)" class="[^"]*" href="([^"]+)" aria-label="([^"]+)">'
            r'<path id="shape-\d+" data-code="(\d+)" d="[^"]+"/></a>',
            svg,
        )
    ]


def test_the_map_has_a_link_per_district_to_its_column(client, reference_data):
    html = home(client)
    links = map_links(html)
    assert sorted(link["code"] for link in links) == sorted(COUNTIES)
    divisions = {d.code: d for d in Division.objects.filter(code__in=COUNTIES)}
    for link in links:
        assert link["id"] == link["code"]
        assert link["href"] == divisions[link["code"]].get_absolute_url()
        assert link["label"].startswith(divisions[link["code"]].name + "：")
    # Keyboard order follows the columns' display order, as the list does.
    ordered = Division.objects.filter(code__in=COUNTIES).order_by("display_order", "code")
    assert [link["code"] for link in links] == [d.code for d in ordered]
    # On hover and focus: an outline ring and a tip with the name, for every district; the
    # rules come from the map's own stylesheet (the Content-Security-Policy refuses inline ones).
    assert '<link rel="stylesheet" href="/citymap.css">' in html
    css = client.get("/citymap.css").content.decode()
    for code in COUNTIES:
        assert f'<use id="ring-{code}" class="citymap-ring" href="#shape-{code}"/>' in html
        assert f"#map-{code}:is(:hover, :focus) ~ #ring-{code}" in css
        assert f".citymap:has(#map-{code}:is(:hover, :focus)) #tip-{code}" in css
        assert f'id="tip-{code}"' in html
    assert 'viewBox="0 0 1000 ' in html
    assert "portal/home.css" in html


def test_list_alternative_counts_and_map_agree(client, office):
    office.publication("district", "published", title="芙蓉区已发布")
    office.publication("township", "published", title="文艺路街道已发布")
    office.publication("district", "draft", title="芙蓉区草稿")
    office.publication("district", "submitted", title="芙蓉区待审")
    office.publication("district", "withdrawn", title="芙蓉区已撤销")
    publish_in_cousin(office, "坡子街已发布")
    office.publication("city", "published", title="市级已发布")
    html = home(client)

    columns = section(html, "columns-heading")
    items = re.findall(
        r'<li[^>]*><a href="(/d/[^"]+/)">([^<]+)</a>\s*'
        r'<span class="column-counts">(.+?)</span></li>',
        columns,
    )
    assert [name for _url, name, _counts in items] == [
        "长沙市", "芙蓉区", "天心区", "岳麓区", "开福区",
        "雨花区", "望城区", "长沙县", "浏阳市", "宁乡市",
    ]  # fmt: skip
    counts = {name: re.sub(r"</?span>", "", text) for _url, name, text in items}
    # 芙蓉区 and 天心区 count their townships' entries and publications with their own.
    assert counts["芙蓉区"] == "目录事项 2 项 公开信息 2 条"
    assert counts["天心区"] == "目录事项 2 项 公开信息 1 条"
    assert counts["岳麓区"] == "目录事项 0 项 公开信息 0 条"
    assert counts["长沙市"] == "市级参考目录 · 全市目录事项 5 项 · 公开信息 4 条"

    labels = {link["code"]: link["label"] for link in map_links(html)}
    assert labels["430102"] == "芙蓉区：已公开目录事项 2 项，公开信息 2 条"
    assert labels["430103"] == "天心区：已公开目录事项 2 项，公开信息 1 条"
    tip = html[html.index('id="tip-430102"') : html.index("</div>", html.index('id="tip-430102"'))]
    assert "<strong>芙蓉区</strong><span>目录事项 2 项</span><span>公开信息 2 条</span>" in tip


def test_the_26_domains_link_to_the_city_domain_pages(client, city):
    grid = section(home(client), "domains-heading")
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', grid)
    assert len(links) == 26 == Domain.objects.count()
    domains = Domain.objects.order_by("display_order", "name")
    for (url, name), domain in zip(links, domains, strict=True):
        assert name == domain.name
        assert url == reverse("portal:domain", args=[city.slug, domain.slug])


def test_latest_publications_only_published_newest_first(client, office):
    made = [office.publication("district", "published", title=f"已发布{n}") for n in range(12)]
    office.publication("district", "draft", title="草稿不显示")
    office.publication("district", "submitted", title="待审不显示")
    office.publication("district", "returned", title="退回不显示")
    office.publication("township", "withdrawn", title="撤销不显示")
    old = office.publication("district", "superseded", title="旧版不显示")
    latest = section(home(client), "latest-heading")
    titles = re.findall(r'<a href="/p/\d+/">([^<]+)</a>', latest)
    newest = sorted([*made, old.replaced_by], key=lambda p: (p.published_at, p.pk), reverse=True)[
        :10
    ]
    assert titles == [p.title for p in newest]
    assert not any("不显示" in title for title in titles[1:])
    first = newest[0]
    assert f'<a href="{first.get_absolute_url()}">' in latest
    assert "芙蓉区" in latest
    # The page shows the date in Asia/Shanghai, which is a day ahead of UTC after 16:00 UTC.
    assert f'<time datetime="{timezone.localtime(first.published_at):%Y-%m-%d}">' in latest


def test_no_publications_says_so(client, reference_data):
    assert "暂无公开信息。" in section(home(client), "latest-heading")


def test_a_title_with_markup_is_shown_escaped(client, office):
    office.publication("district", "published", title=TITLE)
    html = home(client)
    assert escape(TITLE) in section(html, "latest-heading")
    assert_inert(html)


def test_search_box_sends_q_to_the_search_page(client, reference_data):
    html = home(client)
    assert re.search(
        rf'<form role="search" action="{reverse("portal:search")}" method="get">', html
    )
    assert 'name="q"' in html


def test_before_reference_data_the_page_explains(client, db, monkeypatch):
    monkeypatch.setattr(type(Division.objects), "root", lambda self: None)
    assert "平台尚未初始化" in home(client)


@pytest.mark.parametrize("published", [2, 30])
def test_query_count_is_constant(client, office, django_assert_num_queries, published):
    for n in range(published):
        office.publication("district" if n % 2 else "township", "published", title=f"信息{n}")
    office.publication("district", "draft")
    # The root, the columns, their entry counts and publication counts (one grouped query
    # each), the domains, the latest publications, and the header's "1+9" navigation.
    with django_assert_num_queries(7):
        html = home(client)
    assert f"公开信息 {published} 条" in html
    shown = 10 if published > 10 else published
    assert len(re.findall(r'<a href="/p/\d+/">', section(html, "latest-heading"))) == shown


def test_counts_do_not_include_other_statuses(client, office):
    for status in ("draft", "submitted", "returned"):
        office.publication("district", status)
    assert Publication.objects.count() == 3
    html = home(client)
    assert "公开信息 0 条" in section(html, "columns-heading")
