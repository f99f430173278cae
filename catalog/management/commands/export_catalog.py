"""Export one division's catalog as the standard workbook, a CSV or a JSON file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Domain
from catalog.workbooks.export import export_csv, export_json, export_workbook
from districts.models import Division

FORMATS = ("xlsx", "csv", "json")


class Command(BaseCommand):
    help = "导出某一区划的政务公开标准目录：xlsx（标准目录表）、csv 或 json。"

    def add_arguments(self, parser):
        parser.add_argument("output", help="输出文件路径，如 furong.xlsx")
        parser.add_argument("--division", required=True, help="区划代码，如 430102")
        parser.add_argument("--domain", help="只导出该领域，如 重大建设项目")
        parser.add_argument("--format", choices=FORMATS, help="导出格式；默认取输出文件的扩展名")

    def handle(self, *args, output, division, domain=None, format=None, **options):
        path = Path(output)
        kind = format or path.suffix.lower().lstrip(".")
        if kind not in FORMATS:
            raise CommandError(
                f"无法从文件名“{path.name}”判断导出格式，请用 --format 指定 xlsx、csv 或 json。"
            )
        found = Division.objects.filter(code=division.strip()).first()
        if found is None:
            raise CommandError(f"没有区划代码为“{division}”的区划。")
        scope = None
        if domain is not None:
            scope = Domain.objects.filter(name=domain.strip()).first()
            if scope is None:
                raise CommandError(f"没有名为“{domain}”的领域。")
        if not path.parent.is_dir():
            raise CommandError(f"输出目录“{path.parent}”不存在。")

        stats = _write_atomically(path, kind, division=found, domain=scope)

        size = path.stat().st_size
        what = f"{stats.sheets} 个工作表、{stats.rows} 行" if kind == "xlsx" else f"{stats.rows} 行"
        self.stdout.write(f"已导出{found.name}目录（{kind}）：{what}，{_human_size(size)} → {path}")
        if not stats.rows:
            self.stderr.write("注意：该目录中没有有效事项。")


def _write_atomically(path: Path, kind: str, **scope):
    """Export into a temporary file next to ``path``, then move it into place.

    A failed export must not leave a truncated file where the previous good one was.
    """
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        if kind == "xlsx":
            with os.fdopen(handle, "wb") as stream:
                stats = export_workbook(stream=stream, **scope)
        else:
            # The CSV export writes its own byte-order mark, so plain UTF-8 here.
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                export = export_csv if kind == "csv" else export_json
                stats = export(stream=stream, **scope)
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return stats


def _human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
