"""A request's life through the public form, the office's letters and the status page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from districts.models import Role
from foi import identity, services
from foi.models import InfoRequest, Letter, LetterKind
from foi.policies import requests as request_policy
from tests.publications.conftest import TOWNSHIP

from .conftest import ID_NUMBER

pytestmark = pytest.mark.django_db

RECEIVED = dt.date(2026, 11, 2)  # a Monday; 20 working days later is 2026-11-30


def _submit(office, applicant, **overrides):
    return services.submit(
        division=office.divisions[TOWNSHIP],
        data={**applicant, **overrides},
        channel="in_person",
        received_on=RECEIVED,
    )


def _post_form(client, office, applicant, **overrides):
    data = {**applicant, **overrides, "agree": "on"}
    data = {k: v for k, v in data.items() if v not in (False, None)}
    url = reverse("foi:apply", args=[office.divisions[TOWNSHIP].slug])
    return client.post(url, data)


def test_form_registers_an_encrypted_request_and_opens_its_status(
    client, office, applicant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_form(client, office, applicant)
    assert response.status_code == 302
    request = InfoRequest.objects.get()
    assert request.code.startswith("YSQ") and len(request.code) == 13
    assert ID_NUMBER not in request.id_cipher
    assert identity.decrypt(request.id_cipher) == ID_NUMBER
    assert request.id_tail == "002X" and request.masked_id.endswith("002X")
    assert request.channel == "online" and request.state == "running"
    assert list(request.events.values_list("kind", flat=True)) == ["received"]
    page = client.get(response["Location"])
    text = page.content.decode()
    assert request.code in text and "申请已提交" in text
    assert ID_NUMBER not in text and "13812345678" not in text
    # The applicant's e-mail names the code and the status page.
    assert len(mail.outbox) == 1
    assert request.code in mail.outbox[0].body and mail.outbox[0].to == [applicant["email"]]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": "110105194912310021"}, "id_number", "校验位不正确"),
        ({"id_number": "12345"}, "id_number", "应为18位"),
        ({"phone": "12345"}, "phone", "11位手机号码"),
        ({"description": "低保"}, "description", "至少5个字"),
        ({"email": "", "delivery": "email"}, "email", "请填写电子邮箱"),
        ({"address": "", "delivery": "paper"}, "address", "请填写通信地址"),
        ({"applicant_kind": "business"}, "id_type", "统一社会信用代码"),
        ({"id_type": "credit_code"}, "id_type", "自然人请使用个人身份证件"),
        ({"fee_waiver": "on"}, "fee_waiver_reason", "请说明理由"),
        ({"postcode": "4100"}, "postcode", "6位数字"),
        ({"name": ""}, "name", "请填写申请人姓名"),
        ({"description": "很" * 4001}, "description", "4000"),
    ],
)
def test_bad_input_gets_a_chinese_message_at_its_field(
    client, office, applicant, overrides, field, message
):
    response = _post_form(client, office, applicant, **overrides)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert InfoRequest.objects.count() == 0


def test_form_without_the_confirmation_is_refused(client, office, applicant):
    data = {k: v for k, v in applicant.items() if v}
    response = client.post(reverse("foi:apply", args=[office.divisions[TOWNSHIP].slug]), data)
    assert response.status_code == 400
    assert "请确认" in " ".join(response.context["form"].errors["agree"])


@override_settings(FOI_DAILY_LIMIT_PER_APPLICANT=2, FOI_DAILY_LIMIT_PER_ADDRESS=3)
def test_the_form_is_throttled_per_applicant_and_per_address(client, office, applicant):
    assert _post_form(client, office, applicant).status_code == 302
    assert _post_form(client, office, applicant).status_code == 302
    refused = _post_form(client, office, applicant)
    assert refused.status_code == 400
    assert "同一申请人今日提交的申请已达上限" in refused.content.decode()
    # Another applicant from the same address: one more fits, then the address is full.
    other = {**applicant, "id_type": "passport", "id_number": "E12345678"}
    assert _post_form(client, office, other).status_code == 302
    refused = _post_form(client, office, other)
    assert "同一网络地址今日提交的申请已达上限" in refused.content.decode()
    assert InfoRequest.objects.count() == 3


def test_status_lookup_needs_the_code_and_the_phone_digits(client, office, applicant):
    request = _submit(office, applicant)
    url = reverse("foi:status", args=[office.divisions[TOWNSHIP].slug])
    wrong = client.post(url, {"code": request.code, "phone_tail": "0000"})
    assert wrong.status_code == 400 and "不匹配" in wrong.content.decode()
    bad = client.post(url, {"code": "abc", "phone_tail": "5678"})
    assert "查询码格式不正确" in bad.content.decode()
    right = client.post(url, {"code": request.code.lower(), "phone_tail": "5678"})
    assert right.status_code == 302
    page = client.get(right["Location"]).content.decode()
    assert request.code in page and "2026年11月30日前" in page
    assert ID_NUMBER not in page


def test_status_lookups_stop_after_ten_failures(client, office, applicant):
    request = _submit(office, applicant)
    url = reverse("foi:status", args=[office.divisions[TOWNSHIP].slug])
    for _ in range(10):
        client.post(url, {"code": request.code, "phone_tail": "1111"})
    blocked = client.post(url, {"code": request.code, "phone_tail": "5678"})
    assert blocked.status_code == 400 and "查询失败次数过多" in blocked.content.decode()


def test_reply_letter_is_drafted_signed_by_another_and_downloadable(
    client, office, applicant, django_capture_on_commit_callbacks
):
    request = _submit(office, applicant)
    editor = office.user(Role.EDITOR, "township")
    reviewer = office.user(Role.REVIEWER, "township")
    params = {"category": "open", "reason": 2, "explanation": "见附件名单。"}
    body, version = services_draft_text(request, params)
    letter = services.draft_letter(request, LetterKind.REPLY, params, body, editor)
    request.refresh_from_db()
    assert request.state == "running"  # a draft changes nothing
    with pytest.raises(ValidationError, match="以外的负责人签发"):
        services.approve_letter(letter, editor)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_letter(letter, reviewer)
    request.refresh_from_db()
    letter.refresh_from_db()
    assert request.state == "closed" and request.reply_category == "open"
    assert request.reply_reason == 2 and request.closed_on is not None
    assert letter.status == Letter.Status.APPROVED and letter.pdf.name.endswith(".pdf")
    with letter.pdf.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert any("已作出答复" in m.body for m in mail.outbox)
    download = reverse("foi:letter", args=[office.divisions[TOWNSHIP].slug, letter.pk])
    assert client.get(download).status_code == 404  # this session never opened the request
    client.post(
        reverse("foi:status", args=[office.divisions[TOWNSHIP].slug]),
        {"code": request.code, "phone_tail": "5678"},
    )
    response = client.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    with pytest.raises(ValidationError, match="已办结"):
        services.draft_letter(request, LetterKind.EXTENSION, {"days": 5}, "", editor)


def services_draft_text(request, params):
    from foi.letters import draft_text

    return draft_text(request, LetterKind.REPLY, params)


def test_correction_stops_the_clock_until_the_correction_arrives(office, applicant):
    request = services.submit(
        division=office.divisions[TOWNSHIP], data=applicant, channel="in_person"
    )
    editor = office.user(Role.EDITOR, "township")
    reviewer = office.user(Role.REVIEWER, "township")
    letter = services.draft_letter(request, LetterKind.CORRECTION, {"days": 10}, "请补正", editor)
    services.approve_letter(letter, reviewer)
    request.refresh_from_db()
    assert request.state == "correction" and request.due_on is None
    with pytest.raises(ValidationError, match="只能发出一次"):
        services.draft_letter(request, LetterKind.CORRECTION, {"days": 10}, "再补正", editor)
    services.record(request, "correction_received", on=request.received_on, user=editor)
    request.refresh_from_db()
    assert request.state == "running"
    assert request.due_on == services.clock_of(request).clock.due_on


def test_a_late_correction_notice_is_refused(office, applicant):
    request = _submit(office, applicant)
    editor = office.user(Role.EDITOR, "township")
    # Drafted long after the 7 working days from 2026-11-02 (to 2026-11-11): refused.
    with pytest.raises(ValidationError, match="7个工作日内"):
        services.draft_letter(request, LetterKind.CORRECTION, {"days": 10}, "请补正", editor)
    assert not Letter.objects.exists()


def test_steps_without_a_letter_are_checked(office, applicant):
    request = _submit(office, applicant)
    editor = office.user(Role.EDITOR, "township")
    with pytest.raises(ValidationError, match="没有待补正"):
        services.record(request, "correction_received", on=RECEIVED, user=editor)
    with pytest.raises(ValidationError, match="早于收到申请"):
        services.record(request, "consult_start", on=RECEIVED - dt.timedelta(days=1))
    services.record(request, "consult_start", on=dt.date(2026, 11, 9), user=editor, note="征求意见")
    request.refresh_from_db()
    # Still open, but its 15 working days (to 30 November) are used up: the clock runs again.
    assert request.state == "running"
    assert services.clock_of(request).clock.pauses[0].exhausted
    services.record(request, "consult_end", on=dt.date(2026, 11, 13), user=editor)
    request.refresh_from_db()
    # Four working days paused (10–13 November): the due date moves from 30 Nov to 4 Dec.
    assert request.state == "running" and request.due_on == dt.date(2026, 12, 4)
    with pytest.raises(ValidationError, match="需要通过文书"):
        services.record(request, "reply", on=dt.date(2026, 11, 13), user=editor)


def test_transfer_keeps_the_date_of_receipt(office, applicant):
    request = _submit(office, applicant)
    due = request.due_on
    services.transfer(
        request,
        to_division=office.divisions["430102"],
        to_department=None,
        user=office.user(Role.EDITOR, "township"),
        note="属区级职责",
    )
    request.refresh_from_db()
    assert request.division.code == "430102" and request.received_on == RECEIVED
    assert request.due_on == due
    assert request.events.filter(kind="transfer", from_division__code=TOWNSHIP).exists()


def test_only_the_handling_office_may_act_on_a_request(office, applicant):
    request = _submit(office, applicant)
    township_editor = office.user(Role.EDITOR, "township")
    district_admin = office.user(Role.ADMINISTRATOR, "district")
    cousin = office.user(Role.ADMINISTRATOR, "cousin")
    assert request_policy.allows(township_editor, "handle", request)
    # The district supervises its townships' clocks but does not handle their requests.
    assert request_policy.allows(district_admin, "view", request)
    assert not request_policy.allows(district_admin, "handle", request)
    assert not request_policy.allows(cousin, "view", request)
    assert not request_policy.allows(cousin, "handle", request)


def test_register_lists_consenting_answered_requests_without_personal_data(
    client, office, applicant
):
    text = "张三申请公开低保名单，联系电话13812345678，身份证11010519491231002X。"
    request = _submit(office, applicant, description=text)
    hidden = _submit(office, applicant, register_consent=False, description="不同意公开的申请内容")
    for item in (request, hidden):
        letter = services.draft_letter(
            item,
            LetterKind.REPLY,
            {"category": "open", "reason": 1},
            "答复",
            office.user(Role.EDITOR, "township"),
        )
        services.approve_letter(letter, office.user(Role.REVIEWER, "township"))
    page = client.get(reverse("foi:register", args=[office.divisions[TOWNSHIP].slug]))
    body = page.content.decode()
    assert "申请公开低保名单" in body
    assert "张三" not in body and "13812345678" not in body and ID_NUMBER not in body
    assert "不同意公开" not in body


def test_a_provisional_due_date_skips_new_year(office, applicant):
    """2027's holidays are not recorded: weekdays count, but 1 January never does."""
    request = services.submit(
        division=office.divisions[TOWNSHIP],
        data=applicant,
        channel="in_person",
        received_on=dt.date(2026, 12, 3),
    )
    # 20 working days from 3 December 2026: 4–31 December give 20 (2026 is recorded).
    assert request.due_on == dt.date(2026, 12, 31) and not request.due_provisional
    later = services.submit(
        division=office.divisions[TOWNSHIP],
        data={**applicant, "id_type": "passport", "id_number": "E99999999"},
        channel="in_person",
        received_on=dt.date(2026, 12, 4),
    )
    # One more working day: Friday 1 January 2027 is 元旦, so Monday 4 January.
    assert later.due_on == dt.date(2027, 1, 4) and later.due_provisional


