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
