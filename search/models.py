"""The search index: one row per public publication, catalog entry or service guide.

Rows are derived data, written only by ``search.indexing``; ``tokens`` holds the jieba
segmentation of the title and text, lowercased and space-separated, so that PostgreSQL's
``to_tsvector('simple', tokens)`` (stored as the generated column ``tsv`` and GIN-indexed, see
migration 0003; the model does not declare it) and SQLite's space-delimited LIKE see the same
words.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import Domain
from districts.models import Division


class SearchDocument(models.Model):
    class Kind(models.TextChoices):
        PUBLICATION = "publication", _("公开信息")
        ENTRY = "entry", _("目录事项")
        GUIDE = "guide", _("办事指南")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("对象编号"))
    title = models.CharField(_("标题"), max_length=300)
    # Plain text (never HTML): the snippet is cut from it and escaped when shown.
    body = models.TextField(_("摘要来源"), blank=True)
    url = models.CharField(_("网址"), max_length=500)
    division = models.ForeignKey(
        Division,
        verbose_name=_("区划"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    domain = models.ForeignKey(
        Domain,
        verbose_name=_("领域"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    date = models.DateTimeField(_("日期"), null=True, blank=True)
    tokens = models.TextField(_("分词"))
    # The same thing in several divisions shares a key (a catalog entry's second-level item, a
    # guide's 基本编码), so the results show it once; anything else is keyed by itself.
    group_key = models.CharField(_("合并键"), max_length=120, default="")
    # Where the result sits, shown under its title: 领域 · 一级事项 for a catalog entry, the
    # information type and publisher for a publication, the item type and department for a guide.
    context = models.CharField(_("所属"), max_length=300, blank=True)
    indexed_at = models.DateTimeField(_("索引时间"), auto_now=True)

    class Meta:
        verbose_name = _("搜索索引条目")
        verbose_name_plural = _("搜索索引条目")
        constraints = [
            # Indexing upserts on this key, so running it twice never duplicates a result.
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_object"),
        ]
        indexes = [
            models.Index(fields=["-date", "-id"], name="search_doc_date"),
            models.Index(fields=["kind", "-date"], name="search_doc_kind_date"),
            models.Index(fields=["division", "-date"], name="search_doc_division_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.title}"

    def get_absolute_url(self) -> str:
        return self.url


class SearchSynonym(models.Model):
    """Two ways of naming the same thing: what people type (低保) and the official name.

    The city's staff keep these; a query holding either side also finds the other (one hop:
    医保 finds 医疗保障 and 基本医疗保险, but 医疗保障 finds only 医保). Both sides are stored
    folded (``search.text.normalise``) so that the lookup is a plain dictionary read.
    """

    term = models.CharField(_("常用说法"), max_length=40, help_text=_("群众习惯的说法，如“低保”。"))
    equivalent = models.CharField(
        _("规范名称"), max_length=60, help_text=_("政策文件中的名称，如“最低生活保障”。")
    )
    note = models.CharField(
        _("来源或说明"), max_length=200, blank=True, help_text=_("依据的文件、网页或说明。")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("搜索同义词")
        verbose_name_plural = _("搜索同义词")
        ordering = ["term", "equivalent"]
        constraints = [
            # The fixture loader upserts on this pair, so loading twice never duplicates one.
            models.UniqueConstraint(
                fields=["term", "equivalent"],
                name="search_synonym_pair",
                violation_error_message=_("这对同义词已经录入过了。"),
            ),
            # A word equivalent to itself would only widen every query that holds it.
            models.CheckConstraint(
                condition=~models.Q(term=models.F("equivalent")),
                name="search_synonym_distinct",
                violation_error_message=_("常用说法和规范名称不能相同。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term} ↔ {self.equivalent}"


class SearchQueryStat(models.Model):
    """How often one query was searched in one ISO week, and whether it found anything.

    Anonymous and aggregated by design: no address, session or user is kept, only the folded
    query text, the week and counters (raised in place by one upsert per search).
    """

    query = models.CharField(_("搜索词"), max_length=60)
    week = models.DateField(_("周（周一）"), help_text=_("ISO 周的星期一。"))
    searches = models.PositiveIntegerField(_("搜索次数"), default=0)
    zero_result_searches = models.PositiveIntegerField(_("无结果次数"), default=0)
    last_result_count = models.PositiveIntegerField(_("最近一次结果数"), default=0)

    class Meta:
        verbose_name = _("搜索词统计")
        verbose_name_plural = _("搜索词统计")
        constraints = [
            # The upsert counts on this key: one row per query and week.
            models.UniqueConstraint(fields=["query", "week"], name="search_stat_query_week"),
        ]
        indexes = [models.Index(fields=["-week", "-searches"], name="search_stat_week_count")]

    def __str__(self) -> str:
        return f"{self.week:%G-W%V} · {self.query}"


class ZeroResultQuery(SearchQueryStat):
    """The queries that found nothing: what the portal lacks, or names differently."""

    class Meta:
        proxy = True
        verbose_name = _("无结果搜索")
        verbose_name_plural = _("无结果搜索")
