"""The ``import_catalog`` management command: what it prints, --dry-run, and how it fails."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from django.core.management import CommandError, call_command

from catalog.models import CatalogEntry, CatalogEvent

from . import workbooks as wb
from .workbooks import KBS_JIUZAI, YR_YANGLAO, Sheet


def command(*args) -> str:
    out = io.StringIO()
    call_command("import_catalog", *map(str, args), stdout=out)
    return out.getvalue()


@pytest.fixture
def workbook_path(tmp_path):
    return wb.xlsx_path(
        tmp_path, "长沙市养老服务目录.xlsx", wb.common_sheet("养老服务", YR_YANGLAO)
    )


def test_import_prints_the_headings_understood_and_the_counts(city, workbook_path):
    out = command(workbook_path, "--division", "430100", "--no-progress")

    identity, *lines = out.splitlines()
    assert identity == "以系统身份导入（未指定 --user：不检查角色和管辖范围）。"
    assert lines[0] == "工作表“养老服务” → 领域“养老服务”"
    assert lines[1] == (
        "  列对应：序号 → 序号；公开事项/一级事项 → 一级事项；公开事项/二级事项 → 二级事项；"
        "公开内容(要素) → 公开内容(要素)；公开依据 → 公开依据；公开时限 → 公开时限；"
        "公开主体 → 公开主体；公开渠道和载体 → 公开渠道和载体；公开对象/全社会 → 公开对象：全社会；"
        "公开对象/特定群体 → 公开对象：特定群体；公开方式/主动 → 公开方式：主动；"
        "公开方式/依申请 → 公开方式：依申请；公开层级/县级 → 公开层级：县级；"
        "公开层级/乡级 → 公开层级：乡级；备注 → 备注"
    )
    assert re.fullmatch(
        r"长沙市：已导入：共 3 行，新增 3，修改 0，不变 0，错误 0。（用时 \d+\.\d 秒）", lines[-1]
    )
    assert len(lines) == 3  # no per-line listing unless asked
    assert CatalogEntry.objects.filter(division=city).count() == 3
    assert CatalogEvent.objects.filter(action=CatalogEvent.Action.IMPORT).count() == 1

    again = command(workbook_path, "--division", "430100", "--no-progress")
    assert "已导入：共 3 行，新增 0，修改 0，不变 3，错误 0。" in again


def test_extra_columns_and_verbose_listing(city, tmp_path):
    columns = wb.three_level_columns(levels=(), extras=list(KBS_JIUZAI.extra), catalog_l0=False)
    path = wb.xlsx_path(tmp_path, "救灾.xlsx", Sheet("救灾", columns, [KBS_JIUZAI]))

    out = command(path, "--division", "430100", "--no-progress", "--verbosity", "2")

    assert "  保留为其他列：条款内容、依据效力(位阶)、责任科室、对应职责" in out.splitlines()
    assert (
        "  救灾 第3行 政策文件 / 法律法规—国家自然灾害救助应急预案 内蒙古自治区自然灾害救助应急预案"
        "：新增" in out.splitlines()
    )


def test_dry_run_lists_every_line_and_writes_nothing(city, workbook_path):
    before = wb.counts()

    out = command(workbook_path, "--division", "430100", "--dry-run", "--no-progress")

    lines = out.splitlines()[1:]  # after the identity line
    assert lines[2:5] == [
        "  养老服务 第4行 养老服务通用政策 / 国家和地方层面养老服务相关法律、法规、政策文件：新增",
        "  养老服务 第5行 养老服务通用政策 / 养老服务扶持政策措施清单：新增",
        "  养老服务 第6行 养老服务通用政策 / 养老机构投资指南：新增",
    ]
    assert lines[-1].startswith("长沙市：预览：共 3 行，新增 3，修改 0，不变 0，错误 0。（用时")
    assert wb.counts() == before


def test_dry_run_names_the_changed_elements(city, tmp_path, workbook_path):
    command(workbook_path, "--division", "430100", "--no-progress")
    changed = replace(YR_YANGLAO[1], subject="县民政局、各乡镇人民政府(街道办事处)")
    path = wb.xlsx_path(
        tmp_path, "改.xlsx", wb.common_sheet("养老服务", [YR_YANGLAO[0], changed, YR_YANGLAO[2]])
    )
    before = wb.counts()

    out = command(path, "--division", "430100", "--dry-run", "--no-progress")

    assert "  养老服务 第5行 养老服务通用政策 / 养老服务扶持政策措施清单：修改（公开主体）" in out
    assert "预览：共 3 行，新增 0，修改 1，不变 2，错误 0。" in out
    assert wb.counts() == before


def test_progress_goes_to_stderr(city, workbook_path, capsys):
    command(workbook_path, "--division", "430100")
    assert "已处理 3 行（" in capsys.readouterr().err


def test_errors_are_printed_and_the_command_fails(city, tmp_path):
    def bad_mark(book):
        book.worksheets[0]["I5"] = "X"

    path = wb.xlsx_path(tmp_path, "错.xlsx", wb.common_sheet("养老服务", YR_YANGLAO), edit=bad_mark)
    before = wb.counts()
    out = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_catalog", str(path), "--division=430100", "--no-progress", stdout=out)

    assert str(raised.value) == "导入失败：工作簿有错误，未写入任何数据。"
    printed = out.getvalue().splitlines()
    assert "  错误：工作表“养老服务”第5行“公开对象：全社会”列：应为“√”或留空，实为“X”。" in printed
    assert (
        "未导入：共 3 行，新增 2，修改 0，不变 0，错误 1。存在错误，未写入任何数据。" in printed[-1]
    )
    assert wb.counts() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (wb.old_xls(), "工作簿中没有可导入的目录表：每个工作表都为空或没有可识别的表头。"),
        (
            wb.encrypted_workbook(),
            "文件设有打开密码，无法读取。请在 Excel 中取消密码后另存为 .xlsx 再导入。",
        ),
        (b"", "文件是空的，请选择目录工作簿（.xlsx 或 .xls）。"),
    ],
)
def test_bad_file_fails_with_the_message(city, tmp_path, data, message):
    path = tmp_path / "目录.xlsx"
    path.write_bytes(data)
    before = wb.counts()
    with pytest.raises(CommandError, match=f"^{re.escape(message)}$"):
        command(path, "--division", "430100", "--no-progress")
    assert wb.counts() == before


def test_missing_file_and_unknown_division(city, tmp_path, workbook_path):
    missing = tmp_path / "没有这个文件.xlsx"
    with pytest.raises(CommandError, match=f"^找不到文件：{re.escape(str(missing))}$"):
        command(missing, "--division", "430100", "--no-progress")
    with pytest.raises(CommandError, match="^区划代码 999999 不存在。$"):
        command(workbook_path, "--division", "999999", "--no-progress")


def test_township_import_names_the_district_when_it_lacks_an_item(city, furong, wenyilu, tmp_path):
    path = wb.xlsx_path(tmp_path, "文艺路.xlsx", wb.common_sheet("养老服务", YR_YANGLAO[:1]))
    out = io.StringIO()
    with pytest.raises(CommandError, match="导入失败"):
        call_command("import_catalog", str(path), f"--division={wenyilu.code}", stdout=out)
    assert (
        "  错误：工作表“养老服务”第4行“二级事项”列：所属区县（芙蓉区）目录中没有该事项："
        "乡镇(街道)目录只能包含区县目录中已有的事项。"
    ) in out.getvalue().splitlines()
    assert out.getvalue().splitlines()[-1].startswith("文艺路街道：未导入：")
    assert not CatalogEntry.objects.filter(division=wenyilu).exists()
