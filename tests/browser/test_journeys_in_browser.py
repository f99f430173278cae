"""Whole back-office journeys in Chromium, counted: how many pages and clicks each person needs.

1. A 街道 clerk files a publication with the rich-text editor and submits it; the district office
   approves it from its working list; 文艺路街道 asks for sign-off, so its leader signs it, and it
   is on the public column.
2. A 区 clerk changes a 社会救助 catalog entry and submits it; 市民政局 (assigned to 社会救助,
   "before" the city office) checks it from 待我审核; the city office approves it, and the public
   entry page shows the new value.

Every person starts at the admin's front page. Pages are main-frame navigations (a POST and its
redirect are one page), clicks are mouse clicks; typing is not counted. The counts are asserted
exactly, so that a change that adds a step to a clerk's day fails here and is looked at; they are
also written to screenshots/journeys.json for the record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from catalog.models import CatalogEntry, Domain, DomainReview, ReviewStatus
from catalog.services import domain_review_save
from districts.models import Department, Role
from districts.services import department_save, division_update, membership_grant
from publications.models import Publication
from tests.factories import UserFactory

from .conftest import SHOTS, shot
from .test_editor_in_browser import CONTENT, choose_entry, violations, watch

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

RESULTS: dict[str, dict] = {}


@dataclass
class Person:
    """One person's steps in a journey: their page, and what they did on it."""

    name: str
    page: object
    pages: int = 0
    clicks: int = 0
    steps: list[str] = field(default_factory=list)

    def __post_init__(self):
        def navigated(frame):
            if frame == self.page.main_frame:
                self.pages += 1

        self.page.on("framenavigated", navigated)

    def start(self, url: str) -> None:
        self.page.goto(url)
        self.steps.append(f"open {url}")

    def click(self, selector: str, *, expect_page: bool = False) -> None:
        """Click ``selector`` (waiting for the next page when it submits or follows a link)."""
        self.clicks += 1
        self.steps.append(f"click {selector}")
        if expect_page:
            with self.page.expect_navigation():
                self.page.click(selector)
        else:
            self.page.click(selector)

    def record(self, journey: str) -> dict:
        found = {"pages": self.pages, "clicks": self.clicks}
        RESULTS.setdefault(journey, {})[self.name] = found
        return found


@pytest.fixture(scope="module", autouse=True)
def write_results():
    yield
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "journeys.json").write_text(json.dumps(RESULTS, ensure_ascii=False, indent=2))


def to_worklist(person: Person) -> None:
    """Go from the admin's front page to the working list, the way the page offers."""
    link = "a[href*='/admin/publications/publication/worklist/']"
    if person.page.locator(link).count() == 0:
        person.click("a[href$='/admin/publications/publication/']", expect_page=True)
    person.click(f"{link} >> nth=0", expect_page=True)


def to_review_queue(person: Person) -> None:
    """Go from the admin's front page to the catalog's 待我审核, the way the page offers."""
    link = "a[href$='status__exact=mine']"
    if person.page.locator(link).count() == 0:
        person.click("a[href$='/admin/catalog/catalogentry/']", expect_page=True)
    person.click(f"{link} >> nth=0", expect_page=True)


def _person(login_as, user, name):
    page = login_as(user)
    return Person(name, page)


def test_a_clerk_files_the_office_approves_the_leader_signs(office, login_as, live_server):
    township = office.divisions["430102001"]
    division_update(
        division=township,
        changes={"signoff_required": True},
        user=office.user(Role.ADMINISTRATOR, "township"),
    )
    leader = UserFactory(
        username="wenyilu_leader", is_staff=True, first_name="建国", last_name="刘"
    )
    membership_grant(user=leader, division=township, role=Role.LEADER)
    admin = live_server.url + "/admin/"

    # The clerk: front page → 公开信息 增加 → write → save → 保存并提交审核.
    clerk = _person(login_as, office.user(Role.EDITOR, "township"), "街道填报员")
    problems = watch(clerk.page)
    clerk.start(admin)
    clerk.click("a[href$='/admin/publications/publication/add/']", expect_page=True)
    clerk.page.wait_for_selector(f"{CONTENT}[contenteditable=true]")
    choose_entry(clerk.page, office.entries["township"])
    clerk.clicks += 3  # choose_entry: open the picker, (type), pick the highlighted option
    clerk.page.fill("#id_title", "文艺路街道2026年11月低保资金发放公示")
    clerk.page.fill("#id_formed_on", "2026-11-02")
    clerk.page.select_option("#id_pub_type", label="名单公示")
    clerk.clicks += 1  # choosing the 信息类型 from its list
    clerk.click(CONTENT)
    clerk.page.keyboard.type("现将低保资金发放情况公示如下。")
    clerk.page.keyboard.press("Enter")
    clerk.page.keyboard.type("城市低保12户，农村低保8户。")
    clerk.click("input[name=_continue]", expect_page=True)
    clerk.page.wait_for_selector(".messagelist .success")
    clerk.click("button[name=_submit_review]", expect_page=True)
    assert "已保存修改并提交审核" in clerk.page.inner_text(".messagelist")
    shot(clerk.page, "journey1-1-clerk-submitted")
    item = Publication.objects.get(title="文艺路街道2026年11月低保资金发放公示")
    assert item.status == Publication.Status.SUBMITTED
    assert item.body.startswith("<p>现将低保资金发放情况公示如下。</p><p>城市低保12户")
    assert violations(clerk.page, problems) == []

    # The district office: front page → working list (opens on 待审) → the item → approve.
    office_reviewer = _person(login_as, office.user(Role.REVIEWER, "district"), "区审核员")
    office_reviewer.start(admin)
    to_worklist(office_reviewer)
    tab = office_reviewer.page.locator(".worklist-tabs [aria-current=page]")
    assert tab.inner_text().startswith("待审")
    office_reviewer.click(f"text={item.title}", expect_page=True)
    shot(office_reviewer.page, "journey1-2-office-reviews")
    office_reviewer.click("button[formaction$='/review/approve/']", expect_page=True)
    item.refresh_from_db()
    assert item.status == Publication.Status.SIGNOFF

    # The leader: front page → working list (opens on 待签) → the item → 签发并发布.
    signer = _person(login_as, leader, "街道签发领导")
    signer.start(admin)
    to_worklist(signer)
    assert signer.page.locator(".worklist-tabs [aria-current=page]").inner_text().startswith("待签")
    signer.click(f"text={item.title}", expect_page=True)
    shot(signer.page, "journey1-3-leader-signs")
    signer.click("button[formaction$='/review/sign/']", expect_page=True)
    item.refresh_from_db()
    assert item.status == Publication.Status.PUBLISHED and item.signed_by == leader

    public = clerk.page.context.new_page()
    public.goto(live_server.url + item.get_absolute_url())
    assert "城市低保12户" in public.inner_text("main")
    shot(public, "journey1-4-public")

    counts = {
        p.name: p.record("clerk files, office approves, leader signs")
        for p in (clerk, office_reviewer, signer)
    }
    assert counts == {
        "街道填报员": {"pages": 4, "clicks": 8},
        "区审核员": {"pages": 4, "clicks": 3},
        "街道签发领导": {"pages": 4, "clicks": 3},
    }