def test_the_form_starts_as_a_person_and_titles_its_errors(client, office, applicant):
    url = reverse("foi:apply", args=[office.divisions[TOWNSHIP].slug])
    page = client.get(url)
    assert page.context["form"]["applicant_kind"].value() == "person"
    bad = _post_form(client, office, applicant, phone="1", description="短")
    assert "<title>（有2处需要修改）" in bad.content.decode()


def test_where_the_division_asks_for_sign_off_the_leader_signs_after_review(
    office, applicant, django_capture_on_commit_callbacks
):
    from districts.services import membership_grant
    from tests.factories import UserFactory

    township = office.divisions[TOWNSHIP]
    township.signoff_required = True
    township.save(update_fields=["signoff_required"])
    leader = UserFactory(username="wenyilu_leader_t", is_staff=True)
    membership_grant(user=leader, division=township, role=Role.LEADER)
    request = _submit(office, applicant)
    editor = office.user(Role.EDITOR, "township")
    reviewer = office.user(Role.REVIEWER, "township")
    letter = services.draft_letter(
        request, LetterKind.REPLY, {"category": "open", "reason": 1}, None, editor
    )
    with pytest.raises(ValidationError, match="须先经审核人员审核"):
        services.approve_letter(letter, leader)
    services.approve_letter(letter, reviewer)
    letter.refresh_from_db()
    request.refresh_from_db()
    # Reviewed, not yet in force: nothing reached the request.
    assert letter.status == Letter.Status.REVIEWED and letter.reviewed_by == reviewer
    assert request.state == "running" and not letter.pdf
    with pytest.raises(ValidationError, match="须由本级领导签发"):
        services.approve_letter(letter, office.user(Role.ADMINISTRATOR, "township"))
    with pytest.raises(ValidationError, match="审核人以外"):
        services.approve_letter(letter, reviewer)
    with pytest.raises(ValidationError, match="待签发"):
        services.draft_letter(
            request, LetterKind.REPLY, {"category": "open", "reason": 2}, None, editor
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_letter(letter, leader)
    letter.refresh_from_db()
    request.refresh_from_db()
    assert letter.status == Letter.Status.APPROVED and letter.approved_by == leader
    assert request.state == "closed" and letter.pdf


def test_a_phone_with_an_extension_opens_by_its_last_four_digits(client, office, applicant):
    request = _submit(office, applicant, phone="0731-88881234-56")
    url = reverse("foi:status", args=[office.divisions[TOWNSHIP].slug])
    assert client.post(url, {"code": request.code, "phone_tail": "3456"}).status_code == 302


def test_a_request_with_a_pending_letter_is_not_transferred(office, applicant):
    request = _submit(office, applicant)
    editor = office.user(Role.EDITOR, "township")
    services.draft_letter(
        request, LetterKind.REPLY, {"category": "open", "reason": 1}, None, editor
    )
    with pytest.raises(ValidationError, match="待签发的文书"):
        services.transfer(
            request,
            to_division=office.divisions["430102"],
            to_department=None,
            user=editor,
            note="属区级职责",
        )


def test_the_throttle_counts_an_ipv6_subscriber_by_its_64(office):
    assert services.address_bucket("2001:db8:1:2:aaaa::1") == services.address_bucket(
        "2001:db8:1:2:ffff::9"
    )
    assert services.address_bucket("2001:db8:1:3::1") != services.address_bucket("2001:db8:1:2::1")
    assert services.address_bucket("10.0.0.1") == "10.0.0.1"
