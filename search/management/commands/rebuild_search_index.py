"""Rebuild the search index from the public content: idempotent, set-based, timed."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from search.indexing import index_kind
from search.models import SearchDocument

Kind = SearchDocument.Kind


class Command(BaseCommand):
    help = "重建站内搜索索引（公开信息、目录事项、办事指南），输出各类条数和用时。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--kind",
            choices=Kind.values,
            action="append",
            help="只重建某一类（可重复）；默认全部。",
        )

    def handle(self, *args, kind=None, **options):
        total, seconds = 0, 0.0
        for name in kind or Kind.values:
            result = index_kind(name)
            n, removed = result.indexed[name], result.removed[name]
            rate = n / result.seconds if result.seconds else 0
            self.stdout.write(
                f"{Kind(name).label}：索引 {n} 条，移除 {removed} 条，"
                f"用时 {result.seconds:.1f} 秒（{rate:.0f} 条/秒）。"
            )
            total += n
            seconds += result.seconds
        self.stdout.write(f"搜索索引重建完成：共 {total} 条，用时 {seconds:.1f} 秒。")
