"""Publication types and attributes (发文属性): 索引号, 信息类型, 主题分类, 公开属性, 有效性.

Checked in the services (their messages name the field), the database (triggers and
constraints, whatever path writes), and on PostgreSQL under concurrency: two approvals at the
same moment never share an 索引号, and a number once issued is never issued again.
"""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.test.utils import override_settings

from catalog.models import SecondLevelItem
from districts.codes import demo_uscc, org_check, uscc_check, validate_org_code
from districts.models import Role
from districts.services import division_update
from publications import index_no, services
from publications.models import IndexSerial, Publication, PublicationType, Theme
from tests.publications.conftest import calendar, office  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def kind(slug: str) -> PublicationType:
    return PublicationType.objects.get(slug=slug)


# -- the reference data --------------------------------------------------------------------


def test_types_and_themes_are_loaded_with_their_rules():
    assert PublicationType.objects.count() == 18
    assert kind("guifanxing").is_policy and kind("guifanxing").needs_interpretation
    assert kind("jiedu").is_interpretation and not kind("jiedu").is_policy
    assert not kind("mingdan").is_policy
    top = Theme.objects.filter(parent__isnull=True)
    assert top.count() == 22
    assert str(Theme.objects.get(code="17.01")) == "民政、扶贫、救灾 / 社会福利"


def test_loading_again_keeps_what_the_city_edited(settings):
    from publications.reference import types_load

    PublicationType.objects.filter(slug="tongzhi").update(name="通知公告（本市）")
    report = types_load(path=settings.FIXTURES_DIR / "publication_types.csv")
    assert (report.created, report.unchanged) == (0, 18)
    assert kind("tongzhi").name == "通知公告（本市）"


# -- organisation codes --------------------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["91350100M000100Y43", "91110108551385082Q", "D2143569X", demo_uscc("430102")]
)
def test_valid_codes_pass(code):
    validate_org_code(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y44", "校验码不对（应为 91350100M000100Y43）"),
        ("D21435691", "校验码不对（应为 D2143569X）"),
        ("91350100M000100YI3", "不含 I、O、S、V、Z"),
        ("12345", "现为5位"),
    ],
)
def test_invalid_codes_say_what_is_wrong(code, message):
    with pytest.raises(ValidationError, match=message.replace("（", r"\（").replace("）", r"\）")):
        validate_org_code(code)


def test_check_characters_match_the_standards_examples():
    assert org_check("D2143569") == "X"  # GB 11714's worked example
    assert uscc_check("91350100M000100Y4") == "3"  # GB 32100's worked example


def test_a_division_administrator_records_the_code_and_a_bad_one_is_refused(office):  # noqa: F811
    district = office.divisions["430102"]
    admin = office.user(Role.ADMINISTRATOR, "district")
    with pytest.raises(ValidationError, match="校验码不对"):
        division_update(division=district, changes={"org_code": "91350100M000100Y44"}, user=admin)
    code = demo_uscc(district.code)
    division_update(division=district, changes={"org_code": code}, user=admin)
    district.refresh_from_db()
    assert district.org_code == code


# -- 索引号 ----------------------------------------------------------------------------------


def test_the_index_number_is_issued_at_publication_in_the_national_format(office):  # noqa: F811
    district = office.divisions["430102"]
    district.org_code = "000014349"
    district.save(update_fields=["org_code"])
    draft = office.publication("district", "submitted", title="甲")
    assert draft.index_no == ""  # a draft burns no number
    first = office.publication("district", "published", title="乙")
    second = office.publication("district", "published", title="丙")
    year = first.published_at.year
    assert first.index_no == f"000014349/{year}-00001"
    assert second.index_no == f"000014349/{year}-00002"
    # Another publisher counts on its own.
    city = office.publication("city", "published", title="丁")
    assert city.index_no == f"430100/{year}-00001"  # no code entered yet: the division code


def test_a_revision_keeps_the_number_and_a_withdrawn_one_is_never_reissued(office):  # noqa: F811
    first = office.publication("district", "published", title="甲")
    superseded = office.publication("district", "superseded", title="乙")
    revision = Publication.objects.get(replaces=superseded)
    assert revision.index_no == superseded.index_no != first.index_no
    services.publication_withdraw(
        publication=first, user=office.user(Role.EDITOR, "district"), reason="信息有误"
    )
    third = office.publication("district", "published", title="丙")
    serials = [p.index_no[-5:] for p in (first, superseded, third)]
    assert serials == ["00001", "00002", "00003"]


@override_settings(PUBLICATION_INDEX_FORMAT="{org}-{year}-{serial:06d}")
def test_the_scheme_is_configurable(office):  # noqa: F811
    item = office.publication("district", "published")
    assert item.index_no == f"430102-{item.published_at.year}-000001"


