"""A year of demo publications per division (publications.demo_year), on a small catalog."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.demo_departments import build_demo_departments
from catalog.models import CatalogEntry, Domain, FirstLevelItem, SecondLevelItem
from catalog.review import catalog_publish_as_loaded
from catalog.services import catalog_derive, entry_create
from districts.models import Division
from publications import demo_year
from publications.models import IndexSerial, Publication, PublicationEvent
from publications.sanitise import clean_html

TODAY = dt.date(2026, 11, 30)
CODES = ("430100", "430102", "430102001")
# (domain, 一级事项, 二级事项): enough kinds for every template family to be reachable.
ITEMS = [
    ("社会救助", "最低生活保障", "低保资金发放"),
    ("社会救助", "综合业务", "规范性文件"),
    ("社会救助", "临时救助", "临时救助对象名单"),
    ("财政预决算", "财政预决算", "部门预决算"),
    ("公共资源交易", "政府采购信息", "采购公告"),
    ("城市综合执法", "行政处罚", "行政处罚决定"),
    ("生态环境", "综合信息", "公开环保工作动态"),
    ("养老服务", "养老服务通用政策", "养老机构投资指南"),
]


@pytest.fixture
def divisions(reference_data):
    """Return the city, 芙蓉区 and 文艺路街道 with a small published catalog and departments."""
    found = {d.code: d for d in Division.objects.filter(code__in=CODES)}
    city = found["430100"]
    for domain_name, first_name, second_name in ITEMS:
        domain = Domain.objects.get(name=domain_name)
        first, _ = FirstLevelItem.objects.get_or_create(domain=domain, name=first_name)
        item, _ = SecondLevelItem.objects.get_or_create(first_level=first, name=second_name)
        entry_create(
            division=city,
            item=item,
            values={"time_limit": "信息形成之日起20个工作日内", "subject": "武汉市某局"},
            user=None,
        )
    catalog_derive(division=found["430102"], user=None)
    catalog_derive(division=found["430102001"], user=None)
    catalog_publish_as_loaded(entry_ids=list(CatalogEntry.objects.values_list("pk", flat=True)))
    ordered = [found[code] for code in CODES]
    build_demo_departments(ordered)
    return ordered


def _rows(division=None):
    rows = Publication.objects.filter(created_by__username=demo_year.AUTHOR)
    if division is not None:
        rows = rows.filter(division=division)
    return rows


def _other_names(division: Division) -> list[str]:
    """Return the names of every division but ``division`` and those above it."""
    own = {division.pk, *division.ancestors().values_list("pk", flat=True)}
    return list(Division.objects.exclude(pk__in=own).values_list("name", flat=True))


def test_every_division_gets_a_published_year_of_its_own(divisions):
    started = time.monotonic()
    made = demo_year.build_demo_year(divisions=divisions, today=TODAY)
    # A few divisions: the whole city's ~7,500 rows take about 5 s on SQLite.
    assert time.monotonic() - started < 10

    assert made == _rows().count()
    first, last = TODAY - dt.timedelta(days=365), TODAY - dt.timedelta(days=1)
    for division in divisions:
        low, high = demo_year.VOLUME[division.level]
        rows = list(_rows(division).select_related("pub_type", "entry"))
        assert low <= len(rows) <= high, division.name
        others = _other_names(division)
        for p in rows:
            assert p.is_demo and p.status == Publication.Status.PUBLISHED
            assert p.entry.division_id == division.pk
            assert p.department_id == p.entry.department_id
            assert division.name in p.title, p.title
            rest = p.title.replace(division.name, "")
            assert not [name for name in others if name in rest], p.title
            assert "武汉" not in p.title + p.body + p.responsible_body
            assert division.name in p.responsible_body
            assert first <= p.formed_on <= last
            assert first <= p.published_at.date() <= last
            assert p.submitted_at <= p.published_at
            assert p.index_no and p.body == clean_html(p.body)
            assert "演示数据" in p.body
            if p.pub_type.is_policy:
                assert p.validity == Publication.Validity.CURRENT
    # Townships publish as their office; a district's department as the district's bureau.
    assert {p.responsible_body for p in _rows(divisions[2])} == {"文艺路街道办事处"}
    assert "长沙市芙蓉区民政局" in {p.responsible_body for p in _rows(divisions[1])}
    # One event each, dated when the row was published.
    events = PublicationEvent.objects.filter(publication__in=_rows())
    assert events.count() == made
    assert all(e.created_at == e.publication.published_at for e in events.select_related())


def test_types_that_need_an_interpretation_have_one(divisions):
    demo_year.build_demo_year(divisions=divisions, today=TODAY)
    policies = _rows().filter(pub_type__needs_interpretation=True)
    assert policies.exists()
    issuer = {"430100": "长(政|民)", "430102": "芙(政|民)", "430102001": "文街办"}
    for policy in policies.select_related("division"):
        pattern = issuer[policy.division.code] + r"发〔\d{4}〕\d+号"
        assert re.fullmatch(pattern, policy.doc_no), policy.doc_no
        (reading,) = policy.interpretations.all()
        assert reading.pub_type.is_interpretation and reading.is_demo
        assert reading.status == Publication.Status.PUBLISHED
        assert reading.published_at == policy.published_at
        assert reading.interpretation_form


def test_the_same_day_gives_the_same_rows(divisions):
    demo_year.build_demo_year(divisions=divisions, today=TODAY)
    stored = sorted(
        _rows().values_list("entry_id", "title", "doc_no", "body", "formed_on", "published_at")
    )
    author, reviewer = demo_year._authors()
    year = demo_year._Year(TODAY)
    entries = demo_year._entries(divisions)

    def plan():
        return sorted(
            (p.entry_id, p.title, p.doc_no, p.body, p.formed_on, p.published_at)
            for d in divisions
            for p in demo_year.plan_division(d, entries[d.pk], year, author, reviewer)
        )

    assert plan() == plan() == stored


def test_a_second_run_adds_nothing(divisions):
    made = demo_year.build_demo_year(divisions=divisions, today=TODAY)
    assert made > 0
    assert demo_year.build_demo_year(divisions=divisions, today=TODAY) == 0
    assert demo_year.build_demo_year(today=TODAY + dt.timedelta(days=1)) == 0
    assert _rows().count() == made
    # The counters moved on past every number issued, so an approval never repeats one.
    for counter in IndexSerial.objects.all():
        issued = _rows().filter(index_no__startswith=f"{counter.prefix}/{counter.year}-")
        assert counter.last == issued.count()


def test_query_count_does_not_grow_with_the_divisions(divisions, django_assert_max_num_queries):
    def others(queries) -> int:
        # Inserts come in batches of the database's parameter limit (one per ~19 rows on
        # SQLite, one per table on PostgreSQL); everything else is a fixed number.
        return sum(not q["sql"].lstrip().upper().startswith("INSERT") for q in queries)

    demo_year._authors()  # created once, on the first run of all
    # The city's 150 rows: reads, counters, updates and the inserts' batches.
    with django_assert_max_num_queries(45) as one:
        demo_year.build_demo_year(divisions=divisions[:1], today=TODAY)
    with CaptureQueriesContext(connection) as two:
        demo_year.build_demo_year(divisions=divisions[1:], today=TODAY)
    assert others(one.captured_queries) == others(two.captured_queries)
