"""Letter templates: each division may keep its own versions; the nearest one up the tree
writes the letter, and a broken placeholder never breaks it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from districts.models import Role
from foi import services
from foi.letters import draft_text, fill
from foi.models import LetterKind, LetterTemplate
from tests.publications.conftest import TOWNSHIP

pytestmark = pytest.mark.django_db


@pytest.fixture
def row(office, applicant):
    return services.submit(
        division=office.divisions[TOWNSHIP],
        data=applicant,
        channel="post",
        received_on=dt.date(2026, 11, 2),
    )


def _add(client, kind, division, body):
    return client.post(
        reverse("admin:foi_lettertemplate_add"),
        {"kind": kind, "division": division.pk, "body": body},
    )


def test_versions_are_numbered_and_the_nearest_applies(client, office, row):
    params = {"category": "open", "reason": 1}
    standard, version = draft_text(row, LetterKind.REPLY, params)
    assert version == 0 and "张三" in standard and "予以公开" in standard
    client.force_login(office.user(Role.ADMINISTRATOR, "district"))
    assert (
        _add(client, "reply", office.divisions["430102"], "区模板一：{申请人}").status_code == 302
    )
    assert (
        _add(client, "reply", office.divisions["430102"], "区模板二：{申请人}").status_code == 302
    )
    versions = list(
        LetterTemplate.objects.filter(division__code="430102").values_list("version", flat=True)
    )
    assert sorted(versions) == [1, 2]
    # The township has none of its own: the district's latest version writes its letter.
    text, version = draft_text(row, LetterKind.REPLY, params)
    assert (text, version) == ("区模板二：张三", 2)
    client.force_login(office.user(Role.ADMINISTRATOR, "township"))
    _add(client, "reply", office.divisions[TOWNSHIP], "街道模板：{申请人}{未知占位符}{")
    text, version = draft_text(row, LetterKind.REPLY, params)
    assert (text, version) == ("街道模板：张三{未知占位符}{", 1)


def test_a_template_cannot_be_edited_or_filed_outside_scope(client, office):
    client.force_login(office.user(Role.ADMINISTRATOR, "township"))
    response = _add(client, "reply", office.divisions["430103"], "别人的模板")
    assert response.status_code == 200 and not LetterTemplate.objects.exists()
    client.force_login(office.user(Role.EDITOR, "township"))
    assert _add(client, "reply", office.divisions[TOWNSHIP], "填报员").status_code == 403
    client.force_login(office.user(Role.ADMINISTRATOR, "township"))
    _add(client, "reply", office.divisions[TOWNSHIP], "第一版")
    template = LetterTemplate.objects.get()
    change = reverse("admin:foi_lettertemplate_change", args=[template.pk])
    client.post(change, {"kind": "reply", "division": template.division_id, "body": "改过"})
    template.refresh_from_db()
    assert template.body == "第一版"


def test_fill_leaves_unknown_placeholders_as_typed():
    assert fill("{a}{申请人}{ }{", {"申请人": "李四"}) == "{a}李四{ }{"


def test_department_staff_see_only_their_departments_requests(client, office, applicant):
    from districts.models import Department
    from districts.services import membership_grant
    from tests.factories import UserFactory

    township = office.divisions[TOWNSHIP]
    affairs = Department.objects.create(division=township, name="社会事务办")
    other = Department.objects.create(division=township, name="城管办")
    mine = services.submit(
        division=township,
        data=applicant,
        channel="post",
        received_on=dt.date(2026, 11, 2),
        department=affairs,
    )
    theirs = services.submit(
        division=township,
        data={**applicant, "id_type": "passport", "id_number": "E55555555"},
        channel="post",
        received_on=dt.date(2026, 11, 2),
        department=other,
    )
    clerk = UserFactory(username="affairs_clerk", is_staff=True)
    membership_grant(user=clerk, division=township, role=Role.EDITOR, department=affairs)
    client.force_login(clerk)
    listing = client.get(reverse("admin:foi_inforequest_changelist")).content.decode()
    assert mine.code in listing and theirs.code not in listing
    assert client.get(reverse("admin:foi_inforequest_change", args=[theirs.pk])).status_code == 404
    assert (
        "张三"
        in client.get(reverse("admin:foi_inforequest_change", args=[mine.pk])).content.decode()
    )


def test_a_missing_letter_file_answers_404(client, office, row):
    from foi.models import Letter

    editor, reviewer = office.user(Role.EDITOR, "township"), office.user(Role.REVIEWER, "township")
    letter = services.draft_letter(
        row, LetterKind.REPLY, {"category": "open", "reason": 1}, None, editor
    )
    services.approve_letter(letter, reviewer)
    letter = Letter.objects.get(pk=letter.pk)
    letter.pdf.storage.delete(letter.pdf.name)
    client.force_login(editor)
    url = reverse("admin:foi_inforequest_pdf", args=[row.pk, letter.pk])
    assert client.get(url).status_code == 404