@pytest.mark.parametrize(
    ("scheme", "problem"),
    [
        ("{org}/{year}", "缺少 {serial}"),
        ("{org}/{year}-{serial:05d}-{dept}", "未知的占位符：dept"),
        ("{org}/{year}-{serial:05x", "无法解析"),
        ("{org}/{year}-{serial:05.2q}", "无法使用"),
    ],
)
def test_an_unusable_scheme_stops_the_start(settings, scheme, problem):
    settings.PUBLICATION_INDEX_FORMAT = scheme
    errors = index_no.check_index_format()
    assert len(errors) == 1 and problem in errors[0].msg and errors[0].id == "publications.E001"


def test_the_default_scheme_passes_the_check():
    assert index_no.check_index_format() == []


def test_two_published_rows_cannot_share_a_number(office):  # noqa: F811
    first = office.publication("district", "published", title="甲")
    second = office.publication("district", "published", title="乙")
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        # The guard trigger refuses any change to a published row's number (PostgreSQL raises
        # it as an InternalError); the unique constraint stands behind it.
        Publication.objects.filter(pk=second.pk).update(index_no=first.index_no)


@pytest.mark.postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_serials_are_distinct_and_gapless():
    """Eight threads, each issuing five numbers in its own transaction: forty distinct
    serials 1–40, however the row's creation and the increments interleave."""
    issued: list[int] = []
    errors: list[Exception] = []
    start = threading.Barrier(8)

    def work():
        try:
            start.wait(5)
            for _ in range(5):
                with transaction.atomic():
                    issued.append(index_no.next_serial("000014349", 2026))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(issued) == list(range(1, 41))
    assert IndexSerial.objects.get(prefix="000014349", year=2026).last == 40


# -- type, theme and 公开属性 ------------------------------------------------------------------


def test_type_and_theme_are_recorded_with_readable_changes(office):  # noqa: F811
    item = office.publication(
        "district",
        data_type := "draft",
        pub_type=kind("mingdan").pk,
        theme=Theme.objects.get(code="17.01").pk,
    )
    assert data_type == "draft" and item.pub_type.slug == "mingdan"
    created = item.events.get(action="create")
    assert created.changes["pub_type"] == [None, "名单公示"]
    assert created.changes["theme"] == [None, "民政、扶贫、救灾 / 社会福利"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"pub_type": 999999}, "pub_type", "不存在，请从列表中选择"),
        ({"theme": "abc"}, "theme", "不存在，请从列表中选择"),
        ({"disclosure": "secret"}, "disclosure", "不是可选的值"),
        ({"disclosure": "withheld"}, "withheld_reason", "第十四条至第十六条的理由"),
        ({"disclosure": "withheld", "withheld_reason": "because"}, "withheld_reason", "不是可选"),
    ],
)
def test_bad_attributes_are_refused_on_their_field(office, data, field, message):  # noqa: F811
    with pytest.raises(ValidationError) as raised:
        office.publication("district", **data)
    assert message in " ".join(raised.value.message_dict[field])


def test_a_switched_off_type_and_a_type_for_other_items_are_refused(office):  # noqa: F811
    off = kind("yingji")
    off.is_active = False
    off.save()
    with pytest.raises(ValidationError, match="已停用"):
        office.publication("district", pub_type=off.pk)
    narrow = kind("zhaobiao")
    item = office.entries["district"].item
    other = SecondLevelItem.objects.create(first_level=item.first_level, name="其他二级事项")
    narrow.items.set([other])
    with pytest.raises(ValidationError, match="不能归入目录事项"):
        office.publication("district", pub_type=narrow.pk)
    narrow.items.add(office.entries["district"].item)
    assert office.publication("district", pub_type=narrow.pk).pub_type == narrow


def test_a_reason_belongs_to_withheld_only(office):  # noqa: F811
    item = office.publication(
        "district", disclosure="withheld", withheld_reason="third_party", title="内部名单"
    )
    editor = office.user(Role.EDITOR, "district")
    services.publication_update(publication=item, data={"disclosure": "on_request"}, user=editor)
    item.refresh_from_db()
    assert (item.disclosure, item.withheld_reason) == ("on_request", "")
    with pytest.raises(IntegrityError), transaction.atomic():
        Publication.objects.filter(pk=item.pk).update(disclosure="withheld")


