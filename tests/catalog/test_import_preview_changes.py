"""The import preview shows, for each row that changes an existing entry, 原值 → 新值 for each
element it changes (unchanged ones left out), rendered as the review panel renders them; a large
workbook's preview stays small."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from catalog.models import CatalogEntry, Channel
from catalog.services import entry_drop, entry_update
from catalog.workbooks import imports as workbook_import
from catalog.workbooks.export import export_workbook
from catalog.workbooks.imports import import_catalog
from districts.models import Role
from tests.factories import CityEntryFactory

from . import test_admin_import
from .test_admin_import import workbook_for

# The admin import tests' fixtures: their catalog, the upload that follows to the job's page,
# and (autouse) a folder of uploads of each test's own.
catalog = test_admin_import.catalog
upload = test_admin_import.upload
import_dir = test_admin_import.import_dir

# What a Python repr of a list or dict looks like once the template has escaped it.
REPR = re.compile(r"\[&#x27;|\{&#x27;|&#x27;, &#x27;|\[\{|\{\}|\bTrue\b|\bFalse\b|\bNone\b")


def preview_table(html: str) -> str:
    start = html.index('<table class="import-preview')
    return html[start : html.index("</table>\n", start)]


def row_changes(html: str) -> list[list[tuple[str, str]]]:
    """Return, per changed row of the preview, its (element, change HTML) pairs."""
    found = []
    for cell in re.findall(r'<dl class="element-changes">(.*?)</dl></td>', preview_table(html)):
        found.append(re.findall(r"<dt>([^<]+)</dt><dd>(.*?)</dd>", cell))
    return found


def test_each_changed_row_lists_old_and_new(client, make_member, furong, catalog, upload):
    client.force_login(make_member(furong, Role.EDITOR))
    html = upload(furong, workbook_for(furong, time_limit="5个工作日内")).content.decode()
    assert "预览：共 3 行，新增 0，修改 3，不变 0，错误 0" in html
    assert "修改（原值 → 新值）/ 错误" in html
    changes = row_changes(html)
    assert len(changes) == 3
    for row in changes:
        # Only the element that changes; the others are left out.
        [(label, cell)] = row
        assert label == "公开时限"
        old, new = cell.split('<span class="change-arrow" aria-hidden="true">→</span>')
        assert old == (
            '<div class="value-change"><del class="value-old"><span class="change-label">原值'
            '<span class="visually-hidden">：</span></span>'
            '<span class="value-text">信息形成（变更）之日起20个工作日内</span></del>'
        )
        assert new == (
            '<ins class="value-new"><span class="change-label">新值'
            '<span class="visually-hidden">：</span></span>'
            '<span class="value-text">5个工作日内</span></ins></div>'
        )
    assert "列出了其中" not in html  # every changed row is detailed
    assert 'href="/static/catalog/changes.css"' in html
    # A preview writes nothing.
    assert not CatalogEntry.objects.filter(time_limit="5个工作日内").exists()


def test_lists_levels_and_flags_read_as_on_the_review_panel(
    client, make_member, furong, catalog, upload
):
    """The workbook holds the entry as it was; the catalog changed since: the preview shows
    the catalog's value as 原值 and the workbook's as 新值."""
    client.force_login(make_member(furong, Role.EDITOR))
    data = workbook_for(furong)
    entry = CatalogEntry.objects.get(division=furong, item=catalog[0].item)
    centre = Channel.objects.get(name="政务服务中心")
    entry_update(
        entry=entry,
        changes={
            "channels": [centre.pk],
            "audience": [False, True],
            "levels": [
                {"level": "县级", "channels": ["政务服务中心"]},
                {"level": "乡级", "channels": ["公开查阅点"]},
            ],
        },
        user=None,
    )
    html = upload(furong, data).content.decode()
    assert "修改 1，不变 2" in html
    assert not REPR.search(preview_table(html))
    [changes] = row_changes(html)
    cells = dict(changes)
    assert list(cells) == ["公开渠道和载体", "公开对象", "公开层级"]
    old, new = cells["公开渠道和载体"].split("change-arrow")
    assert re.findall(r"<li>([^<]+)</li>", old) == ["政务服务中心"]
    assert re.findall(r"<li>([^<]+)</li>", new) == ["政府网站"]
    old, new = cells["公开对象"].split("change-arrow")
    assert (re.findall(r"<li>([^<]+)</li>", old), re.findall(r"<li>([^<]+)</li>", new)) == (
        ["特定群体"],
        ["全社会"],
    )
    old, new = cells["公开层级"].split("change-arrow")
    assert re.findall(r'<th scope="row">([^<]+)</th>', old) == ["县级", "乡级"]
    assert re.findall(r'<th scope="row">([^<]+)</th>', new) == ["县级"]
    assert '<th scope="col">公开层级</th><th scope="col">公开渠道和载体</th>' in new


def test_restoring_a_dropped_entry_is_a_change_of_state(city, furong, catalog):
    data = workbook_for(furong)
    entry = CatalogEntry.objects.get(division=furong, item=catalog[1].item)
    entry_drop(entry=entry, user=None, confirm=True)
    report = import_catalog(source=io.BytesIO(data), division=furong, user=None, dry_run=True)
    [changed] = [o for o in report.outcomes if o.status == "changed"]
    assert changed.changed == ["恢复已删减事项"]
    assert [(d["label"], d["old"]["text"], d["new"]["text"]) for d in changed.diffs] == [
        ("事项状态", "已删减（本级删减）", "恢复")
    ]


def test_other_columns_show_only_the_headings_that_change(city, furong, catalog):
    buffer = io.BytesIO(workbook_for(furong))
    book = openpyxl.load_workbook(buffer)
    sheet = book.worksheets[0]
    extra = sheet.max_column + 1
    sheet.cell(2, extra, "联系电话")
    for row in range(4, sheet.max_row):
        if sheet.cell(row, 3).value:
            sheet.cell(row, extra, "0731-88888888")
    out = io.BytesIO()
    book.save(out)
    entry = CatalogEntry.objects.get(division=furong, item=catalog[0].item)
    CatalogEntry.objects.filter(pk=entry.pk).update(extra={"联系电话": "0731-1", "序号": "1"})
    report = import_catalog(
        source=io.BytesIO(out.getvalue()), division=furong, user=None, dry_run=True
    )
    by_item = {o.second_level: o for o in report.outcomes}
    [diff] = by_item[entry.item.name].diffs
    assert diff["label"] == "其他列"
    assert diff["old"]["rows"] == [["联系电话", "0731-1"], ["序号", "1"]]
    assert diff["new"]["rows"] == [["联系电话", "0731-88888888"], ["序号", ""]]


def big_city_workbook(city, count: int, *, content: str) -> bytes:
    CityEntryFactory.create_batch(count, division=city)
    buffer = io.BytesIO()
    export_workbook(division=city, stream=buffer)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    for sheet in book.worksheets:
        columns = {c.value: c.column for c in sheet[2]}
        for row in range(4, sheet.max_row + 1):
            if sheet.cell(row, 3).value:
                sheet.cell(row, columns["公开内容(要素)"], content)
                sheet.cell(row, columns["公开时限"], "5个工作日内")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_large_preview_stays_small(client, make_member, city, upload, settings):
    """120 rows that each change a 5,000-character text: the page lists 原值 → 新值 for the
    first rows only, each text cut short, and says how many rows it leaves out."""
    settings.CATALOG_IMPORT_MAX_BYTES = 50 * 2**20
    data = big_city_workbook(city, 120, content="长" * 5_000)
    client.force_login(make_member(city, Role.EDITOR))
    html = upload(city, data).content.decode()
    assert "预览：共 120 行，新增 0，修改 120" in html
    detailed = row_changes(html)
    assert 0 < len(detailed) <= workbook_import.DIFF_ROWS
    assert f"共 120 行修改已有事项，列出了其中 {len(detailed)} 行的原值和新值" in html
    assert "（另有 4700 字未显示）" in html
    assert len(html.encode()) < 600_000, len(html.encode())
    # Each row still names what it changes.
    table = preview_table(html)
    assert table.count("<td>公开内容(要素)、公开时限</td>") == 120 - len(detailed)


@pytest.mark.parametrize(("rows", "chars"), [(2, 10**9), (10**9, 500)])
def test_the_detail_budget_is_rows_and_characters(city, monkeypatch, rows, chars):
    monkeypatch.setattr(workbook_import, "DIFF_ROWS", rows)
    monkeypatch.setattr(workbook_import, "DIFF_CHARS", chars)
    data = big_city_workbook(city, 6, content="新内容" * 100)
    report = import_catalog(source=io.BytesIO(data), division=city, user=None, dry_run=True)
    detailed = [o for o in report.outcomes if o.diffs]
    assert len(detailed) == 2
    assert all(o.status == "changed" and o.changed for o in report.outcomes)
