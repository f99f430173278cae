"""The office's side in the staff admin: the queue, the request's page and its step forms."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from districts.models import Role
from foi import services
from foi.models import InfoRequest, Letter, RequestEvent
from tests.publications.conftest import TOWNSHIP

from .conftest import ID_NUMBER

pytestmark = pytest.mark.django_db

RECEIVED = dt.date(2026, 11, 2)
# The queue's queries, fixed whatever the rows: session, user, memberships, the working
# calendar (the due-soon line), the division filter's choices, the row count and the page.
QUEUE_QUERIES = 10


@pytest.fixture
def request_row(office, applicant) -> InfoRequest:
    return services.submit(
        division=office.divisions[TOWNSHIP],
        data=applicant,
        channel="post",
        received_on=RECEIVED,
    )


def _page(pk):
    return reverse("admin:foi_inforequest_change", args=[pk])


def test_handling_office_sees_the_applicant_and_the_clock(client, office, request_row):
    client.force_login(office.user(Role.EDITOR, "township"))
    page = client.get(_page(request_row.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert "张三" in text and "13812345678" in text and request_row.masked_id in text
    assert ID_NUMBER not in text
    assert "2026-11-30" in text and "拟写文书" in text


def test_office_above_supervises_without_personal_data(client, office, request_row):
    client.force_login(office.user(Role.ADMINISTRATOR, "district"))
    page = client.get(_page(request_row.pk))
    text = page.content.decode()
    assert page.status_code == 200 and "2026-11-30" in text
    assert "张三" not in text and "13812345678" not in text and "002X" not in text
    assert "拟写文书" not in text
    listing = client.get(reverse("admin:foi_inforequest_changelist") + "?deadline=overdue")
    body = listing.content.decode()
    assert request_row.code in body and "已逾期" in body and "张三" not in body
    # Acting is refused even by a forged POST.
    step = reverse("admin:foi_inforequest_step", args=[request_row.pk])
    response = client.post(step, {"kind": "note", "on": "2026-11-03", "note": "x"})
    assert response.status_code == 403
    assert not RequestEvent.objects.filter(kind="note").exists()


def test_cousin_division_gets_404(client, office, request_row):
    client.force_login(office.user(Role.ADMINISTRATOR, "cousin"))
    assert client.get(_page(request_row.pk)).status_code == 404
    step = reverse("admin:foi_inforequest_step", args=[request_row.pk])
    assert client.post(step, {"kind": "note", "on": "2026-11-03"}).status_code == 404
    listing = client.get(reverse("admin:foi_inforequest_changelist"))
    assert request_row.code not in listing.content.decode()


def test_forged_ids_answer_404(client, office):
    client.force_login(office.user(Role.EDITOR, "township"))
    for bad in ("999999999", "9" * 30):
        assert (
            client.get(f"/{_page(1).split('/', 2)[1]}/foi/inforequest/{bad}/change/").status_code
            == 404
        )


def test_steps_and_letters_through_the_admin(client, office, request_row):
    editor = office.user(Role.EDITOR, "township")
    client.force_login(editor)
    step = reverse("admin:foi_inforequest_step", args=[request_row.pk])
    response = client.post(
        step, {"kind": "consult_start", "on": "2026-11-09", "note": "征求第三方"}
    )
    assert response.status_code == 302
    refused = client.post(step, {"kind": "fee_paid", "on": "2026-11-10"})
    assert refused.status_code == 400 and "没有待缴的费用" in refused.content.decode()
    client.post(step, {"kind": "consult_end", "on": "2026-11-13"})
    request_row.refresh_from_db()
    assert request_row.due_on == dt.date(2026, 12, 4)

    letter_url = reverse("admin:foi_inforequest_letter", args=[request_row.pk])
    # An extension needs its approver; the message says so at the field.
    refused = client.post(letter_url, {"kind": "extension", "days": "10"})
    assert refused.status_code == 400 and "请填写批准人" in refused.content.decode()
    # The due date (4 Dec) is past: no extension any more.
    late = client.post(letter_url, {"kind": "extension", "days": "10", "approver": "李主任"})
    assert "不能再延期" in late.content.decode()
    # A reply: drafted by the editor from the template, signed by the reviewer.
    client.post(letter_url, {"kind": "reply", "reply": "unable:1", "explanation": "经检索无此信息"})
    letter = Letter.objects.get()
    assert "本机关不掌握相关政府信息" in letter.body and "张三" in letter.body
    sign = reverse("admin:foi_inforequest_sign", args=[request_row.pk, letter.pk, "approve"])
    assert client.post(sign).status_code == 403  # an editor drafts, never signs
    client.force_login(office.user(Role.REVIEWER, "township"))
    assert client.post(sign).status_code == 302
    request_row.refresh_from_db()
    assert request_row.state == "closed"
    assert (request_row.reply_category, request_row.reply_reason) == ("unable", 1)
    pdf = client.get(reverse("admin:foi_inforequest_pdf", args=[request_row.pk, letter.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_office_registers_a_posted_request(client, office, applicant):
    client.force_login(office.user(Role.EDITOR, "township"))
    url = reverse("admin:foi_inforequest_add")
    data = {**applicant, "channel": "post", "received_on": "2026-11-02"}
    data = {k: v for k, v in data.items() if v not in (False, None)}
    future = client.post(url, {**data, "received_on": "2099-01-01"})
    assert future.status_code == 400 and "不能晚于今天" in future.content.decode()
    response = client.post(url, data)
    assert response.status_code == 302
    created = InfoRequest.objects.get()
    assert created.channel == "post" and created.received_on == RECEIVED
    assert created.division.code == TOWNSHIP
    # The district's editor cannot register a request for the township.
    client.force_login(office.user(Role.EDITOR, "district"))
    page = client.get(url + f"?division={office.divisions[TOWNSHIP].pk}")
    assert office.divisions["430102"].name in page.content.decode()
    assert page.context["division"].code == "430102"


def test_similar_requests_prompt_active_disclosure(client, office, applicant):
    for _ in range(3):
        row = services.submit(
            division=office.divisions[TOWNSHIP],
            data={**applicant, "id_type": "passport", "id_number": "E1234567" + str(_)},
            channel="in_person",
            received_on=RECEIVED,
        )
    client.force_login(office.user(Role.EDITOR, "township"))
    text = client.get(_page(row.pk)).content.decode()
    assert "第四十四条" in text and "据此申请发起主动公开" in text


def test_queue_query_count_does_not_grow_with_rows(
    client, office, applicant, django_assert_max_num_queries
):
    client.force_login(office.user(Role.EDITOR, "township"))
    url = reverse("admin:foi_inforequest_changelist")
    services.submit(
        division=office.divisions[TOWNSHIP], data=applicant, channel="post", received_on=RECEIVED
    )
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for n in range(5):
        services.submit(
            division=office.divisions[TOWNSHIP],
            data={**applicant, "id_type": "passport", "id_number": f"E7654321{n}"},
            channel="post",
            received_on=RECEIVED,
        )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries) == QUEUE_QUERIES, [
        q["sql"][:80] for q in many.captured_queries
    ]


def test_the_publish_link_starts_a_publication_from_the_request(client, office, request_row):
    client.force_login(office.user(Role.EDITOR, "township"))
    page = client.get(_page(request_row.pk))
    url = page.context["publish_url"]
    form = client.get(url)
    assert form.status_code == 200
    initial = form.context["adminform"].form.initial
    assert initial["title"].startswith("请公开2026年文艺路街道最低生活保障")
    assert str(initial["division"]) == str(office.divisions[TOWNSHIP].pk)


def test_the_queue_refuses_lookups_that_probe_personal_data(client, office, request_row):
    client.force_login(office.user(Role.ADMINISTRATOR, "district"))
    url = reverse("admin:foi_inforequest_changelist")
    for probe in ("phone__startswith=138", "name=张三", "email__istartswith=z", "id_tail=002X"):
        response = client.get(f"{url}?code={request_row.code}&{probe}")
        assert response.status_code == 400, probe
    assert client.get(url + "?deadline=overdue&state__exact=running").status_code == 200
    # The page shows the office above the request, masked, and none of its personal parts.
    page = client.get(_page(request_row.pk)).content.decode()
    assert "最低生活保障" in page and "13812345678" not in page


def test_steps_cannot_be_backdated_before_the_history(client, office, request_row):
    editor = office.user(Role.EDITOR, "township")
    services.record(request_row, "consult_start", on=dt.date(2026, 11, 9), user=editor)
    with pytest.raises(ValidationError, match="不能早于最近一次办理记录"):
        services.record(request_row, "consult_end", on=dt.date(2026, 11, 6), user=editor)
    services.record(request_row, "consult_end", on=dt.date(2026, 11, 13), user=editor)
    # Past the due date (4 December) no new pause is allowed.
    with pytest.raises(ValidationError, match="答复期限已过"):
        services.record(request_row, "consult_start", on=dt.date(2026, 12, 5), user=editor)


def test_an_extension_letter_states_the_new_due_date(office, applicant):
    from foi.letters import cn_date, draft_text
    from foi.models import LetterKind

    row = services.submit(division=office.divisions[TOWNSHIP], data=applicant, channel="post")
    text, _version = draft_text(row, LetterKind.EXTENSION, {"days": 10})
    extended = services.clock_of(row).clock.due_on
    calendar = services.ProvisionalCalendar()
    assert cn_date(calendar.add_working_days(extended, 10)) in text
    notice, _version = draft_text(row, LetterKind.CORRECTION, {})
    assert "15个工作日内" in notice and "（前）" not in notice


def test_the_request_page_costs_the_same_whatever_its_history(client, office, request_row):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    editor = office.user(Role.EDITOR, "township")
    services.record(request_row, "note", on=dt.date(2026, 11, 2), user=editor, note="备注")
    client.force_login(editor)
    client.get(_page(request_row.pk))
    with CaptureQueriesContext(connection) as few:
        client.get(_page(request_row.pk))
    for day in (3, 4, 5, 6):
        services.record(request_row, "note", on=dt.date(2026, 11, day), user=editor, note="备注")
    services.record(
        request_row, "note", on=dt.date(2026, 11, 9), user=office.user(Role.REVIEWER, "township")
    )
    with CaptureQueriesContext(connection) as many:
        client.get(_page(request_row.pk))
    assert len(many.captured_queries) == len(few.captured_queries)
