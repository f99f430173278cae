from django.core.management.base import BaseCommand

from outbox import services


class Command(BaseCommand):
    help = "把待投递的后台任务交给消息队列（Redis），并报告仍待投递的数量。"

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="包括刚刚记录的（不等30秒宽限期）")

    def handle(self, *args, **options):
        from datetime import timedelta

        grace = timedelta(0) if options["all"] else services.GRACE
        total = 0
        while delivered := services.deliver_pending(limit=500, grace=grace):
            total += delivered
            if delivered < 500:
                break
        self.stdout.write(f"已投递 {total} 个任务；仍待投递 {services.pending_count()} 个。")
