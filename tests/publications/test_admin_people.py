"""The admin as a township clerk meets it: people by 姓名, with the department they act for.

Each page is checked through the admin's real URLs.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import CatalogEntry
from catalog.review import entries_submit
from catalog.services import entry_assign_department, entry_update
from districts.models import Department, Role
from districts.services import membership_grant
from publications import services
from publications.models import Publication
from tests.factories import UserFactory

from .conftest import FORMED

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

INDEX = reverse("admin:index")
WORKLIST = reverse("admin:publications_publication_worklist")
CHANGELIST = reverse("admin:publications_publication_changelist")


@pytest.fixture
def named(office):
    """Give the office's staff names; 王芳 edits for 芙蓉区's 区民政局, which owns its entry."""
    for (role, level), user in office.users.items():
        user.last_name, user.first_name = "张", f"{level}{role}"
        user.save()
    district = office.divisions["430102"]
    minzheng = Department.objects.create(division=district, name="区民政局")
    wang = UserFactory(username="wangfang", last_name="王", first_name="芳")
    membership_grant(user=wang, division=district, role=Role.EDITOR, department=minzheng)
    entry = office.entries["district"]
    entry_assign_department(entry=entry, department=minzheng, user=None)
    entry.refresh_from_db()
    return wang


def submit_township_entry(office) -> CatalogEntry:
    """The township's editor changes its entry and sends it up for review."""
    entry = CatalogEntry.objects.get(pk=office.entries["township"].pk)
    editor = office.user(Role.EDITOR, "township")
    entry_update(entry=entry, changes={"remarks": "本级补充说明"}, user=editor)
    entries_submit(entries=[entry], user=editor)
    return entry


def filed_by_wang(office, wang, status: str = "submitted") -> Publication:
    item = services.publication_create(
        entry=office.entries["district"],
        data={"title": "低保资金发放名单", "formed_on": FORMED},
        user=wang,
    )
    if status in ("submitted", "published"):
        services.publication_submit(publication=item, user=wang)
    if status == "published":
        services.publication_approve(publication=item, user=office.reviewer_for("district"))
    item.refresh_from_db()
    return item


# -- people by name ---------------------------------------------------------------------------


def test_the_working_list_and_the_list_name_the_author_and_department(client, office, named):
    item = filed_by_wang(office, named, "draft")
    client.force_login(office.user(Role.EDITOR, "district"))
    page = client.get(WORKLIST, {"tab": "todo"}).content.decode()
    assert "王芳（区民政局）" in page and "wangfang" not in page
    listing = client.get(CHANGELIST)
    assert "王芳（区民政局）" in listing.content.decode()
    assert item in listing.context["cl"].result_list
    # The 填报人 filter takes the 姓名 as well as the user name.
    for author in ("王芳", "wangfang"):
        rows = client.get(WORKLIST, {"tab": "todo", "author": author}).context["rows"]
        assert [row.pk for row in rows] == [item.pk]
    assert client.get(WORKLIST, {"tab": "todo", "author": "王"}).context["rows"] == []


def test_the_change_page_history_and_event_list_name_people(client, office, named):
    item = filed_by_wang(office, named, "published")
    reviewer = office.reviewer_for("district")
    client.force_login(office.user(Role.EDITOR, "district"))
    page = client.get(reverse("admin:publications_publication_change", args=[item.pk]))
    html = page.content.decode()
    # The review panel: who submitted (for 区民政局) and who reviewed (the city office).
    assert "王芳（区民政局）" in html and "张city" + Role.REVIEWER in html
    assert reviewer.username not in html and "wangfang" not in html
    history = client.get(reverse("admin:publications_publication_history", args=[item.pk]))
    html = history.content.decode()
    assert html.count("王芳（区民政局）") == 2  # created, submitted
    assert "张city" + Role.REVIEWER in html
    events = client.get(reverse("admin:publications_publicationevent_changelist"))
    assert "王芳（区民政局）" in events.content.decode()


def test_the_catalog_pages_name_people(client, office, named):
    entry = submit_township_entry(office)
    editor = office.user(Role.EDITOR, "township")
    client.force_login(office.user(Role.REVIEWER, "district"))
    change = client.get(reverse("admin:catalog_catalogentry_change", args=[entry.pk]))
    assert change.status_code == 200
    html = change.content.decode()
    assert f"张township{Role.EDITOR}" in html and editor.username not in html
    history = client.get(reverse("admin:catalog_catalogentry_history", args=[entry.pk]))
    assert f"张township{Role.EDITOR}" in history.content.decode()
    events = client.get(reverse("admin:catalog_catalogevent_changelist"))
    assert f"张township{Role.EDITOR}" in events.content.decode()


def test_the_membership_list_shows_names(client, office, named):
    client.force_login(office.user(Role.ADMINISTRATOR, "district"))
    html = client.get(reverse("admin:districts_membership_changelist")).content.decode()
    assert "王芳" in html and "wangfang" in html  # 姓名, and the account beside it


def test_the_header_greets_the_user_by_name_and_place(client, office, named):
    client.force_login(named)
    html = client.get(INDEX).content.decode()
    assert "您好，<strong>王芳</strong>" in html and "（芙蓉区 · 区民政局）" in html
