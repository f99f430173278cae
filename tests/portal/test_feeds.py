"""RSS and Atom feeds of a division (with everything below it) and of a domain within a division.

A township's publication is in its district's feed and the city's, never in a cousin district's;
only published items appear, newest first, at most 30; every feed parses as XML even when a title
carries control characters, and a body's markup never reaches a reader as markup.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import CatalogEntry, Domain, FirstLevelItem, SecondLevelItem
from catalog.review import catalog_publish_as_loaded
from catalog.services import catalog_derive, entry_create
from districts.models import Division
from portal.feeds import FEED_SIZE, plain_excerpt
from publications.models import Publication
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
KINDS = ("rss", "atom")


@dataclass
class Scene:
    city: Division
    furong: Division
    wenyilu: Division
    tianxin: Division
    podzijie: Division
    relief: Domain
    planning: Domain
    entries: dict[tuple[str, str], CatalogEntry]
    user: object
    clock: list

    def publish(self, division: Division, domain: Domain, title: str, **fields) -> Publication:
        """Create a publication of ``division`` in ``domain``, a minute newer than the last."""
        self.clock[0] += dt.timedelta(minutes=1)
        values = {
            "body": f"<p>{title}的正文。</p>",
            "responsible_body": f"{division.name}民政办",
            "status": Publication.Status.PUBLISHED,
            "published_at": self.clock[0],
            **fields,
        }
        return Publication.objects.create(
            entry=self.entries[(division.code, domain.slug)],
            division=division,
            title=title,
            formed_on=dt.date(2026, 3, 2),
            created_by=self.user,
            **values,
        )


def build_scene() -> Scene:
    """Build two domains' city entries derived to 芙蓉区/文艺路街道 and 天心区/坡子街街道.

    The reference divisions and domains must be loaded (the ``reference_data`` fixture).
    """
    divisions = {
        code: Division.objects.get(code=code)
        for code in ("430100", "430102", "430102001", "430103", "430103002")
    }
    relief = Domain.objects.get(name="社会救助")
    planning = Domain.objects.get(name="城乡规划")
    for domain, name in ((relief, "低保资金发放"), (planning, "规划批前公示")):
        first, _ = FirstLevelItem.objects.get_or_create(domain=domain, name=f"{domain.name}事项")
        item, _ = SecondLevelItem.objects.get_or_create(first_level=first, name=name)
        entry_create(division=divisions["430100"], item=item, values={}, user=None)
    for code in ("430102", "430102001", "430103", "430103002"):
        catalog_derive(division=divisions[code], user=None)
    catalog_publish_as_loaded(entry_ids=list(CatalogEntry.objects.values_list("pk", flat=True)))
    entries = {
        (entry.division.code, entry.item.first_level.domain.slug): entry
        for entry in CatalogEntry.objects.select_related("division", "item__first_level__domain")
    }
    return Scene(
        city=divisions["430100"],
        furong=divisions["430102"],
        wenyilu=divisions["430102001"],
        tianxin=divisions["430103"],
        podzijie=divisions["430103002"],
        relief=relief,
        planning=planning,
        entries=entries,
        user=UserFactory(),
        clock=[timezone.now() - dt.timedelta(days=1)],
    )


@pytest.fixture
def scene(reference_data) -> Scene:
    return build_scene()


def division_feed(client, kind: str, division: Division):
    return client.get(reverse(f"portal:division_feed_{kind}", kwargs={"slug": division.slug}))


def domain_feed(client, kind: str, division: Division, domain: Domain):
    return client.get(
        reverse(
            f"portal:domain_feed_{kind}",
            kwargs={"slug": division.slug, "domain_slug": domain.slug},
        )
    )


def parse(response, kind: str) -> dict:
    """Return the feed's title, description and items, read back with xml.etree."""
    assert response.status_code == 200
    expected = "application/rss+xml" if kind == "rss" else "application/atom+xml"
    assert response["Content-Type"].startswith(expected)
    root = ET.fromstring(response.content)
    if kind == "rss":
        channel = root.find("channel")
        items = [
            {
                "title": item.findtext("title"),
                "link": item.findtext("link"),
                "description": item.findtext("description"),
                "author": item.findtext(f"{DC}creator"),
                "categories": [c.text for c in item.findall("category")],
                "date": item.findtext("pubDate"),
            }
            for item in channel.findall("item")
        ]
        return {
            "title": channel.findtext("title"),
            "description": channel.findtext("description"),
            "link": channel.findtext("link"),
            "items": items,
        }
    items = [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "description": entry.findtext(f"{ATOM}summary"),
            "author": entry.findtext(f"{ATOM}author/{ATOM}name"),
            "categories": [c.get("term") for c in entry.findall(f"{ATOM}category")],
            "date": entry.findtext(f"{ATOM}published"),
        }
        for entry in root.findall(f"{ATOM}entry")
    ]
    return {
        "title": root.findtext(f"{ATOM}title"),
        "description": root.findtext(f"{ATOM}subtitle"),
        "link": root.find(f"{ATOM}link[@rel='alternate']").get("href"),
        "items": items,
    }


