from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings

from catalog.demo import build_reference_catalog
from catalog.demo_departments import build_demo_departments
from catalog.models import CatalogEntry, Domain, DomainReview, ReviewStatus
from catalog.review import catalog_publish_as_loaded
from catalog.services import catalog_derive_tree
from disclosure.demo import build_demo_guides
from districts.models import Department, Division, Role
from districts.services import demo_user, membership_grant
from foi.demo import build_demo_requests
from publications.demo import build_demo_publications
from publications.demo_year import build_demo_year
from publications.models import Publication
from search.models import SearchDocument

DEMO_PASSWORD = "demo-2026"
# (username, 姓名, division code, role): one account for each role at each level. The names
# are made up; the admin shows them (with the department, for department staff).
DEMO_ACCOUNTS = [
    ("city_admin", "周建华", "430100", Role.ADMINISTRATOR),
    ("city_reviewer", "陈静", "430100", Role.REVIEWER),
    ("city_editor", "刘洋", "430100", Role.EDITOR),
    ("furong_admin", "李卫东", "430102", Role.ADMINISTRATOR),
    ("furong_reviewer", "张敏", "430102", Role.REVIEWER),
    ("furong_editor", "赵磊", "430102", Role.EDITOR),
    ("wenyilu_admin", "黄丽", "430102001", Role.ADMINISTRATOR),
    ("wenyilu_reviewer", "吴刚", "430102001", Role.REVIEWER),
    ("wenyilu_editor", "杨帆", "430102001", Role.EDITOR),
    ("furong_leader", "欧阳明", "430102", Role.LEADER),
    ("wenyilu_leader", "谭志强", "430102001", Role.LEADER),
]
# (username, 姓名, division code, role, department): staff of a department, who see and
# edit only what their department owns.
DEMO_DEPARTMENT_ACCOUNTS = [
    ("furong_minzheng", "王芳", "430102", Role.EDITOR, "区民政局"),
    ("wenyilu_shiwu", "彭小红", "430102001", Role.EDITOR, "街道社会事务办"),
    ("city_minzheng", "孙丽萍", "430100", Role.REVIEWER, "市民政局"),
]
# (domain, city department, mode): the districts' changes in these domains go to that city
# department's reviewers first (市直业务部门审核把关), then to the city office.
DEMO_DOMAIN_REVIEWS = [("社会救助", "市民政局", DomainReview.Mode.BEFORE)]
# Divisions whose releases wait for their leader's sign-off (签发) in the demo.
DEMO_SIGNOFF = ["430102001"]


class Command(BaseCommand):
    help = "加载演示数据：市级参考目录（26 个领域）、各区县和乡镇(街道)的派生目录、各角色演示账号。"

    def handle(self, *args, **options):
        call_command("load_reference_data", stdout=self.stdout)
        city = Division.objects.root()
        if city is None:
            raise CommandError("没有市级区划，参考数据未加载。")
        created = build_reference_catalog(city=city, directory=settings.DEMO_CATALOG_DIR)
        # Townships cut the district's catalog down to what they publish (做减法): the demo
        # derives by 公开层级, so a 乡镇(街道) holds no 市级|县级-only licence.
        derived = sum(r.created for r in catalog_derive_tree(root=city, user=None, by_level=True))
        self.stdout.write(f"市级参考目录新增 {created} 项；派生目录新增 {derived} 项。")
        # The demo catalog comes from published pages: take it as published, once.
        fresh = list(
            CatalogEntry.objects.filter(
                is_demo=True, status=ReviewStatus.DRAFT, published_values__isnull=True
            ).values_list("pk", flat=True)
        )
        if fresh:
            published = catalog_publish_as_loaded(entry_ids=fresh)
            self.stdout.write(f"演示目录按已发布载入 {published} 项。")

        made_departments = build_demo_departments(Division.objects.order_by("tree_id", "lft"))
        self.stdout.write(f"演示部门新增 {made_departments} 个（市、区县、乡镇街道的常设部门）。")
        for domain_name, department_name, mode in DEMO_DOMAIN_REVIEWS:
            DomainReview.objects.update_or_create(
                domain=Domain.objects.get(name=domain_name),
                defaults={
                    "department": Department.objects.get(division=city, name=department_name),
                    "mode": mode,
                },
            )
            self.stdout.write(f"市直部门分领域审核：{domain_name} → {department_name}。")
        Division.objects.filter(code__in=DEMO_SIGNOFF).update(signoff_required=True)

        divisions = {
            d.code: d for d in Division.objects.filter(code__in={a[2] for a in DEMO_ACCOUNTS})
        }
        self.stdout.write(f"演示账号（仅供演示，密码均为 {DEMO_PASSWORD}）：")
        for username, full_name, code, role in DEMO_ACCOUNTS:
            user = demo_user(username=username, full_name=full_name, password=DEMO_PASSWORD)
            membership_grant(user=user, division=divisions[code], role=role)
            self.stdout.write(
                f"  {username:<18} {full_name} · {divisions[code].name} · {Role(role).label}"
            )
        for username, full_name, code, role, department_name in DEMO_DEPARTMENT_ACCOUNTS:
            user = demo_user(username=username, full_name=full_name, password=DEMO_PASSWORD)
            department = Department.objects.get(division=divisions[code], name=department_name)
            membership_grant(user=user, division=divisions[code], role=role, department=department)
            self.stdout.write(
                f"  {username:<18} {full_name} · {divisions[code].name} · {department.name} · "
                f"{Role(role).label}"
            )

        # The demo's history is built, not lived: nobody needs e-mail about it.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            made = build_demo_publications()
        self.stdout.write(f"演示公开信息新增 {made} 条（草稿、待审核、已退回、已发布各有）。")
        # The search index is rebuilt at the end, so the bulk load need not re-index on its own.
        year = build_demo_year(notify=False)
        self.stdout.write(f"演示公开信息（各区划一年的已发布信息）新增 {year} 条。")
        guides = build_demo_guides()
        self.stdout.write(f"演示政府信息公开指南新增 {guides} 份。")
        requests = build_demo_requests()
        self.stdout.write(
            f"演示政府信息公开申请新增 {requests} 件（芙蓉区、文艺路街道，各种办理状态）。"
        )

        self.stdout.write(
            f"统计：区划 {Division.objects.count()}"
            f"（市 {Division.objects.filter(level=Division.Level.CITY).count()}、"
            f"区县 {Division.objects.counties().count()}、"
            f"乡镇街道 {Division.objects.townships().count()}），"
            f"领域 {Domain.objects.count()}，"
            f"目录事项 {CatalogEntry.objects.filter(is_demo=True).count()}（演示数据），"
            f"公开信息 {Publication.objects.filter(is_demo=True).count()}（演示数据）。"
        )
        # The catalog was indexed as it was published (above); the publications were written in
        # bulk without indexing, so they are indexed here, set-based.
        call_command("rebuild_search_index", kind=["publication"], stdout=self.stdout)
        self._vacuum_after_bulk_load()

    def _vacuum_after_bulk_load(self) -> None:
        """On PostgreSQL, vacuum and analyse the tables just filled in bulk, as after any bulk
        load: until autovacuum gets to them the visibility map is empty, so the home page's
        count of public entries (an index-only scan on entry_public_division) reads the whole
        table instead. VACUUM cannot run inside a transaction (a test's), where it is left out.
        """
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            return
        with connection.cursor() as cursor:
            for model in (CatalogEntry, Publication, SearchDocument):
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"VACUUM (ANALYZE) {table}")
