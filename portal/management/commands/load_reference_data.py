from django.conf import settings
from django.core.management.base import BaseCommand

from catalog.reference import channels_load, domains_load
from districts.services import divisions_load
from publications.reference import themes_load, types_load
from search.services import synonyms_load
from workcalendar.services import calendar_seed_from_package


class Command(BaseCommand):
    help = "加载参考数据（行政区划、试点领域、公开渠道、信息类型、主题分类），可重复运行。"

    def handle(self, *args, **options):
        fixtures = settings.FIXTURES_DIR
        for label, loader, name in (
            ("行政区划", divisions_load, "divisions.csv"),
            ("试点领域", domains_load, "domains.csv"),
            ("公开渠道和载体", channels_load, "channels.csv"),
            ("信息类型", types_load, "publication_types.csv"),
            ("主题分类", themes_load, "themes.csv"),
            ("搜索同义词", synonyms_load, "search_synonyms.csv"),
        ):
            report = loader(path=fixtures / name)
            self.stdout.write(f"{label}：{report}")
        created = calendar_seed_from_package()
        self.stdout.write(
            f"工作日历：新录入{created}年（chinesecalendar 覆盖的年份，已录入的年份不覆盖）"
        )
