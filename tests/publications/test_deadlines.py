"""Due dates: the entry's 公开时限 applied to the formation date on the statutory calendar.

Expected dates are counted by hand from the official 2026 schedule (国办发明电〔2025〕7号):
春节 2月15日–23日 off, 2月14日 (Sat) and 2月28日 (Sat) worked; 中秋节 9月25日–27日 off;
国庆节 10月1日–7日 off, 9月20日 (Sun) and 10月10日 (Sat) worked. Day 1 is the first working
day after the formation date. 2027 is not in the calendar until an administrator enters it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.services import entry_update
from districts.models import Role
from publications import services, worklist
from publications.models import Publication, PublicationEvent
from workcalendar.deadlines import LONG_TERM_NOTE
from workcalendar.models import SpecialDay
from workcalendar.services import calendar_year_save, special_day_save

D = dt.date
NOT_COVERED_2027 = (
    "2027年的法定节假日安排尚未录入工作日历，无法按工作日计算；请管理员在「工作日历」中补录2027年。"
)


def set_time_limit(office, level: str, text: str):
    """Change the entry's 公开时限 through the catalog service, as its owner would."""
    entry = office.entries[level]
    entry_update(entry=entry, changes={"time_limit": text}, user=office.user(Role.EDITOR, level))
    entry.refresh_from_db()
    return entry


def create(office, level: str, formed_on: dt.date, title: str = "期限测试") -> Publication:
    return services.publication_create(
        entry=office.entries[level],
        data={"title": title, "formed_on": formed_on},
        user=office.user(Role.EDITOR, level),
    )


@pytest.mark.parametrize(
    "time_limit, formed_on, due_on",
    [
        # Mid-Autumn (25–27 Sep), National Day (1–7 Oct) and the make-up Saturday 10 Oct:
        # 28, 29, 30 Sep, 8, 9, 10, 12, 13, 14, 15 Oct.
        ("信息形成（变更）之日起10个工作日内", D(2026, 9, 25), D(2026, 10, 15)),
        # The make-up Sunday 20 Sep counts: 20–24, 28–30 Sep, 8, 9 Oct.
        ("10个工作日", D(2026, 9, 18), D(2026, 10, 9)),
        # Twenty: … 15 Oct is the 10th, then 16, 19–23, 26–29 Oct.
        ("自信息形成之日起20个工作日内", D(2026, 9, 25), D(2026, 10, 29)),
        # Spring Festival: 13, 14 (make-up Sat), 24–28 Feb (28 is a make-up Sat), 2, 3, 4 Mar.
        ("十个工作日", D(2026, 2, 12), D(2026, 3, 4)),
        # An ordinary fortnight in November.
        ("制定或获取信息之日起10个工作日内", D(2026, 11, 2), D(2026, 11, 16)),
        # Calendar days: 3 Oct is a holiday, so the period runs on to the next working day.
        ("5日内", D(2026, 9, 28), D(2026, 10, 8)),
        # 实时: the same day, even on a holiday.
        ("实时公开", D(2026, 10, 3), D(2026, 10, 3)),
        ("实时", D(2026, 11, 2), D(2026, 11, 2)),
        # Nothing readable: the statutory 20 working days.
        ("及时公开", D(2026, 9, 25), D(2026, 10, 29)),
    ],
)
def test_due_date_from_the_time_limit_and_the_formation_date(office, time_limit, formed_on, due_on):
    set_time_limit(office, "city", time_limit)
    item = create(office, "city", formed_on)
    assert item.due_on == due_on
    item.refresh_from_db()
    assert item.due_on == due_on
    assert item.due_note


def test_a_long_term_entry_has_no_due_date(office, client):
    set_time_limit(office, "township", "长期公开")
    item = create(office, "township", D(2026, 9, 25))
    assert item.due_on is None
    assert item.due_note == LONG_TERM_NOTE
    # Never overdue, never "due soon".
    client.force_login(office.user(Role.EDITOR, "township"))
    url = reverse("admin:publications_publication_worklist")
    for deadline in ("overdue", "soon"):
        assert client.get(url, {"deadline": deadline}).context["count"] == 0
    assert client.get(url).context["rows"][0].deadline_cell.count("badge") == 0


