from django.core.management.base import BaseCommand, CommandError

from guides.models import SyncRun
from guides.sync import SyncBusy, sync_full

# Exit codes: 0 succeeded, 1 failed, 2 finished with failed items, 3 another run in progress.
EXIT_FAILED = 1
EXIT_PARTIAL = 2
EXIT_BUSY = 3


class Command(BaseCommand):
    help = "从省一体化平台全量同步办事指南，打印本次的计数；失败时以非零状态退出。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url", help="平台地址（默认取 PROVINCIAL_BASE_URL），如 http://127.0.0.1:8765"
        )

    def handle(self, *args, **options):
        base_url = options.get("base_url")
        if base_url and not base_url.startswith(("http://", "https://")):
            raise CommandError(f"平台地址必须以 http:// 或 https:// 开头：{base_url}")
        try:
            run = sync_full(trigger=SyncRun.Trigger.COMMAND, base_url=base_url)
        except SyncBusy as busy:
            self.stderr.write(str(busy))
            raise SystemExit(EXIT_BUSY) from None
        self.stdout.write(run_summary(run))
        if run.status == SyncRun.Status.FAILED:
            raise SystemExit(EXIT_FAILED)
        if run.status == SyncRun.Status.PARTIAL:
            raise SystemExit(EXIT_PARTIAL)


def run_summary(run: SyncRun) -> str:
    """Return the lines the command prints for ``run``."""
    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0
    lines = [
        f"同步 #{run.pk}：{run.get_status_display()}（{run.base_url}，用时 {seconds:.1f} 秒）",
        f"列表事项 {run.listed}，新增 {run.created}，变更 {run.changed}，未变 {run.unchanged}，"
        f"取消 {run.withdrawn}，失败 {run.failed}，请求 {run.requests} 次",
    ]
    if run.message:
        lines.append(run.message)
    for failure in run.failures.order_by("id")[:20]:
        lines.append(f"  - {failure.get_stage_display()} {failure.unify_id} {failure.reason}")
    more = run.failures.count() - 20
    if more > 0:
        lines.append(f"  …另有 {more} 条失败记录，见管理后台。")
    return "\n".join(lines)
