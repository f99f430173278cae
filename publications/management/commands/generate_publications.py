"""Generate load data: N publications spread over every division's catalog, in every state."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from catalog.models import CatalogEntry
from publications.models import Publication, PublicationEvent
from publications.signals import publications_loaded
from workcalendar.calendar import CalendarNotCovered, WorkingCalendar
from workcalendar.deadlines import parse_time_limit

User = get_user_model()

# Shares of each state in the generated data, roughly an office's year.
STATES = [
    (Publication.Status.PUBLISHED, 0.70),
    (Publication.Status.DRAFT, 0.15),
    (Publication.Status.SUBMITTED, 0.10),
    (Publication.Status.WITHDRAWN, 0.05),
]
TOPICS = [
    "资金发放情况",
    "名单公示",
    "工作动态",
    "政策解读",
    "办理结果",
    "检查情况通报",
    "实施方案",
]


class Command(BaseCommand):
    help = "生成压测用的公开信息（标记为演示数据）：均匀分布到所有区划的目录事项上。"

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=100_000, help="生成条数（默认 100000）")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子，便于复现")
        parser.add_argument("--authors", type=int, default=40, help="填报人账号数（loadgen_NN）")

    def handle(self, *args, count, seed, authors, **options):
        if count < 1:
            raise CommandError("--count 必须大于 0。")
        entries = list(
            CatalogEntry.objects.public().values_list("pk", "division_id", "time_limit", "subject")
        )
        if not entries:
            raise CommandError("没有已发布的目录事项：请先运行 load_demo_data。")
        rng = random.Random(seed)
        users = self._authors(authors)
        made = self._generate(count, entries, users, rng)
        publications_loaded.send(Publication, stdout=self.stdout)
        # After a bulk load the planner's statistics are stale until autovacuum gets to them;
        # refresh them now, as one would after any bulk load, so the pages use their indexes.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(
            f"已生成公开信息 {made} 条（演示数据），分布在 {len(entries)} 个目录事项上。"
        )

    def _authors(self, n: int) -> list[int]:
        ids = []
        for i in range(1, n + 1):
            user, _ = User.objects.get_or_create(
                username=f"loadgen_{i:02d}",
                defaults={"first_name": f"压测填报员{i:02d}", "is_active": False},
            )
            ids.append(user.pk)
        return ids

    @transaction.atomic
    def _generate(self, count, entries, users, rng) -> int:
        today = timezone.localdate()
        now = timezone.now()
        calendar = WorkingCalendar()
        rules = {}
        statuses = [s for s, _ in STATES]
        weights = [w for _, w in STATES]
        batch, events, made = [], [], 0
        for i in range(count):
            pk, division_id, time_limit, subject = entries[i % len(entries)]
            formed = today - dt.timedelta(days=rng.randint(0, 400))
            rule = rules.setdefault(time_limit, parse_time_limit(time_limit))
            try:
                due, note = rule.due_date(formed, calendar=calendar), rule.note[:300]
            except CalendarNotCovered as error:
                due, note = None, f"期限待定：{error}"[:300]
            status = rng.choices(statuses, weights)[0]
            author = users[i % len(users)]
            stamp = timezone.make_aware(dt.datetime.combine(formed, dt.time(9)))
            item = Publication(
                entry_id=pk,
                division_id=division_id,
                title=f"{formed:%Y年%m月}{TOPICS[i % len(TOPICS)]}（压测{i + 1:06d}）",
                doc_no="",
                body="<p>压测数据（演示），非正式公开信息。</p>",
                formed_on=formed,
                responsible_body=subject or "—",
                status=status,
                due_on=due,
                due_note=note,
                created_by_id=author,
                is_demo=True,
            )
            if status != Publication.Status.DRAFT:
                item.submitted_by_id, item.submitted_at = author, min(stamp, now)
            if status in (Publication.Status.PUBLISHED, Publication.Status.WITHDRAWN):
                lag = dt.timedelta(days=rng.randint(0, 30))
                item.published_at = min(stamp + lag, now)
            if status == Publication.Status.WITHDRAWN:
                item.withdraw_reason = "压测数据：撤销发布"
            batch.append(item)
            if len(batch) == 5000:
                made += self._flush(batch, events)
        made += self._flush(batch, events)
        return made

    def _flush(self, batch, events) -> int:
        if not batch:
            return 0
        created = Publication.objects.bulk_create(batch)
        PublicationEvent.objects.bulk_create(
            [
                PublicationEvent(
                    publication=p,
                    division_id=p.division_id,
                    action=PublicationEvent.Action.CREATE,
                    to_status=p.status,
                    reason="压测数据生成",
                )
                for p in created
            ],
            batch_size=5000,
        )
        n = len(batch)
        batch.clear()
        return n