def test_derived_entries_follow_the_city_time_limit(office):
    # The fixture's catalog says 10 working days everywhere.
    assert create(office, "township", D(2026, 9, 25)).due_on == D(2026, 10, 15)
    assert create(office, "district", D(2026, 9, 18)).due_on == D(2026, 10, 9)


def test_changing_the_formation_date_moves_the_due_date(office):
    item = create(office, "district", D(2026, 9, 18))
    editor = office.user(Role.EDITOR, "district")
    item = services.publication_update(
        publication=item, data={"formed_on": "2026-09-25"}, user=editor
    )
    item.refresh_from_db()
    assert item.due_on == D(2026, 10, 15)
    event = item.events.get(action=PublicationEvent.Action.EDIT)
    assert event.changes == {"formed_on": ["2026-09-18", "2026-09-25"]}


def test_a_revision_keeps_the_due_date_of_the_information(office):
    published = office.publication("city", "published")
    draft = services.publication_revise(
        publication=published, user=office.user(Role.EDITOR, "city")
    )
    assert (draft.due_on, draft.due_note) == (published.due_on, published.due_note)


# ---------------------------------------------------------------------------------------------
# Across a year the calendar does not have.

SIXTY = "信息形成（变更）之日起60个工作日内"
# From 2 Nov 2026: 20 working days left in November, 23 in December, so 17 fall in 2027.


def test_a_deadline_in_an_unrecorded_year_is_pending_with_the_calendars_message(office):
    set_time_limit(office, "district", SIXTY)
    item = create(office, "district", D(2026, 11, 2))
    assert item.due_on is None
    assert item.due_note == f"期限待定：{NOT_COVERED_2027}"


