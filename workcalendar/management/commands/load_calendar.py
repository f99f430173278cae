from django.core.management.base import BaseCommand

from workcalendar.services import calendar_seed_from_package, package_years


class Command(BaseCommand):
    help = "从 chinesecalendar 数据包加载法定节假日和调休上班日（已录入的年份不变），可重复运行。"

    def handle(self, *args, **options):
        years = package_years()
        created = calendar_seed_from_package()
        self.stdout.write(
            f"工作日历：数据包覆盖{years.start}—{years.stop - 1}年，新录入{created}年，"
            f"其余已录入未变"
        )