def test_only_active_disclosure_is_public(office):  # noqa: F811
    shown = office.publication("district", "published", title="主动公开的")
    on_request = office.publication(
        "district", "published", title="依申请的", disclosure="on_request"
    )
    withheld = office.publication(
        "district",
        "published",
        title="不予公开的",
        disclosure="withheld",
        withheld_reason="internal",
    )
    public = set(Publication.objects.public())
    assert shown in public and on_request not in public and withheld not in public
    # Each still receives its number and stays countable for staff.
    assert on_request.index_no and withheld.index_no
    assert Publication.objects.published().filter(disclosure="withheld").count() == 1


def test_published_attributes_change_only_through_a_revision(office):  # noqa: F811
    item = office.publication("district", "published", pub_type=kind("tongzhi").pk)
    for change in (
        {"pub_type": kind("mingdan")},
        {"theme": Theme.objects.first()},
        {"disclosure": "on_request"},
        {"index_no": "X/2026-99999"},
    ):
        with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
            Publication.objects.filter(pk=item.pk).update(**change)


# -- 有效性 ----------------------------------------------------------------------------------


def test_a_policy_is_current_when_published_and_can_be_repealed_by_another(office):  # noqa: F811
    policy = office.publication(
        "district", "published", title="旧办法", pub_type=kind("zhengce").pk
    )
    assert policy.validity == Publication.Validity.CURRENT
    notice = office.publication("district", "published", pub_type=kind("tongzhi").pk)
    assert notice.validity == ""  # only policy documents carry one
    newer = office.publication("district", "published", title="新办法", pub_type=kind("zhengce").pk)
    editor = office.user(Role.EDITOR, "district")
    services.publication_set_validity(
        publication=policy, validity="repealed", by=newer, user=editor
    )
    policy.refresh_from_db()
    assert (policy.validity, policy.changed_by_document) == ("repealed", newer)
    assert policy.status == Publication.Status.PUBLISHED  # still public, under a banner
    event = policy.events.get(action="validity")
    assert event.changes["validity"] == ["现行有效", "已废止"] and "新办法" in event.reason


def test_validity_refusals(office):  # noqa: F811
    editor = office.user(Role.EDITOR, "district")
    policy = office.publication("district", "published", pub_type=kind("zhengce").pk)
    notice = office.publication("district", "published", pub_type=kind("tongzhi").pk)
    draft = office.publication("district", pub_type=kind("zhengce").pk)
    with pytest.raises(ValidationError, match="只有政策文件类"):
        services.publication_set_validity(publication=notice, validity="repealed", user=editor)
    with pytest.raises(ValidationError, match="须注明修改或废止它的文件"):
        services.publication_set_validity(publication=policy, validity="amended", user=editor)
    with pytest.raises(ValidationError, match="不能以文件自身"):
        services.publication_set_validity(
            publication=policy, validity="repealed", by=policy, user=editor
        )
    with pytest.raises(ValidationError, match="尚未发布"):
        services.publication_set_validity(
            publication=policy, validity="repealed", by=draft, user=editor
        )
    with pytest.raises(ValidationError, match="不是可选的值"):
        services.publication_set_validity(publication=policy, validity="gone", user=editor)
    with pytest.raises(PermissionDenied):
        services.publication_set_validity(
            publication=policy,
            validity="repealed",
            note="省政府文件废止",
            user=office.user(Role.EDITOR, "township"),
        )
    services.publication_set_validity(
        publication=policy, validity="amended", note="被《湖南省某办法》修改", user=editor
    )
    policy.refresh_from_db()
    assert (policy.validity, policy.validity_note) == ("amended", "被《湖南省某办法》修改")


def test_the_admin_marks_a_policy_repealed_by_index_number(client, office):  # noqa: F811
    from django.urls import reverse

    old = office.publication("district", "published", title="旧办法", pub_type=kind("zhengce").pk)
    new = office.publication("district", "published", title="新办法", pub_type=kind("zhengce").pk)
    client.force_login(office.user(Role.EDITOR, "district"))
    change = reverse("admin:publications_publication_change", args=[old.pk])
    assert 'name="by_index_no"' in client.get(change).content.decode()
    url = reverse("admin:publications_publication_review", args=[old.pk, "validity"])
    page = client.post(url, {"validity": "repealed", "by_index_no": "nope/2026-1"}, follow=True)
    assert "没有索引号为“nope/2026-1”的已发布文件" in page.content.decode()
    client.post(url, {"validity": "repealed", "by_index_no": new.index_no})
    old.refresh_from_db()
    assert (old.validity, old.changed_by_document) == ("repealed", new)
    # A notice is no policy: the control is not offered.
    notice = office.publication("district", "published", pub_type=kind("tongzhi").pk)
    change = reverse("admin:publications_publication_change", args=[notice.pk])
    assert 'name="by_index_no"' not in client.get(change).content.decode()