def test_a_city_department_reviews_a_district_catalog_change(office, login_as, live_server):
    city = office.divisions["430100"]
    minzheng = department_save(
        department=Department(division=city, name="市民政局"),
        user=office.user(Role.ADMINISTRATOR, "city"),
    )
    checker = UserFactory(username="city_minzheng", is_staff=True, first_name="芳", last_name="王")
    membership_grant(user=checker, division=city, role=Role.REVIEWER, department=minzheng)
    domain_review_save(
        review=DomainReview(domain=Domain.objects.get(name="社会救助"), department=minzheng),
        user=office.user(Role.ADMINISTRATOR, "city"),
    )
    entry = office.entries["district"]
    admin = live_server.url + "/admin/"
    new_limit = "信息形成或变更之日起5个工作日内"

    # The district clerk: front page → 目录事项 → the entry → change 公开时限 → 保存并提交审核.
    clerk = _person(login_as, office.user(Role.EDITOR, "district"), "区填报员")
    clerk.start(admin)
    clerk.click("a[href$='/admin/catalog/catalogentry/']", expect_page=True)
    clerk.click(f"a[href$='/admin/catalog/catalogentry/{entry.pk}/change/']", expect_page=True)
    clerk.page.fill("#id_time_limit", new_limit)
    clerk.click("button[name=_submit_review]", expect_page=True)
    shot(clerk.page, "journey2-1-district-submitted")
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.SUBMITTED and entry.time_limit == new_limit

    # 市民政局: front page → 目录事项 → 待我审核 → the entry → 业务审核通过.
    dept = _person(login_as, checker, "市民政局审核员")
    dept.start(admin)
    to_review_queue(dept)
    dept.click(
        f"a[href$='/admin/catalog/catalogentry/{entry.pk}/change/?_changelist_filters=status__exact%3Dmine']",
        expect_page=True,
    )
    assert "当前待市民政局审核" in dept.page.inner_text(".review-panel")
    shot(dept.page, "journey2-2-department-checks")
    dept.click("button[formaction$='/review/check/']", expect_page=True)
    entry.refresh_from_db()
    assert entry.checked_by == checker and entry.status == ReviewStatus.SUBMITTED

    # The city office: the same way in, then 审核通过并发布.
    city_office = _person(login_as, office.user(Role.REVIEWER, "city"), "市政务公开办审核员")
    city_office.start(admin)
    to_review_queue(city_office)
    city_office.click(
        f"a[href$='/admin/catalog/catalogentry/{entry.pk}/change/?_changelist_filters=status__exact%3Dmine']",
        expect_page=True,
    )
    assert "业务审核通过，待市政务公开办审核发布" in city_office.page.inner_text(".review-panel")
    shot(city_office.page, "journey2-3-office-approves")
    city_office.click("button[formaction$='/review/approve/']", expect_page=True)
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.PUBLISHED
    assert entry.published_values["time_limit"] == new_limit

    public = clerk.page.context.new_page()
    public.goto(live_server.url + CatalogEntry.objects.get(pk=entry.pk).get_absolute_url())
    assert new_limit in public.inner_text("main")

    counts = {
        p.name: p.record("city department reviews a district catalog change")
        for p in (clerk, dept, city_office)
    }
    assert counts == {
        "区填报员": {"pages": 4, "clicks": 3},
        "市民政局审核员": {"pages": 4, "clicks": 3},
        "市政务公开办审核员": {"pages": 4, "clicks": 3},
    }
