"""Fee notices: the bands decide the most an office may charge, one method per request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from districts.models import Role
from foi import services
from foi.models import InfoRequest, LetterKind
from tests.publications.conftest import TOWNSHIP

pytestmark = pytest.mark.django_db

# Fee notices go out before the reply is due: the requests arrive today.
RECEIVED = timezone.localdate()


def _requests(office, applicant, count, on=RECEIVED):
    return [
        services.submit(
            division=office.divisions[TOWNSHIP], data=applicant, channel="post", received_on=on
        )
        for _ in range(count)
    ]


def test_the_first_ten_requests_a_month_are_free(office, applicant):
    tenth = _requests(office, applicant, 10)[-1]
    assert services.nth_this_month(tenth) == 10
    editor = office.user(Role.EDITOR, "township")
    with pytest.raises(ValidationError, match="不收费"):
        services.draft_letter(tenth, LetterKind.FEE, {"method": "request"}, None, editor)


def test_the_eleventh_request_may_cost_100_and_no_more(office, applicant):
    rows = _requests(office, applicant, 11)
    # A request the month before does not count towards November.
    _requests(office, applicant, 1, on=RECEIVED.replace(day=1) - dt.timedelta(days=1))
    eleventh = rows[-1]
    assert services.nth_this_month(eleventh) == 11
    editor = office.user(Role.EDITOR, "township")
    with pytest.raises(ValidationError, match="不能超过标准：100元"):
        services.draft_letter(
            eleventh, LetterKind.FEE, {"method": "request", "amount": 101}, None, editor
        )
    letter = services.draft_letter(eleventh, LetterKind.FEE, {"method": "request"}, None, editor)
    assert letter.params["amount"] == 100 and "100元" in letter.body and "按件计收" in letter.body


def test_pages_are_charged_by_their_bands_and_need_a_count(office, applicant):
    (row,) = _requests(office, applicant, 1)
    editor = office.user(Role.EDITOR, "township")
    with pytest.raises(ValidationError, match="请填写页数"):
        services.draft_letter(row, LetterKind.FEE, {"method": "page"}, None, editor)
    with pytest.raises(ValidationError, match="不收费"):
        services.draft_letter(row, LetterKind.FEE, {"method": "page", "pages": 30}, None, editor)
    with pytest.raises(ValidationError, match="二者只能选其一"):
        services.draft_letter(row, LetterKind.FEE, {"method": "both"}, None, editor)
    letter = services.draft_letter(
        row, LetterKind.FEE, {"method": "page", "pages": 101, "amount": 500}, None, editor
    )
    # 31–100 at 10元, the 101st at 20元: 720元 at most; the office asked less.
    assert letter.params["amount"] == 500


def test_a_fee_notice_pauses_the_clock_until_payment(office, applicant):
    rows = _requests(office, applicant, 11)
    row = rows[-1]
    editor, reviewer = office.user(Role.EDITOR, "township"), office.user(Role.REVIEWER, "township")
    letter = services.draft_letter(row, LetterKind.FEE, {"method": "request"}, None, editor)
    services.approve_letter(letter, reviewer)
    row.refresh_from_db()
    assert row.state == "fee"
    clock = services.clock_of(row).clock
    assert clock.fee_due is not None and clock.pauses[0].kind == "fee"
    with pytest.raises(ValidationError, match="只有在办理中的申请才能发出收费通知"):
        services.draft_letter(row, LetterKind.FEE, {"method": "request"}, None, editor)
    # Not before the 20 working days to pay have run out.
    with pytest.raises(ValidationError, match="缴费期限.*尚未届满"):
        services.draft_letter(
            row, LetterKind.REPLY, {"category": "other", "reason": 2}, None, editor
        )
    # Forty-five days later (the history moved back), still not paid: the office ends the
    # request as 其他处理（逾期未缴费）.
    back = dt.timedelta(days=45)
    for event in row.events.all():
        event.on -= back
        event.save(update_fields=["on"])
    InfoRequest.objects.filter(pk=row.pk).update(received_on=row.received_on - back)
    row.refresh_from_db()
    end = services.draft_letter(
        row, LetterKind.REPLY, {"category": "other", "reason": 2}, None, editor
    )
    services.approve_letter(end, reviewer)
    row.refresh_from_db()
    assert row.state == "closed" and (row.reply_category, row.reply_reason) == ("other", 2)
    assert row.events.filter(kind="closed_unanswered").exists()


def test_ending_for_unpaid_fees_needs_a_fee_notice(office, applicant):
    (row,) = _requests(office, applicant, 1)
    editor = office.user(Role.EDITOR, "township")
    with pytest.raises(ValidationError, match="没有待缴的费用"):
        services.draft_letter(
            row, LetterKind.REPLY, {"category": "other", "reason": 2}, None, editor
        )