def test_a_pending_deadline_shows_as_pending_not_as_an_error(office, client):
    set_time_limit(office, "district", SIXTY)
    item = create(office, "district", D(2026, 11, 2), title="跨年期限")
    client.force_login(office.user(Role.EDITOR, "district"))
    response = client.get(reverse("admin:publications_publication_worklist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "期限待定</span>" in html
    assert NOT_COVERED_2027 in html
    response = client.get(reverse("admin:publications_publication_change", args=[item.pk]))
    assert response.status_code == 200
    assert NOT_COVERED_2027 in response.content.decode()
    # The pending item can still go through review.
    services.publication_submit(publication=item, user=office.user(Role.EDITOR, "district"))
    services.publication_approve(publication=item, user=office.reviewer_for("district"))


def enter_2027() -> None:
    """Record 2027 as an administrator would: the year, then its New Year's Day holiday."""
    year = calendar_year_save(
        year=2027, source="国务院办公厅关于2027年部分节假日安排的通知（测试）"
    )
    special_day_save(
        calendar_year=year, day=D(2027, 1, 1), kind=SpecialDay.Kind.HOLIDAY, name="元旦"
    )


def test_entering_2027_and_recomputing_gives_the_due_date(office):
    set_time_limit(office, "district", SIXTY)
    pending = create(office, "district", D(2026, 11, 2))
    # The change followed down to 文艺路街道; 天心区's catalog still says 10 working days.
    other = create(office, "cousin", D(2026, 11, 2))
    enter_2027()
    assert services.publications_recompute_due() == 1
    pending.refresh_from_db()
    # 17 working days in 2027, New Year's Day (Fri) off: 4–8, 11–15, 18–22, 25, 26 January.
    assert pending.due_on == D(2027, 1, 26)
    assert pending.due_note == "信息形成（变更）之日起60个工作日内"
    assert pending.events.filter(action=PublicationEvent.Action.DUE).count() == 1
    other.refresh_from_db()
    assert other.due_on == D(2026, 11, 16)
    # Running it again changes nothing.
    assert services.publications_recompute_due() == 0


def test_recomputing_leaves_published_items_alone(office):
    set_time_limit(office, "district", SIXTY)
    item = create(office, "district", D(2026, 11, 2))
    services.publication_submit(publication=item, user=office.user(Role.EDITOR, "district"))
    services.publication_approve(publication=item, user=office.reviewer_for("district"))
    enter_2027()
    assert services.publications_recompute_due() == 0
    item.refresh_from_db()
    assert item.due_on is None


def test_entering_2027_recomputes_due_dates_after_commit(
    office, django_capture_on_commit_callbacks
):
    set_time_limit(office, "district", SIXTY)
    pending = create(office, "district", D(2026, 11, 2))
    with django_capture_on_commit_callbacks(execute=True):
        enter_2027()
    pending.refresh_from_db()
    assert pending.due_on == D(2027, 1, 26)


# ---------------------------------------------------------------------------------------------
# Badges for what is overdue or close to it.


@pytest.fixture
def badged(office):
    """Drafts overdue, due today, due later, pending on 2027, and one published late."""
    today = timezone.localdate()
    overdue = create(office, "township", D(2026, 11, 2), title="逾期草稿")  # due 16 Nov
    assert overdue.due_on < today
    set_time_limit(office, "district", "实时公开")
    due_today = create(office, "district", today, title="今日到期")
    set_time_limit(office, "city", "信息形成（变更）之日起5个工作日内")
    later = create(office, "city", today, title="期限尚远")
    late = office.publication("township", "published", title="逾期发布")
    assert late.due_on < timezone.localdate(late.published_at)
    return {"overdue": overdue, "today": due_today, "later": later, "late": late}


def test_the_worklist_badges(client, office, badged):
    client.force_login(office.user(Role.EDITOR, "city"))
    url = reverse("admin:publications_publication_worklist")
    response = client.get(url, {"tab": "todo"})
    cells = {row.title: str(row.deadline_cell) for row in response.context["rows"]}
    assert "badge-danger" in cells["逾期草稿"] and "已逾期" in cells["逾期草稿"]
    assert badged["overdue"].due_on.isoformat() in cells["逾期草稿"]
    assert "badge-warn" in cells["今日到期"] and "即将到期" in cells["今日到期"]
    assert "badge" not in cells["期限尚远"]
    assert badged["later"].due_on.isoformat() in cells["期限尚远"]
    published = client.get(url, {"tab": "published"})
    cells = {row.title: str(row.deadline_cell) for row in published.context["rows"]}
    assert "逾期发布" in cells["逾期发布"] and "badge-danger" in cells["逾期发布"]


def test_the_reviewer_sees_the_badges_of_what_waits_for_them(client, office, badged):
    editor = office.user(Role.EDITOR, "township")
    services.publication_submit(publication=badged["overdue"], user=editor)
    client.force_login(office.reviewer_for("township"))
    response = client.get(reverse("admin:publications_publication_worklist"), {"tab": "review"})
    (row,) = response.context["rows"]
    assert "已逾期" in str(row.deadline_cell)


def test_the_change_list_and_change_page_show_the_badges(client, office, badged):
    client.force_login(office.user(Role.EDITOR, "city"))
    html = client.get(reverse("admin:publications_publication_changelist")).content.decode()
    assert html.count("已逾期</span>") == 1
    assert html.count("即将到期</span>") == 1
    assert html.count("逾期发布</span>") == 1
    page = reverse("admin:publications_publication_change", args=[badged["overdue"].pk])
    assert "已逾期</span>" in client.get(page).content.decode()


def test_due_soon_means_within_three_working_days(office, badged):
    today, soon = worklist.today_and_soon()
    from workcalendar.calendar import working_days_between

    assert working_days_between(today, soon) == 3
    item = badged["later"]
    Publication.objects.filter(pk=item.pk).update(due_on=soon)
    item.refresh_from_db()
    assert services.deadline_state(item, today, soon) == "soon"
    Publication.objects.filter(pk=item.pk).update(due_on=soon + dt.timedelta(days=1))
    item.refresh_from_db()
    assert services.deadline_state(item, today, soon) == "ok"
