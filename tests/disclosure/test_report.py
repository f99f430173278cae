"""The 政府信息公开工作年度报告: its computation on fixed data, the format's checks, the review
chain and its scope, the public page and its downloads, who is overdue.

Adversaries considered: a department's editor writing the office's (or another department's)
report; the office reviewing its own division's report; a cousin district's reviewer; a
submitter approving their own report; a report with broken sums being submitted; a draft or
another division's report reached through the public page's ``?report=``.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from disclosure import policies
from disclosure.models import AnnualReport
from disclosure.report import checks, compute, layout, present
from disclosure.report import services as reports
from disclosure.report.selectors import overdue
from districts.models import Department, Role
from districts.services import membership_grant
from publications import services as publications
from publications.models import Publication, PublicationEvent, PublicationType
from tests.factories import UserFactory

from .report_data import make_request

YEAR = 2025
D = dt.date
ALL_FOUR = dict.fromkeys(layout.FOUR_KEYS, 0)
TYPED = {"rules_issued": 0, "rules_repealed": 0, "rules_in_force": 0, "coercion": 0, "fee": "0"}


def district(office):
    return office.entries["district"].division


def new_report(office, level="district", department=None, **data):
    division = office.entries[level].division
    figures = {**TYPED, **ALL_FOUR, **data.pop("figures", {})}
    return reports.report_create(
        division=division,
        department=department,
        year=YEAR,
        data={"overview": "本年度，我区政府信息公开工作……", "figures": figures, **data},
        user=office.user(Role.EDITOR, level),
    )


@pytest.fixture
def bureau(office):
    return Department.objects.create(division=district(office), name="区民政局")


@pytest.fixture
def requests(office, bureau):
    """The fixed year: 12 requests around 2025 in 芙蓉区, one in the cousin district."""
    furong = district(office)
    make_request(furong, "person", D(2024, 11, 3), D(2025, 1, 10), "open", 1)  # carried, closed
    make_request(furong, "person", D(2024, 12, 20), D(2024, 12, 28), "open", 1)  # before
    make_request(furong, "business", D(2025, 3, 1), D(2025, 3, 15), "refuse", 4)
    make_request(furong, "business", D(2025, 12, 20))  # still open: carried forward
    make_request(furong, "research", D(2025, 12, 30), D(2026, 1, 5), "partial")  # closed later
    make_request(furong, "legal_service", D(2024, 6, 1))  # open throughout
    make_request(furong, "person", D(2025, 5, 5), D(2025, 5, 20), "not_processed", 2)
    make_request(furong, "other_org", D(2025, 7, 1), D(2025, 7, 10), "other", 3)
    make_request(furong, "public_interest", D(2025, 2, 1), D(2025, 2, 20), "unable", 1)
    make_request(furong, "person", D(2026, 1, 2))  # after the year
    make_request(office.divisions["430103"], "person", D(2025, 3, 3))  # another division
    make_request(furong, "person", D(2025, 4, 1), D(2025, 4, 10), "open", 2, department=bureau)


def publish(office, level, slug, formed, title="文件", **data):
    """Publish a publication of type ``slug`` at ``level``, through the services."""
    editor = office.user(Role.EDITOR, level)
    item = publications.publication_create(
        entry=office.entries[level],
        data={
            "title": title,
            "formed_on": formed,
            "pub_type": PublicationType.objects.get(slug=slug),
            **data,
        },
        user=editor,
    )
    publications.publication_submit(publication=item, user=editor)
    publications.publication_approve(
        publication=item, user=office.reviewer_for(level), interpretation_waiver="无须解读"
    )
    item.refresh_from_db()
    return item


def repeal(office, item, on: dt.datetime):
    publications.publication_set_validity(
        publication=item,
        validity=Publication.Validity.REPEALED,
        user=office.user(Role.EDITOR, "district"),
        note="已被新文件废止",
    )
    PublicationEvent.objects.filter(
        publication=item, action=PublicationEvent.Action.VALIDITY
    ).update(created_at=on)


@pytest.fixture
def documents(office):
    """规范性文件: two of 2025 (one repealed in 2025), one of 2024 repealed in 2026, one of
    2026; one 行政许可 and two 行政处罚 of 2025, one 行政处罚 of 2024; a 规范性文件 in the
    township (not 芙蓉区's own)."""
    tz = dt.timezone(dt.timedelta(hours=8))
    kept = publish(office, "district", "guifanxing", D(2025, 3, 1))
    gone = publish(office, "district", "guifanxing", D(2025, 4, 1))
    repeal(office, gone, dt.datetime(2025, 9, 1, 10, tzinfo=tz))
    old = publish(office, "district", "guifanxing", D(2024, 5, 1))
    repeal(office, old, dt.datetime(2026, 2, 1, 10, tzinfo=tz))
    publish(office, "district", "guifanxing", D(2026, 2, 1))
    publish(office, "district", "xuke", D(2025, 6, 1))
    publish(office, "district", "chufa", D(2025, 6, 2))
    publish(office, "district", "chufa", D(2025, 6, 3))
    publish(office, "district", "chufa", D(2024, 6, 3))
    publish(office, "township", "guifanxing", D(2025, 6, 3))
    return kept


# --- computation ------------------------------------------------------------------------------


def test_table_three_on_fixed_data(office, requests, django_assert_num_queries):
    report = new_report(office)
    with django_assert_num_queries(3):
        snapshot = compute.compute(report)
    three = snapshot["three"]

    def row(key):
        return [three[key][c] for c, _ in layout.COLUMNS]

    #                              自然人 商业 科研 公益 法律 其他 总计
    assert row(layout.NEW) == [2, 2, 1, 1, 0, 1, 7]
    assert row(layout.CARRIED) == [1, 0, 0, 0, 1, 0, 2]
    assert row("open") == [2, 0, 0, 0, 0, 0, 2]
    assert row("partial") == [0] * 7
    assert row("refuse_4") == [0, 1, 0, 0, 0, 0, 1]
    assert row("unable_1") == [0, 0, 0, 1, 0, 0, 1]
    assert row("not_processed_2") == [1, 0, 0, 0, 0, 0, 1]
    assert row("other_3") == [0, 0, 0, 0, 0, 1, 1]
    assert row(layout.CLOSED) == [3, 1, 0, 1, 0, 1, 6]
    assert row(layout.FORWARD) == [0, 1, 1, 0, 1, 0, 3]
    untouched = {r.key for r in layout.REPLY_ROWS} - {
        "open",
        "refuse_4",
        "unable_1",
        "not_processed_2",
        "other_3",
    }
    assert all(three[key][layout.TOTAL] == 0 for key in untouched)
    assert checks.check_table_three(three) == []


def test_a_department_report_counts_only_its_department(office, requests, bureau):
    report = new_report(office, department=bureau)
    three = compute.compute(report)["three"]
    assert three[layout.NEW][layout.TOTAL] == 1
    assert three["open"]["person"] == 1
    assert three[layout.CARRIED][layout.TOTAL] == three[layout.FORWARD][layout.TOTAL] == 0


def test_table_two_on_fixed_data(office, documents, django_assert_num_queries):
    report = new_report(office, figures={"penalty": 40})
    with django_assert_num_queries(3):
        two = compute.compute(report)["two"]
    values = {key: cell["value"] for key, cell in two.items()}
    assert values["normative_issued"] == 2  # 2025's two; 2024's and 2026's are not
    assert values["normative_repealed"] == 1  # repealed in 2025; the 2026 repeal is not
    # In force on 31 Dec 2025: the 2025 one kept and the 2024 one (repealed only in 2026).
    assert values["normative_in_force"] == 2
    assert values["licence"] == 1
    assert two["penalty"] == {"value": 40, "manual": True}  # typed in over the portal's 2
    assert two["rules_issued"] == {"value": 0, "manual": True}  # no 规章 type: typed in
    assert not two["normative_issued"]["manual"]


def test_the_portal_counts_penalties_when_nothing_is_typed(office, documents):
    report = new_report(office)
    assert compute.compute(report)["two"]["penalty"] == {"value": 2, "manual": False}


def test_a_revised_document_counts_once(office, documents):
    editor = office.user(Role.EDITOR, "district")
    draft = publications.publication_revise(publication=documents, user=editor)
    publications.publication_submit(publication=draft, user=editor)
    publications.publication_approve(
        publication=draft, user=office.reviewer_for("district"), interpretation_waiver="无"
    )
    assert compute.compute(new_report(office))["two"]["normative_issued"]["value"] == 2


def test_reply_rows_agree_with_the_fixture():
    import csv

    from django.conf import settings

    with open(settings.FIXTURES_DIR / "foi_replies.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for line in rows:
        key = layout.reply_row_key(line["category"], int(line["reason"]))
        assert key in layout.ROW_BY_KEY, line
        if line["category"] in layout.REASONS:
            assert layout.ROW_BY_KEY[key].label.split(".", 1)[1] == line["label"]


# --- the checks: each failure names its cell -----------------------------------------------


def test_the_checks_pass_on_a_consistent_snapshot():
    snapshot = {
        "two": compute.table_two(
            {(c.source, c.measure): 0 for c in layout.TWO_CELLS if c.source}, TYPED
        ),
        "three": compute.table_three([]),
        "four": dict(ALL_FOUR),
    }
    assert checks.problems(snapshot) == []


def test_check_received_equals_settled_names_the_forward_cell():
    three = compute.table_three([])
    three[layout.NEW]["person"] = 3
    three[layout.NEW][layout.TOTAL] = 3
    found = checks.check_table_three(three)
    assert any(
        m.startswith("表三 第四行“结转下年度继续办理”自然人列：一（本年新收3）") for m in found
    ), found
    assert any(m.startswith("表三 第四行“结转下年度继续办理”总计列") for m in found)


def test_check_total_column_names_the_row():
    three = compute.table_three([])
    three["refuse_2"][layout.TOTAL] = 5
    found = checks.check_table_three(three)
    assert "表三 第三行（三）“2.其他法律行政法规禁止公开”总计列：" in found[0]
    assert "应为自然人与法人或其他组织各列之和0，现为5" in found[0]


def test_check_row_seven_names_the_column_when_a_reply_is_unrecorded(office):
    furong = district(office)
    make_request(furong, "research", D(2025, 3, 1), D(2025, 3, 9), "refuse", 0)  # no reason
    three = compute.compute(new_report(office))["three"]
    found = checks.check_table_three(three)
    assert found == [
        "表三 第三行（七）“总计”科研机构列：应为（一）至（六）之和0，现为1"
        "（已办结申请须记录答复类型和具体情形，请在依申请公开中补录）。",
        "表三 第三行（七）“总计”总计列：应为（一）至（六）之和0，现为1"
        "（已办结申请须记录答复类型和具体情形，请在依申请公开中补录）。",
    ]


def test_check_table_four_totals_and_blanks():
    four = dict(ALL_FOUR) | {"review_upheld": 2, "review_total": 1}
    four["direct_pending"] = None
    found = checks.check_table_four(four)
    assert found == [
        "表四 行政复议“总计”：应为结果维持、结果纠正、其他结果、尚未审结之和2，现为1。",
        "表四 行政诉讼 未经复议直接起诉“尚未审结”：未填写（没有的填0）。",
    ]


def test_check_table_two_asks_for_what_the_portal_cannot_count():
    two = compute.table_two({}, {})
    found = checks.check_table_two(two)
    assert "表二 “规章”本年制发件数：平台无此类信息，须手工填报（没有的填0）。" in found
    assert (
        "表二 “行政事业性收费”本年收费金额（万元）：平台无此类信息，须手工填报（没有的填0）。"
        in found
    )


def test_submitting_a_failing_report_is_refused_with_the_messages(office):
    report = new_report(office, figures={"after_review_total": 3})
    with pytest.raises(ValidationError) as error:
        reports.report_submit(report=report, user=office.user(Role.EDITOR, "district"))
    assert error.value.messages == [
        "表四 行政诉讼 复议后起诉“总计”：应为结果维持、结果纠正、其他结果、尚未审结之和0，现为3。"
    ]
    report.refresh_from_db()
    assert report.status == AnnualReport.Status.DRAFT and report.snapshot == {}


def test_typed_figures_are_cleaned(office):
    report = new_report(office, figures={"fee": "12.3456", "licence": "7"})
    assert report.figures["fee"] == "12.3456" and report.figures["licence"] == 7
    for bad in ({"fee": "1.23456"}, {"licence": -1}, {"licence": "三"}, {"nonsense": 1}):
        with pytest.raises(ValidationError):
            reports.clean_figures(bad)


# --- the review chain and its scope -------------------------------------------------------------


def walk(office, report, level="district"):
    editor = office.user(Role.EDITOR, level)
    reports.report_submit(report=report, user=editor)
    reports.report_approve(report=report, user=office.reviewer_for(level))
    return reports.report_publish(report=report, user=office.user(Role.ADMINISTRATOR, level))


def test_submit_approve_publish(office, requests, documents):
    report = walk(office, new_report(office))
    assert report.status == AnnualReport.Status.PUBLISHED and report.published_at
    assert report.snapshot["three"][layout.NEW][layout.TOTAL] == 7
    assert report.reviewed_by == office.reviewer_for("district")


def test_the_snapshot_is_what_was_submitted(office, requests):
    report = new_report(office)
    reports.report_submit(report=report, user=office.user(Role.EDITOR, "district"))
    make_request(district(office), "person", D(2025, 6, 1))
    report.refresh_from_db()
    snapshot, found = reports.report_preview(report)
    assert snapshot["three"][layout.NEW][layout.TOTAL] == 7 and found == []


def test_who_may_review(office, bureau):
    own = new_report(office)
    reports.report_submit(report=own, user=office.user(Role.EDITOR, "district"))
    # The division's own office does not approve its own report; the cousin never does.
    for user in (office.user(Role.REVIEWER, "district"), office.user(Role.REVIEWER, "cousin")):
        with pytest.raises(PermissionDenied):
            reports.report_approve(report=own, user=user)
    # A department's report goes to its own division's office.
    editor = UserFactory(username="bureau_editor")
    membership_grant(user=editor, division=district(office), role=Role.EDITOR, department=bureau)
    dept = new_report(office, department=bureau)
    reports.report_submit(report=dept, user=editor)
    assert policies.may_review_report(office.user(Role.REVIEWER, "district"), dept)
    assert not policies.may_review_report(office.user(Role.REVIEWER, "cousin"), dept)
    reports.report_approve(report=dept, user=office.user(Role.REVIEWER, "district"))


def test_nobody_approves_what_they_submitted(office):
    report = new_report(office, "city")
    reports.report_submit(report=report, user=office.user(Role.ADMINISTRATOR, "city"))
    with pytest.raises(PermissionDenied):
        reports.report_approve(report=report, user=office.user(Role.ADMINISTRATOR, "city"))
    reports.report_approve(report=report, user=office.user(Role.REVIEWER, "city"))


def test_department_staff_write_only_their_department_report(office, bureau):
    editor = UserFactory(username="bureau_editor")
    membership_grant(user=editor, division=district(office), role=Role.EDITOR, department=bureau)
    other = Department.objects.create(division=district(office), name="区城管执法大队")
    for department in (None, other):
        with pytest.raises(PermissionDenied):
            reports.report_create(
                division=district(office), department=department, year=YEAR, user=editor
            )
    mine = reports.report_create(
        division=district(office), department=bureau, year=YEAR, user=editor
    )
    office_report = new_report(office)
    assert list(policies.reports.instances_for(editor, "change")) == [mine]
    assert not policies.reports.allows(editor, "view", office_report)


def test_cousins_and_lower_levels_cannot_touch_the_report(office):
    report = new_report(office)
    for user in (office.user(Role.EDITOR, "cousin"), office.user(Role.EDITOR, "township")):
        with pytest.raises(PermissionDenied):
            reports.report_update(report=report, data={"overview": "改"}, user=user)
        with pytest.raises(PermissionDenied):
            reports.report_submit(report=report, user=user)
    reports.report_submit(report=report, user=office.user(Role.EDITOR, "district"))
    reports.report_approve(report=report, user=office.user(Role.REVIEWER, "city"))
    for user in (office.user(Role.EDITOR, "district"), office.user(Role.ADMINISTRATOR, "cousin")):
        with pytest.raises(PermissionDenied):
            reports.report_publish(report=report, user=user)


def test_return_sends_back_to_draft_with_a_reason(office):
    report = new_report(office)
    reports.report_submit(report=report, user=office.user(Role.EDITOR, "district"))
    with pytest.raises(ValidationError):
        reports.report_return(report=report, user=office.user(Role.REVIEWER, "city"), reason="")
    reports.report_return(report=report, user=office.user(Role.REVIEWER, "city"), reason="请补充")
    report.refresh_from_db()
    assert report.status == AnnualReport.Status.DRAFT and report.return_reason == "请补充"
    reports.report_update(
        report=report, data={"problems": "问题"}, user=office.user("editor", "district")
    )


def test_one_report_a_year_per_publisher(office, bureau):
    new_report(office)
    new_report(office, department=bureau)
    with pytest.raises(ValidationError):
        new_report(office)
    with pytest.raises(ValidationError):
        new_report(office, department=bureau)


def test_a_year_not_over_cannot_be_submitted(office):
    report = reports.report_create(
        division=district(office),
        year=dt.date.today().year,
        data={"overview": "x", "figures": {**TYPED, **ALL_FOUR}},
        user=office.user(Role.EDITOR, "district"),
    )
    with pytest.raises(ValidationError, match="尚未结束"):
        reports.report_submit(report=report, user=office.user(Role.EDITOR, "district"))


# --- the public page and the downloads -----------------------------------------------------------


@pytest.fixture
def published(office, requests, documents):
    return walk(office, new_report(office, figures={"fee": "1.5"}, problems="一是……\n\n二是……"))


def test_the_page_lists_and_shows_the_report(office, published, client, django_assert_num_queries):
    url = reverse("portal:xxgk_reports", args=[district(office).slug])
    # The division, its ancestors, the column, the annual reports, the 年报 count (none: no page).
    with django_assert_num_queries(5):
        listing = client.get(url)
    html = listing.content.decode()
    assert f"?report={published.pk}" in html and "芙蓉区2025年政府信息公开工作年度报告" in html
    # The division, its ancestors, the header's column, the report.
    with django_assert_num_queries(4):
        page = client.get(url, {"report": published.pk})
    html = page.content.decode()
    assert page.status_code == 200
    for text in (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "（七）总计",
        "结转下年度继续办理",
        "行政复议",
        "五、存在的主要问题及改进情况",
        "二是……",
        "手工填报",
        "1.5",
    ):
        assert text in html, text
    assert 'rowspan="22"' in html  # 三、本年度办理结果 spans its 22 rows


def test_drafts_and_other_divisions_reports_are_not_found(office, published, client):
    draft = new_report(office, "township")
    cousin = office.divisions["430103"]
    for slug, pk in ((district(office).slug, draft.pk), (cousin.slug, published.pk)):
        url = reverse("portal:xxgk_reports", args=[slug])
        assert client.get(url, {"report": pk}).status_code == 404


def test_xlsx_download(office, published, client):
    url = reverse("portal:xxgk_reports", args=[district(office).slug])
    response = client.get(url, {"report": published.pk, "format": "xlsx"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "芙蓉区2025年政府信息公开工作年度报告" in values
    assert "四、结转下年度继续办理" in values
    assert Decimal("1.5") in values  # the fee, a number in the sheet
    manual = [c for row in sheet.iter_rows() for c in row if c.comment is not None]
    assert manual and all(c.comment.text == "手工填报" for c in manual)


def test_pdf_download(office, published, client):
    url = reverse("portal:xxgk_reports", args=[district(office).slug])
    response = client.get(url, {"report": published.pk, "format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and b"STSong-Light" in response.content


def test_the_publication_list_stays(office, client):
    publish(office, "district", "nianbao", D(2025, 3, 1), title="2024年年报（文件）")
    url = reverse("portal:xxgk_reports", args=[district(office).slug])
    assert "2024年年报（文件）" in client.get(url).content.decode()


# --- overdue ------------------------------------------------------------------------------------


def test_overdue_lists_who_has_not_published(office, published, bureau):
    city_admin = office.user(Role.ADMINISTRATOR, "city")
    # 芙蓉区's report was published when the test ran, after 31 March 2026: late.
    names = {m.name: m.state for m in overdue(city_admin, YEAR, D(2026, 4, 1))}
    assert names["芙蓉区"].startswith("逾期发布（")
    assert names["芙蓉区区民政局"] == "未编报"
    assert names["长沙市"] == "未编报"
    assert "文艺路街道" in names  # townships are governments too
    AnnualReport.objects.filter(pk=published.pk).update(
        published_at=dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC)
    )
    assert "芙蓉区" not in {m.name for m in overdue(city_admin, YEAR, D(2026, 4, 1))}
    # Nothing is due until 31 January; in February only the departments are.
    assert overdue(city_admin, YEAR, D(2026, 1, 31)) == []
    february = overdue(city_admin, YEAR, D(2026, 2, 1))
    assert february and {m.department is not None for m in february} == {True}


def test_overdue_is_scoped(office, bureau):
    township_admin = office.user(Role.ADMINISTRATOR, "township")
    names = {m.name for m in overdue(township_admin, YEAR, D(2026, 4, 1))}
    assert names == {office.entries["township"].division.name}


def test_the_admin_list_shows_overdue(office, client):
    client.force_login(office.user(Role.ADMINISTRATOR, "district"))
    url = reverse("admin:disclosure_annualreport_changelist")
    response = client.get(url, {"overdue_year": "2025"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "2025年度报告：截止期限已过仍未按时发布" in html and "芙蓉区" in html


def test_the_admin_change_page_shows_tables_and_checks(office, client):
    report = new_report(office, figures={"review_total": 9})
    client.force_login(office.user(Role.EDITOR, "district"))
    url = reverse("admin:disclosure_annualreport_change", args=[report.pk])
    html = client.get(url).content.decode()
    assert "校验未通过" in html and "表四 行政复议“总计”" in html


def test_present_grids_cover_every_position():
    for grid in (
        present.table_three(compute.table_three([])),
        present.table_four(ALL_FOUR),
        present.table_two(compute.table_two({}, TYPED)),
    ):
        covered = {}
        for c in grid.cells:
            for r in range(c.row, c.row + c.rowspan):
                for k in range(c.col, c.col + c.colspan):
                    assert (r, k) not in covered, (grid.caption, r, k)
                    covered[(r, k)] = c
        assert len(covered) == grid.width * grid.height, grid.caption
