import sys
import time

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from catalog.workbooks.imports import WorkbookError, import_catalog
from districts.models import Division


class Command(BaseCommand):
    help = (
        "导入标准目录工作簿（.xlsx，或 Excel 97–2003 的 .xls，按文件内容识别）到某个区划的目录。"
        "有任何错误则不写入任何数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="目录工作簿（.xlsx 或 .xls）")
        parser.add_argument("--division", required=True, help="区划代码，如 430102")
        parser.add_argument("--dry-run", action="store_true", help="只预览，不写入")
        parser.add_argument(
            "--user",
            help="以该用户的身份导入（检查其角色和管辖范围，记录为操作人）；"
            "不给则以系统身份导入，不检查权限",
        )
        parser.add_argument("--no-progress", action="store_true", help="不显示进度")

    def handle(self, *args, **options):
        division = Division.objects.filter(code=options["division"]).first()
        if division is None:
            raise CommandError(f"区划代码 {options['division']} 不存在。")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"用户 {options['user']} 不存在或已停用。")
            self.stdout.write(f"以用户 {user.username} 的身份导入。")
        else:
            self.stdout.write("以系统身份导入（未指定 --user：不检查角色和管辖范围）。")
        started = time.monotonic()
        show = not options["no_progress"]

        def progress(done: int, errors: int) -> None:
            if show:
                rate = done / max(time.monotonic() - started, 1e-6)
                sys.stderr.write(f"\r已处理 {done} 行（{rate:.0f} 行/秒），错误 {errors} 行")
                sys.stderr.flush()

        try:
            report = import_catalog(
                source=options["file"],
                division=division,
                user=user,
                dry_run=options["dry_run"],
                progress=progress,
            )
        except WorkbookError as error:
            raise CommandError(error.message) from error
        except PermissionDenied as error:
            raise CommandError(str(error)) from error
        except FileNotFoundError as error:
            raise CommandError(f"找不到文件：{options['file']}") from error
        if show:
            sys.stderr.write("\n")
        for header in report.headers:
            self.stdout.write(f"工作表“{header.sheet}” → 领域“{header.domain}”")
            self.stdout.write("  列对应：" + "；".join(f"{h} → {e}" for h, e in header.mapping))
            if header.extra:
                self.stdout.write("  保留为其他列：" + "、".join(header.extra))
        if options["dry_run"] or options["verbosity"] > 1:
            for outcome in report.outcomes[:500]:
                changed = f"（{'、'.join(outcome.changed)}）" if outcome.changed else ""
                self.stdout.write(
                    f"  {outcome.sheet} 第{outcome.row}行 {outcome.first_level} / "
                    f"{outcome.second_level}：{outcome.status_label}{changed}"
                )
        for error in report.errors[:200]:
            self.stdout.write(f"  错误：{error}")
        if len(report.errors) > 200:
            self.stdout.write(f"  ……另有 {len(report.errors) - 200} 个错误")
        self.stdout.write(
            f"{division.name}：{report.summary()}（用时 {time.monotonic() - started:.1f} 秒）"
        )
        if report.has_errors:
            raise CommandError("导入失败：工作簿有错误，未写入任何数据。")