def titles(feed: dict) -> list[str]:
    return [item["title"] for item in feed["items"]]


@pytest.mark.parametrize("kind", KINDS)
def test_township_publication_is_in_its_district_and_city_feeds_only(client, scene, kind):
    township = scene.publish(scene.wenyilu, scene.relief, "文艺路街道低保名单公示")
    district = scene.publish(scene.furong, scene.relief, "芙蓉区低保标准调整")
    cousin = scene.publish(scene.podzijie, scene.relief, "坡子街街道低保名单公示")

    city_feed = parse(division_feed(client, kind, scene.city), kind)
    assert titles(city_feed) == [cousin.title, district.title, township.title]
    assert titles(parse(division_feed(client, kind, scene.furong), kind)) == [
        district.title,
        township.title,
    ]
    assert titles(parse(division_feed(client, kind, scene.wenyilu), kind)) == [township.title]
    assert titles(parse(division_feed(client, kind, scene.tianxin), kind)) == [cousin.title]


@pytest.mark.parametrize("kind", KINDS)
def test_only_published_publications_appear(client, scene, kind):
    shown = scene.publish(scene.wenyilu, scene.relief, "已发布")
    for status, extra in (
        (Publication.Status.DRAFT, {"published_at": None}),
        (Publication.Status.SUBMITTED, {"published_at": None, "submitted_at": timezone.now()}),
        (Publication.Status.WITHDRAWN, {"withdraw_reason": "信息有误"}),
        (Publication.Status.SUPERSEDED, {}),
    ):
        scene.publish(scene.wenyilu, scene.relief, f"不应出现{status}", status=status, **extra)

    for response in (
        division_feed(client, kind, scene.city),
        division_feed(client, kind, scene.wenyilu),
        domain_feed(client, kind, scene.furong, scene.relief),
    ):
        assert titles(parse(response, kind)) == [shown.title]


@pytest.mark.parametrize("kind", KINDS)
def test_domain_feed_keeps_to_its_domain_and_division_subtree(client, scene, kind):
    relief = scene.publish(scene.wenyilu, scene.relief, "低保名单")
    scene.publish(scene.wenyilu, scene.planning, "规划公示")
    scene.publish(scene.podzijie, scene.relief, "别区低保名单")

    feed = parse(domain_feed(client, kind, scene.furong, scene.relief), kind)
    assert titles(feed) == [relief.title]
    assert "芙蓉区" in feed["title"] and "社会救助" in feed["title"]
    assert "芙蓉区" in feed["description"] and "社会救助" in feed["description"]
    assert feed["link"].endswith(f"/d/{scene.furong.slug}/{scene.relief.slug}/")


