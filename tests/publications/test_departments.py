"""Departments inside a division: who keeps them, who belongs, and what their staff may touch.

A department's editors see and edit only what their department owns, in their own division;
the division's disclosure office (staff without a department) sees and coordinates everything,
hands items to departments, and alone derives, imports and reviews. Checked in the services
and through the admin's real URLs.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from catalog import review
from catalog.models import CatalogEntry, CatalogEvent
from catalog.policies import entries as entry_policy
from catalog.services import catalog_derive, entry_assign_department, entry_create, entry_update
from districts.models import Department, Membership, Role
from districts.policies import departments as department_policy
from districts.policy import acting_department
from districts.services import department_save, membership_grant, membership_update
from publications import services
from publications.policies import publications as publication_policy
from tests.factories import SecondLevelItemFactory, UserFactory

from .conftest import FORMED

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def depts(office):
    """Two departments of 芙蓉区 and one of 文艺路街道, made by their administrators."""
    district, township = office.divisions["430102"], office.divisions["430102001"]
    admin_d = office.user(Role.ADMINISTRATOR, "district")
    admin_t = office.user(Role.ADMINISTRATOR, "township")
    made = {
        "minzheng": department_save(
            department=Department(division=district, name="区民政局"), user=admin_d
        ),
        "chengguan": department_save(
            department=Department(division=district, name="区城管执法大队"), user=admin_d
        ),
        "shiwu": department_save(
            department=Department(
                division=township, name="街道社会事务办", kind=Department.Kind.SECTION
            ),
            user=admin_t,
        ),
    }
    return made


def dept_editor(division, department, role=Role.EDITOR):
    user = UserFactory(is_staff=True)
    membership_grant(user=user, division=division, role=role, department=department)
    return user


# -- keeping departments ----------------------------------------------------------------------


def test_only_administrators_in_scope_keep_departments(office, depts):
    district, township = office.divisions["430102"], office.divisions["430102001"]
    for user in (
        office.user(Role.EDITOR, "district"),
        office.user(Role.REVIEWER, "district"),
        office.user(Role.ADMINISTRATOR, "township"),  # below the district
        office.user(Role.ADMINISTRATOR, "cousin"),  # another district
    ):
        with pytest.raises(PermissionDenied):
            department_save(department=Department(division=district, name="区财政局"), user=user)
    # The district's administrator keeps its townships' departments too.
    department_save(
        department=Department(division=township, name="街道城市管理办"),
        user=office.user(Role.ADMINISTRATOR, "district"),
    )
    assert Department.objects.filter(division=township).count() == 2


def test_department_names_are_unique_and_divisions_fixed(office, depts):
    admin = office.user(Role.ADMINISTRATOR, "district")
    with pytest.raises(ValidationError):
        department_save(
            department=Department(division=office.divisions["430102"], name="区民政局"),
            user=admin,
        )
    moved = Department.objects.get(pk=depts["minzheng"].pk)
    moved.division = office.divisions["430102001"]
    with pytest.raises(ValidationError):
        department_save(department=moved, user=admin)


def test_a_department_holds_editors_and_reviewers_of_its_own_division(office, depts):
    district, township = office.divisions["430102"], office.divisions["430102001"]
    user = UserFactory(is_staff=True)
    with pytest.raises(ValidationError):
        membership_grant(
            user=user, division=township, role=Role.EDITOR, department=depts["minzheng"]
        )
    for role in (Role.ADMINISTRATOR, Role.LEADER):
        with pytest.raises(ValidationError):
            membership_grant(user=user, division=district, role=role, department=depts["minzheng"])
    member = membership_grant(
        user=user, division=district, role=Role.EDITOR, department=depts["minzheng"]
    )
    with pytest.raises(ValidationError):
        membership_update(
            membership=member, role=Role.ADMINISTRATOR, is_active=True, changed_by=None
        )
    # The database refuses it too, whatever path writes the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=member.pk).update(role=Role.ADMINISTRATOR)
    switched_off = depts["chengguan"]
    switched_off.is_active = False
    department_save(department=switched_off, user=None)
    with pytest.raises(ValidationError):
        membership_grant(
            user=UserFactory(), division=district, role=Role.EDITOR, department=switched_off
        )


# -- what department staff may touch ----------------------------------------------------------


def test_department_editors_see_and_edit_only_their_departments_items(office, depts):
    district = office.divisions["430102"]
    own = office.entries["district"]
    office_admin = office.user(Role.ADMINISTRATOR, "district")
    entry_assign_department(entry=own, department=depts["minzheng"], user=office_admin)
    other = entry_create(
        division=district,
        item=SecondLevelItemFactory(),
        values={"subject": "芙蓉区城管执法大队"},
        user=office_admin,
    )
    entry_assign_department(entry=other, department=depts["chengguan"], user=office_admin)
    minzheng = dept_editor(district, depts["minzheng"])

    visible = set(entry_policy.instances_for(minzheng, "view", "change"))
    assert visible == {CatalogEntry.objects.get(pk=own.pk)}
    entry_update(entry=own, changes={"remarks": "民政局补充说明"}, user=minzheng)
    with pytest.raises(PermissionDenied):
        entry_update(entry=other, changes={"remarks": "越权修改"}, user=minzheng)
    # Nothing below their division: the township's entries are the township's.
    assert not entry_policy.allows(minzheng, "view", office.entries["township"])
    # The division as a whole is the office's: no deriving, importing or handing out items.
    assert not entry_policy.allows(minzheng, "change", district)
    with pytest.raises(PermissionDenied):
        catalog_derive(division=office.divisions["430102001"], user=minzheng)
    with pytest.raises(PermissionDenied):
        entry_assign_department(entry=own, department=depts["chengguan"], user=minzheng)
    # They submit their own items; they never review.
    review.entries_submit(entries=[CatalogEntry.objects.get(pk=own.pk)], user=minzheng)
    reviewer = dept_editor(district, depts["minzheng"], role=Role.REVIEWER)
    assert not entry_policy.allows(reviewer, "review", office.entries["township"])
    assert not entry_policy.instances_for(reviewer, "review").exists()


def test_the_office_coordinates_every_department(office, depts):
    district = office.divisions["430102"]
    entry = office.entries["district"]
    office_editor = office.user(Role.EDITOR, "district")
    assert acting_department(office_editor, district) is None
    entry_assign_department(entry=entry, department=depts["chengguan"], user=office_editor)
    entry.refresh_from_db()
    assert entry.department == depts["chengguan"]
    event = CatalogEvent.objects.filter(entry=entry, action=CatalogEvent.Action.ASSIGN).get()
    assert (event.old_value, event.new_value, event.user) == ("", "区城管执法大队", office_editor)
    # Only the division's own departments.
    with pytest.raises(ValidationError):
        entry_assign_department(entry=entry, department=depts["shiwu"], user=office_editor)
    # The office above sees who owns what.
    city_reviewer = office.user(Role.REVIEWER, "city")
    assert entry_policy.allows(city_reviewer, "view", entry)


def test_department_editors_add_entries_to_their_department(office, depts):
    district = office.divisions["430102"]
    minzheng = dept_editor(district, depts["minzheng"])
    created = entry_create(
        division=district, item=SecondLevelItemFactory(), values={}, user=minzheng
    )
    assert created.department == depts["minzheng"]
    assert acting_department(minzheng, district) == depts["minzheng"]


def test_derived_entries_belong_to_no_department(office, depts):
    district, township = office.divisions["430102"], office.divisions["430102001"]
    admin = office.user(Role.ADMINISTRATOR, "district")
    entry = entry_create(
        division=district, item=SecondLevelItemFactory(), values={"subject": "区民政局"}, user=admin
    )
    entry_assign_department(entry=entry, department=depts["minzheng"], user=admin)
    catalog_derive(division=township, user=None)
    derived = CatalogEntry.objects.get(division=township, source=entry)
    assert derived.department is None


def test_department_editors_file_publications_under_their_items_only(office, depts):
    district = office.divisions["430102"]
    entry = office.entries["district"]
    minzheng = dept_editor(district, depts["minzheng"])
    data = {"title": "低保资金发放名单", "formed_on": FORMED}
    with pytest.raises(PermissionDenied):
        services.publication_create(entry=entry, data=data, user=minzheng)
    entry_assign_department(
        entry=entry, department=depts["minzheng"], user=office.user(Role.EDITOR, "district")
    )
    entry.refresh_from_db()
    made = services.publication_create(entry=entry, data=data, user=minzheng)
    assert made.department == depts["minzheng"]
    chengguan = dept_editor(district, depts["chengguan"])
    assert not publication_policy.allows(chengguan, "view", made)
    assert publication_policy.allows(office.user(Role.EDITOR, "district"), "change", made)
    services.publication_submit(publication=made, user=minzheng)


# -- the admin's real URLs --------------------------------------------------------------------


def test_admin_lists_and_pages_follow_the_department(client, office, depts):
    district = office.divisions["430102"]
    own, other = office.entries["district"], office.entries["township"]
    entry_assign_department(entry=own, department=depts["minzheng"], user=None)
    minzheng = dept_editor(district, depts["minzheng"])
    client.force_login(minzheng)
    listing = client.get("/admin/catalog/catalogentry/")
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    assert client.get(f"/admin/catalog/catalogentry/{own.pk}/change/").status_code == 200
    assert client.get(f"/admin/catalog/catalogentry/{other.pk}/change/").status_code == 404
    # The department field is the office's: read-only here.
    page = client.get(f"/admin/catalog/catalogentry/{own.pk}/change/")
    assert "department" not in page.context["adminform"].form.fields
    # No department pages to keep, no derive.
    assert client.get("/admin/districts/department/add/").status_code == 403
    derive = client.get("/admin/catalog/catalogentry/derive/")
    assert derive.status_code == 200 and not derive.context["choices"].exists()
    forged = client.post("/admin/catalog/catalogentry/derive/", {"division": district.code})
    assert forged.status_code == 404


def test_admin_department_form_keeps_to_scope(client, office, depts):
    admin = office.user(Role.ADMINISTRATOR, "township")
    client.force_login(admin)
    township, cousin = office.divisions["430102001"], office.divisions["430103002"]
    ok = client.post(
        "/admin/districts/department/add/",
        {
            "division": township.pk,
            "name": "街道城市管理办",
            "kind": "科室",
            "display_order": 2,
            "is_active": "on",
        },
    )
    assert ok.status_code == 302
    assert Department.objects.filter(division=township, name="街道城市管理办").exists()
    forged = client.post(
        "/admin/districts/department/add/",
        {"division": cousin.pk, "name": "伪造部门", "kind": "科室", "display_order": 1},
    )
    assert forged.status_code == 200 and "division" in forged.context["adminform"].form.errors
    assert not Department.objects.filter(name="伪造部门").exists()
    # Someone else's department is out of sight.
    assert (
        client.get(f"/admin/districts/department/{depts['minzheng'].pk}/change/").status_code == 404
    )
    assert department_policy.allows(admin, "change", depts["shiwu"])


def test_membership_form_refuses_a_department_of_another_division(client, office, depts):
    admin = office.user(Role.ADMINISTRATOR, "district")
    client.force_login(admin)
    user = UserFactory()
    response = client.post(
        "/admin/districts/membership/add/",
        {
            "user": user.pk,
            "division": office.divisions["430102001"].pk,
            "role": Role.EDITOR,
            "department": depts["minzheng"].pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "不是文艺路街道的部门" in response.content.decode()
    assert not Membership.objects.filter(user=user).exists()
