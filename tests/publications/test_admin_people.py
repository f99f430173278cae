"""The admin as a township clerk meets it: people by 姓名 (with the department they act for),
the entry picker's "领域 · 一级事项 · 二级事项（区划）", and the index's 待办 / 待审 / 待签.

Each page is checked through the admin's real URLs; the index's queries are counted exactly
and stay the same with more data.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from catalog.models import CatalogEntry, FirstLevelItem, SecondLevelItem
from catalog.review import catalog_publish_as_loaded, entries_submit
from catalog.services import catalog_derive, entry_assign_department, entry_create, entry_update
from districts.models import Department, Role
from districts.services import division_update, membership_grant
from publications import services
from publications.models import Publication
from tests.factories import UserFactory

from .conftest import FORMED
from .test_worklist import bulk

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

INDEX = reverse("admin:index")
WORKLIST = reverse("admin:publications_publication_worklist")
CHANGELIST = reverse("admin:publications_publication_changelist")
AUTOCOMPLETE = reverse("admin:autocomplete")
PICKER = {"app_label": "publications", "model_name": "publication", "field_name": "entry"}


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
    assert html.count("王芳（区民政局）") == 3  # created, checked for personal data, submitted
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


# -- the entry picker -------------------------------------------------------------------------


def add_items(office, start: int, n: int) -> None:
    """Add ``n`` city entries in the office's domain, derived to 芙蓉区 and published."""
    first = FirstLevelItem.objects.get(name="最低生活保障")
    city, district = office.divisions["430100"], office.divisions["430102"]
    for i in range(start, start + n):
        item = SecondLevelItem.objects.create(first_level=first, name=f"政策法规文件{i}")
        entry_create(division=city, item=item, values={}, user=None)
    catalog_derive(division=district, user=None)
    catalog_publish_as_loaded(entry_ids=list(CatalogEntry.objects.values_list("pk", flat=True)))


def picked(client, **params) -> list[dict]:
    response = client.get(AUTOCOMPLETE, {**PICKER, **params})
    assert response.status_code == 200
    return json.loads(response.content)["results"]


def test_the_entry_picker_reads_domain_first_level_and_item(client, office):
    client.force_login(office.user(Role.EDITOR, "township"))
    results = picked(client, term="低保")
    entry = office.entries["township"]
    assert results == [
        {"id": str(entry.pk), "text": "社会救助 · 最低生活保障 · 低保资金发放（文艺路街道）"}
    ]
    # The domain's name finds its entries too.
    assert picked(client, term="社会救助") == results


def test_the_entry_picker_asks_the_same_queries_for_more_entries(
    client, office, django_assert_num_queries
):
    client.force_login(office.user(Role.EDITOR, "district"))
    add_items(office, 0, 2)
    picked(client, term="最低生活保障")  # warm up
    # session, user, memberships, the paginator's count, the page of entries (joined with
    # what the label reads: no query per option).
    with django_assert_num_queries(5) as captured:
        few = picked(client, term="最低生活保障")
    add_items(office, 2, 6)
    with django_assert_num_queries(len(captured)):
        many = picked(client, term="最低生活保障")
    assert len(many) > len(few) >= 3
    assert all(r["text"].startswith("社会救助 · 最低生活保障 · ") for r in many)


def test_the_publication_form_shows_the_chosen_entry_by_the_same_label(client, office):
    client.force_login(office.user(Role.EDITOR, "township"))
    entry = office.entries["township"]
    # Sent without a title: the form comes back with the entry still chosen.
    response = client.post(
        reverse("admin:publications_publication_add"),
        {"entry": entry.pk, "title": "", "formed_on": "2026-11-02"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "社会救助 · 最低生活保障 · 低保资金发放（文艺路街道）</option>" in html


# -- the index: 待办, 待审, 待签 -------------------------------------------------------------------


def cards(response) -> dict[str, dict]:
    return {card["key"]: card for card in response.context["pending"]}


def test_the_index_counts_what_waits_for_each_user(client, office, named):
    township = office.divisions["430102001"]
    division_update(
        division=township,
        changes={"signoff_required": True},
        user=office.user(Role.ADMINISTRATOR, "township"),
    )
    leader = UserFactory(username="wenyilu_leader", last_name="谭", first_name="志强")
    membership_grant(user=leader, division=township, role=Role.LEADER)
    office.publication("township", "draft")
    office.publication("township", "returned")
    office.publication("township", "submitted")
    signing = office.publication("township", "submitted", title="待签发的公示")
    services.publication_approve(publication=signing, user=office.reviewer_for("township"))
    submit_township_entry(office)

    client.force_login(office.user(Role.EDITOR, "township"))
    found = cards(client.get(INDEX))
    assert set(found) == {"todo"}  # an editor neither reviews nor signs
    assert found["todo"]["total"] == 2
    assert found["todo"]["parts"] == [
        ("公开信息草稿", 2, f"{WORKLIST}?tab=todo", "其中被退回 1 条")
    ]

    client.force_login(office.user(Role.REVIEWER, "district"))
    response = client.get(INDEX)
    found = cards(response)
    assert set(found) == {"review"}
    assert found["review"]["total"] == 2
    catalog = reverse("admin:catalog_catalogentry_changelist")
    assert found["review"]["parts"] == [
        ("公开信息", 1, f"{WORKLIST}?tab=review", ""),
        ("目录事项", 1, f"{catalog}?status__exact=mine", ""),
    ]
    html = response.content.decode()
    assert f'href="{WORKLIST}?tab=review"' in html and "待审" in html
    # Each link shows exactly what was counted.
    assert client.get(f"{catalog}?status__exact=mine").context["cl"].result_count == 1
    assert client.get(WORKLIST, {"tab": "review"}).context["count"] == 1

    client.force_login(leader)
    found = cards(client.get(INDEX))
    assert set(found) == {"signoff"}
    assert found["signoff"]["total"] == 1
    assert found["signoff"]["parts"][0][2] == f"{WORKLIST}?tab=signoff"
    assert client.get(WORKLIST, {"tab": "signoff"}).context["count"] == 1

    client.force_login(office.user(Role.ADMINISTRATOR, "district"))
    found = cards(client.get(INDEX))
    assert set(found) == {"todo", "review"}
    assert found["todo"]["total"] == 2 and found["review"]["total"] == 2


# session, user, the user's and groups' model permissions, memberships, the recent actions,
# the publications' tab counts (one aggregate) [, for a reviewer: the domain routes
# (catalog.routing) and the catalog entries waiting], and the 依申请公开 card: the working
# calendar (its due-soon line) and its counts (one aggregate).
INDEX_QUERIES = [
    (Role.EDITOR, "township", 9),
    (Role.REVIEWER, "city", 11),
    (Role.ADMINISTRATOR, "district", 11),
]


@pytest.mark.parametrize(("role", "level", "queries"), INDEX_QUERIES)
def test_the_index_queries_are_exact_and_constant(
    client, office, django_assert_num_queries, role, level, queries
):
    office.publication("township", "submitted")
    client.force_login(office.user(role, level))
    client.get(INDEX)  # warm up (content types)
    with django_assert_num_queries(queries):
        small = client.get(INDEX)
    bulk(office, 120)
    with django_assert_num_queries(queries):
        large = client.get(INDEX)
    assert small.status_code == large.status_code == 200
    total = sum(card["total"] for card in large.context["pending"])
    assert total > sum(card["total"] for card in small.context["pending"])