@pytest.mark.parametrize("kind", KINDS)
def test_item_fields(client, scene, kind, settings):
    settings.SITE_URL = "https://gk.example.gov.cn"
    item = scene.publish(
        scene.wenyilu,
        scene.relief,
        "2026年第一季度低保名单",
        body="<h2>公示</h2><p>名单如下：<strong>张三</strong>等。</p><table><tr><td>甲</td><td>乙</td></tr></table>",
        responsible_body="文艺路街道办事处",
    )
    feed = parse(division_feed(client, kind, scene.furong), kind)
    assert feed["title"].startswith("芙蓉区政务公开信息")
    assert "芙蓉区及所辖区划" in feed["description"]
    assert feed["link"] == f"https://gk.example.gov.cn/d/{scene.furong.slug}/"
    [entry] = feed["items"]
    assert entry["link"] == f"https://gk.example.gov.cn{item.get_absolute_url()}"
    assert entry["description"] == "公示 名单如下：张三等。 甲 乙"
    assert entry["author"] == "文艺路街道办事处"
    assert entry["categories"] == ["社会救助", "文艺路街道"]
    assert entry["date"]


@pytest.mark.parametrize("kind", KINDS)
def test_newest_thirty_only(client, scene, kind):
    made = [scene.publish(scene.wenyilu, scene.relief, f"第{n}条") for n in range(FEED_SIZE + 3)]
    got = titles(parse(division_feed(client, kind, scene.city), kind))
    assert got == [p.title for p in reversed(made)][:FEED_SIZE]


@pytest.mark.parametrize("kind", KINDS)
def test_control_characters_and_markup_do_not_break_or_inject(client, scene, kind):
    scene.publish(
        scene.wenyilu,
        scene.relief,
        # No NUL: PostgreSQL refuses it in text, so it never reaches a feed there.
        "标题\x01含\x08控制\x1b字符\ufffe",
        body=(
            "<p>正文\x0b里\x1f也有</p><script>alert('x')</script>"
            "<p>&lt;script&gt;alert(1)&lt;/script&gt; a &amp; b</p>"
            '<img src=x onerror="alert(2)">'
        ),
        responsible_body="责任\x07单位",
    )
    response = division_feed(client, kind, scene.city)
    [entry] = parse(response, kind)["items"]
    assert entry["title"] == "标题含控制字符"
    assert entry["author"] == "责任单位"
    # The reader gets HTML-escaped plain text: the escaped tag stays text, the real one is gone.
    assert entry["description"] == "正文里也有 &lt;script&gt;alert(1)&lt;/script&gt; a &amp; b"
    assert b"<script" not in response.content
    assert b"onerror" not in response.content


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_division_or_domain_is_404(client, scene, kind):
    assert client.get(f"/d/no-such-place/feed/{kind}/").status_code == 404
    assert client.get(f"/d/{scene.furong.slug}/no-such-domain/feed/{kind}/").status_code == 404
    assert client.get(f"/d/no-such-place/{scene.relief.slug}/feed/{kind}/").status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_query_count_does_not_grow_with_items(client, scene, kind):
    def count(fetch) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = fetch()
        assert response.status_code == 200
        return len(queries)

    def fetch_division():
        return division_feed(client, kind, scene.city)

    def fetch_domain():
        return domain_feed(client, kind, scene.city, scene.relief)

    scene.publish(scene.wenyilu, scene.relief, "一条")
    assert count(fetch_division) == 2  # the division, the items with their joins
    assert count(fetch_domain) == 3  # the division, the domain, the items
    for n in range(12):
        division = (scene.wenyilu, scene.furong, scene.podzijie, scene.city)[n % 4]
        scene.publish(division, scene.relief, f"更多{n}")
    assert count(fetch_division) == 2
    assert count(fetch_domain) == 3


def test_plain_excerpt_shortens_and_strips():
    assert plain_excerpt("<p>" + "字" * 300 + "</p>", length=10) == "字" * 10 + "…"
    assert plain_excerpt("") == ""
    assert plain_excerpt("<p>一</p><p>二</p>") == "一 二"
    assert plain_excerpt("<style>p{}</style><b>粗</b>体") == "粗体"
