"""Fixtures for publications and review: a small published catalog, staff at three levels.

``office`` builds, per test: the city (长沙市), 芙蓉区 and its 文艺路街道, plus 天心区 and its
坡子街街道 as the out-of-scope cousins; a one-entry city catalog derived everywhere and
published; one user per role at each of 市/芙蓉区/文艺路街道 and at 天心区; the working-day
calendar 2004–2026 from chinesecalendar.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model

from catalog.models import CatalogEntry, Domain, FirstLevelItem, SecondLevelItem
from catalog.review import catalog_publish_as_loaded
from catalog.services import catalog_derive, entry_create
from districts.models import Division, Role
from districts.services import membership_grant
from publications import services
from publications.models import Publication
from tests.factories import UserFactory
from workcalendar.services import calendar_seed_from_package

User = get_user_model()

CITY, DISTRICT, TOWNSHIP = "430100", "430102", "430102001"
COUSIN_DISTRICT, COUSIN_TOWNSHIP = "430103", "430103002"
LEVEL_CODES = {"city": CITY, "district": DISTRICT, "township": TOWNSHIP}
ROLES = (Role.EDITOR, Role.REVIEWER, Role.ADMINISTRATOR)
# A formation date whose due date (10 working days) lies inside 2026.
FORMED = dt.date(2026, 11, 2)


@dataclass
class Office:
    divisions: dict[str, Division]
    entries: dict[str, CatalogEntry]
    users: dict[tuple[str, str], User] = field(default_factory=dict)

    def user(self, role: str, level: str) -> User:
        return self.users[(role, level)]

    def publication(
        self, level: str, status: str = "draft", *, title: str = "测试公开信息", **data
    ) -> Publication:
        """Create a publication at ``level`` and take it through the chain to ``status``."""
        editor = self.user(Role.EDITOR, level)
        reviewer = self.reviewer_for(level)
        item = services.publication_create(
            entry=self.entries[level],
            data={"title": title, "formed_on": FORMED, **data},
            user=editor,
        )
        if status in ("submitted", "published", "returned", "withdrawn", "superseded"):
            services.publication_submit(publication=item, user=editor)
        if status in ("published", "withdrawn", "superseded"):
            services.publication_approve(publication=item, user=reviewer)
        if status == "returned":
            services.publication_return(publication=item, user=reviewer, reason="请补充附件")
        if status == "withdrawn":
            services.publication_withdraw(publication=item, user=editor, reason="信息有误")
        if status == "superseded":
            draft = services.publication_revise(publication=item, user=editor)
            services.publication_submit(publication=draft, user=editor)
            services.publication_approve(publication=draft, user=reviewer)
        item.refresh_from_db()
        return item

    def reviewer_for(self, level: str) -> User:
        """Return the reviewer of the office above ``level`` (the city reviews itself)."""
        above = {"city": "city", "district": "city", "township": "district"}[level]
        return self.user(Role.REVIEWER, above)


@pytest.fixture
def calendar(db):
    """Record the statutory calendar 2004–2026 and return how many years were created."""
    return calendar_seed_from_package()


@pytest.fixture
def office(reference_data, calendar) -> Office:
    divisions = {
        code: Division.objects.get(code=code)
        for code in (CITY, DISTRICT, TOWNSHIP, COUSIN_DISTRICT, COUSIN_TOWNSHIP)
    }
    domain = Domain.objects.get(name="社会救助")
    first, _ = FirstLevelItem.objects.get_or_create(domain=domain, name="最低生活保障")
    item, _ = SecondLevelItem.objects.get_or_create(first_level=first, name="低保资金发放")
    city = divisions[CITY]
    entry_create(
        division=city,
        item=item,
        values={"time_limit": "制定或获取信息之日起10个工作日内", "subject": "市民政局"},
        user=None,
    )
    # Derive only the branches under test, then publish them as loaded.
    for code in (DISTRICT, TOWNSHIP, COUSIN_DISTRICT, COUSIN_TOWNSHIP):
        catalog_derive(division=divisions[code], user=None)
    entries = {
        level: CatalogEntry.objects.get(division__code=code, item=item)
        for level, code in {**LEVEL_CODES, "cousin": COUSIN_TOWNSHIP}.items()
    }
    catalog_publish_as_loaded(entry_ids=list(CatalogEntry.objects.values_list("pk", flat=True)))
    for entry in entries.values():
        entry.refresh_from_db()
    office = Office(divisions=divisions, entries=entries)
    for level, code in {**LEVEL_CODES, "cousin": COUSIN_DISTRICT}.items():
        for role in ROLES:
            user = UserFactory(
                username=f"{level}_{role}", email=f"{level}_{role}@example.test", is_staff=True
            )
            membership_grant(user=user, division=divisions[code], role=role)
            office.users[(role, level)] = user
    return office
