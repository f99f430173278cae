"""The standard catalog: domains, first/second-level items, channels, and per-division entries.

A catalog entry is one second-level item as one division discloses it. District entries derive
from the city's and township entries from their district's; each derived entry names its source.
Writes go through ``catalog.services``; see ``docs/DESIGN.md`` ("The model, in words") for the
derivation rules.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from districts.models import Department, Division, within_q
from guides.models import Guide
from portal.review_kernel import ReviewEvent, ReviewTrail, submitted_at_constraint

# Element, SCALAR_ELEMENTS and ELEMENT_COLUMNS are declared by the registry; re-exported here.
from .elements import (  # noqa: F401
    ELEMENT_COLUMNS,
    SCALAR_ELEMENTS,
    Element,
    chosen_labels,
    entry_flag_labels,
)


class Domain(models.Model):
    """One of the 26 pilot domains (试点领域), or one a city added."""

    name = models.CharField(_("领域名称"), max_length=50, unique=True)
    slug = models.SlugField(_("网址标识"), max_length=80, unique=True)
    display_order = models.PositiveIntegerField(_("显示顺序"), default=0)
    issuing_department = models.CharField(_("标准指引印发部门"), max_length=100, blank=True)
    doc_no = models.CharField(_("文号"), max_length=100, blank=True)
    issue_date = models.CharField(_("印发日期"), max_length=40, blank=True)
    source = models.TextField(_("来源"), blank=True)

    class Meta:
        verbose_name = _("领域")
        verbose_name_plural = _("领域")
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name


class FirstLevelItem(models.Model):
    domain = models.ForeignKey(
        Domain, verbose_name=_("领域"), on_delete=models.PROTECT, related_name="first_level_items"
    )
    name = models.CharField(_("一级事项"), max_length=200)
    display_order = models.PositiveIntegerField(_("显示顺序"), default=0)

    class Meta:
        verbose_name = _("一级事项")
        verbose_name_plural = _("一级事项")
        ordering = ["domain__display_order", "display_order", "name"]
        constraints = [
            # The workbook's natural key: a first-level item is named once per domain.
            models.UniqueConstraint(fields=["domain", "name"], name="first_level_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.domain.name} / {self.name}"


class SecondLevelItem(models.Model):
    first_level = models.ForeignKey(
        FirstLevelItem,
        verbose_name=_("一级事项"),
        on_delete=models.PROTECT,
        related_name="second_level_items",
    )
    name = models.CharField(_("二级事项"), max_length=300)
    display_order = models.PositiveIntegerField(_("显示顺序"), default=0)

    class Meta:
        verbose_name = _("二级事项")
        verbose_name_plural = _("二级事项")
        ordering = [
            "first_level__domain__display_order",
            "first_level__display_order",
            "display_order",
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["first_level", "name"], name="second_level_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_level.domain.name} / {self.first_level.name} / {self.name}"


class DomainReview(models.Model):
    """A city department that reviews the district catalogs' changes in one domain.

    市直业务部门审核把关: where the city administrator assigns, say, 市民政局 to 社会救助, the
    districts' submitted entries of that domain go to that department's reviewers, either
    instead of the city's disclosure office or before it (the office then publishes what the
    department passed on). Township catalogs stay with their district's office.
    """

    class Mode(models.TextChoices):
        BEFORE = "before", _("业务部门先审，再由市政务公开办审核发布")
        INSTEAD = "instead", _("由业务部门审核发布（代替市政务公开办）")

    domain = models.OneToOneField(
        Domain, verbose_name=_("领域"), on_delete=models.CASCADE, related_name="city_review"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("市直业务部门"),
        on_delete=models.PROTECT,
        related_name="domain_reviews",
    )
    mode = models.CharField(_("审核方式"), max_length=10, choices=Mode.choices, default=Mode.BEFORE)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("市直部门分领域审核")
        verbose_name_plural = _("市直部门分领域审核")
        ordering = ["domain__display_order", "domain__name"]

    def __str__(self) -> str:
        return f"{self.domain.name} → {self.department.name}"


class Channel(models.Model):
    """A disclosure channel (公开渠道和载体): the 13 standard ones, plus any a city adds."""

    name = models.CharField(_("渠道名称"), max_length=100, unique=True)
    display_order = models.PositiveIntegerField(_("显示顺序"), default=0)
    is_standard = models.BooleanField(_("标准渠道"), default=False)

    class Meta:
        verbose_name = _("公开渠道和载体")
        verbose_name_plural = _("公开渠道和载体")
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name


def describe_value(element: str, value: Any) -> str:
    """Return a value (as ``display_value`` gives it) as the text staff read on a page."""
    if value is None or value == "" or value == []:
        return "—"
    if element == Element.CHANNELS:
        return "、".join(str(v) for v in value)
    if element in (Element.AUDIENCE, Element.MODE) and isinstance(value, list):
        return "、".join(chosen_labels(element, value)) or "—"
    if element == Element.LEVELS and isinstance(value, list):
        return "；".join(
            f"{lvl.get('level', '')}：{'、'.join(lvl.get('channels', []))}"
            for lvl in value
            if isinstance(lvl, dict)
        )
    if element == Element.ITEM_TYPE and value in CatalogEntry.ItemType.values:
        return str(CatalogEntry.ItemType(value).label)
    return str(value)


class ReviewStatus(models.TextChoices):
    """Where an entry stands in review: the office above approves before the public sees it."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    PUBLISHED = "published", _("已发布")


class CatalogEntryQuerySet(models.QuerySet):
    def active(self) -> CatalogEntryQuerySet:
        return self.filter(is_dropped=False)

    def in_division(self, division: Division) -> CatalogEntryQuerySet:
        return self.filter(division=division)

    def within(self, division: Division) -> CatalogEntryQuerySet:
        """Return the entries of ``division`` and of every division below it."""
        return self.filter(within_q(division, prefix="division__"))

    def in_domain(self, domain: Domain) -> CatalogEntryQuerySet:
        return self.filter(item__first_level__domain=domain)

    def with_item(self) -> CatalogEntryQuerySet:
        """Join the item, its first-level item, domain and division (the list-page bundle)."""
        return self.select_related("item__first_level__domain", "division", "source")

    def with_elements(self) -> CatalogEntryQuerySet:
        return self.with_item().prefetch_related("channels")

    def public(self) -> CatalogEntryQuerySet:
        """Return the entries the public sees: approved at least once and not dropped then."""
        return self.filter(published_values__isnull=False).exclude(
            published_values__is_dropped=True
        )

    def awaiting_review(self) -> CatalogEntryQuerySet:
        return self.filter(status=ReviewStatus.SUBMITTED)

    def needing_attention(self) -> CatalogEntryQuerySet:
        """Return entries whose source changed an element that this entry had personalised."""
        return self.exclude(upstream_changed=[])

    def in_catalog_order(self) -> CatalogEntryQuerySet:
        # Ids break ties so that a domain's and a first-level item's entries stay together.
        return self.order_by(
            "item__first_level__domain__display_order",
            "item__first_level__domain_id",
            "item__first_level__display_order",
            "item__first_level_id",
            "item__display_order",
            "item_id",
        )

    def counts_by_division(self) -> dict[int, int]:
        return dict(
            self.values_list("division").annotate(n=Count("id")).values_list("division", "n")
        )


class CatalogEntry(ReviewTrail):
    class ItemType(models.TextChoices):
        SERVICE = "service", _("政务服务事项")
        NON_SERVICE = "non_service", _("非政务服务事项")

    class DropReason(models.TextChoices):
        OWN = "own", _("本级删减")
        UPSTREAM = "upstream", _("上级删减")

    # No index of its own: entry_unique_item (division, item) leads with it, and every index
    # is paid on each of a derivation's rows (city scale: 276,018).
    division = models.ForeignKey(
        Division,
        verbose_name=_("区划"),
        on_delete=models.PROTECT,
        related_name="catalog_entries",
        db_index=False,
    )
    item = models.ForeignKey(
        SecondLevelItem,
        verbose_name=_("二级事项"),
        on_delete=models.PROTECT,
        related_name="entries",
    )
    source = models.ForeignKey(
        "self",
        verbose_name=_("来源事项"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="derived",
        help_text=_("上级目录中的同一事项；市级参考目录和本级新增事项没有来源。"),
    )
    # Who inside the division owns the item: not a disclosure element (never reviewed or
    # derived); the division's office assigns it, and a department's editors see only theirs.
    department = models.ForeignKey(
        "districts.Department",
        verbose_name=_("承办部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="catalog_entries",
        db_index=False,  # a partial index below: most entries have none
    )

    # The disclosure elements.
    content = models.TextField(_("公开内容(要素)"), blank=True)
    basis = models.TextField(_("公开依据"), blank=True)
    time_limit = models.CharField(_("公开时限"), max_length=200, blank=True)
    subject = models.CharField(_("公开主体"), max_length=500, blank=True)
    channels = models.ManyToManyField(
        Channel, verbose_name=_("公开渠道和载体"), blank=True, related_name="entries"
    )
    audience_all = models.BooleanField(_("公开对象：全社会"), default=True)
    audience_specific = models.BooleanField(_("公开对象：特定群体"), default=False)
    mode_active = models.BooleanField(_("公开方式：主动"), default=True)
    mode_on_request = models.BooleanField(_("公开方式：依申请"), default=False)
    levels = models.JSONField(
        _("公开层级"),
        default=list,
        blank=True,
        help_text=_('各公开层级及其渠道，如 [{"level": "县级", "channels": ["政府网站"]}]。'),
    )
    item_type = models.CharField(
        _("事项类型"), max_length=20, choices=ItemType.choices, default=ItemType.NON_SERVICE
    )
    service_name = models.CharField(_("对应本级政务服务事项名称"), max_length=300, blank=True)
    content_title = models.CharField(_("公开内容标题"), max_length=300, blank=True)
    upload_form = models.CharField(_("公开内容上传形式"), max_length=200, blank=True)
    remarks = models.TextField(_("备注"), blank=True)
    extra = models.JSONField(_("其他列"), default=dict, blank=True)

    # Derivation state.
    overridden = models.JSONField(
        _("个性要素"), default=list, blank=True, help_text=_("本级改动过、不再跟随上级的要素。")
    )
    upstream_changed = models.JSONField(
        _("上级已调整的要素"),
        default=list,
        blank=True,
        help_text=_("本级已改动、而上级随后又调整了的要素，待本级决定是否采用。"),
    )
    is_dropped = models.BooleanField(_("已删减"), default=False)
    drop_reason = models.CharField(
        _("删减原因"), max_length=20, choices=DropReason.choices, blank=True
    )
    is_demo = models.BooleanField(_("演示数据"), default=False)

    # Review state (who submitted and reviewed, when, the return reason and the publish time
    # come from ``ReviewTrail``). The public reads ``published_values``, the snapshot taken when
    # the office above approved; staff edit the working copy above, so published text never
    # changes in place.
    status = models.CharField(
        _("审核状态"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    # Where a city department checks a domain before the city office (DomainReview, mode
    # "before"): who passed the submission on, and when; cleared when it is submitted anew.
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("业务审核人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # a partial index below: most entries have none
    )
    checked_at = models.DateTimeField(_("业务审核时间"), null=True, blank=True)
    published_values = models.JSONField(_("已发布内容"), null=True, blank=True, editable=False)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # a partial index below: loaded and derived entries have none
    )

    objects = CatalogEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("目录事项")
        verbose_name_plural = _("目录事项")
        constraints = [
            # The natural key of a catalog line: one entry per second-level item per division.
            models.UniqueConstraint(fields=["division", "item"], name="entry_unique_item"),
            # A dropped entry says why; an active one carries no reason.
            models.CheckConstraint(
                condition=Q(is_dropped=True, drop_reason__in=["own", "upstream"])
                | Q(is_dropped=False, drop_reason=""),
                name="entry_drop_reason",
            ),
            # A published entry has what the public reads; a submitted one says when it was sent.
            models.CheckConstraint(
                condition=~Q(status="published")
                | Q(published_values__isnull=False, published_at__isnull=False),
                name="entry_published_snapshot",
            ),
            submitted_at_constraint("entry_submitted_at"),
        ]
        indexes = [
            models.Index(fields=["division", "is_dropped"], name="entry_division_active"),
            models.Index(fields=["status", "division"], name="entry_status_division"),
            # Partial: only rows that name someone are indexed (deleting a user or department
            # looks them up); the many that name nobody cost a derivation nothing.
            models.Index(
                fields=["department"],
                condition=Q(department__isnull=False),
                name="entry_department",
            ),
            models.Index(
                fields=["checked_by"],
                condition=Q(checked_by__isnull=False),
                name="entry_checked_by",
            ),
            models.Index(
                fields=["updated_by"],
                condition=Q(updated_by__isnull=False),
                name="entry_updated_by",
            ),
            # The public entries (``public()``) per division, which the home page's map and the
            # columns count: an index-only count, where a scan of the whole table (wide rows:
            # 527 MB for the demo city on PostgreSQL) took 160 ms. Derived entries are inserted
            # unpublished, outside it, so derivation does not maintain it. SQLite cannot use it
            # (its query binds the JSON path as a parameter; tests/catalog/test_public_index.py).
            models.Index(
                fields=["division", "id"],
                condition=Q(published_values__isnull=False) & ~Q(published_values__is_dropped=True),
                name="entry_public_division",
            ),
        ]
        permissions = [("review_catalogentry", _("可审核目录事项"))]

    def __str__(self) -> str:
        return f"{self.division.name} · {self.item.name}"

    def get_absolute_url(self) -> str:
        return reverse("portal:entry", kwargs={"pk": self.pk})

    @property
    def domain(self) -> Domain:
        return self.item.first_level.domain

    @property
    def first_level(self) -> FirstLevelItem:
        return self.item.first_level

    @property
    def published(self) -> PublishedEntry | None:
        """Return the entry as last approved (what the public reads), or None if never."""
        if self.published_values is None:
            return None
        return PublishedEntry(self.published_values)

    def audience_labels(self) -> list[str]:
        """Return 公开对象 as labels, e.g. ["全社会"]."""
        return entry_flag_labels(self, Element.AUDIENCE)

    def mode_labels(self) -> list[str]:
        """Return 公开方式 as labels, e.g. ["主动", "依申请"]."""
        return entry_flag_labels(self, Element.MODE)


class PublishedEntry:
    """An entry's published snapshot, read like the entry: the public pages render this."""

    def __init__(self, values: dict[str, Any]):
        self.values = values

    def __getattr__(self, name: str) -> Any:
        if name in SCALAR_ELEMENTS:
            return self.values.get(name, "")
        raise AttributeError(name)

    @property
    def channels(self) -> list[str]:
        return list(self.values.get("channels") or [])

    @property
    def is_dropped(self) -> bool:
        return bool(self.values.get("is_dropped"))

    def audience_labels(self) -> list[str]:
        """Return the published 公开对象 as labels."""
        return chosen_labels(Element.AUDIENCE, self.values.get("audience") or [])

    def mode_labels(self) -> list[str]:
        """Return the published 公开方式 as labels."""
        return chosen_labels(Element.MODE, self.values.get("mode") or [])

    def get_item_type_display(self) -> str:
        value = self.values.get("item_type")
        if value in CatalogEntry.ItemType.values:
            return str(CatalogEntry.ItemType(value).label)
        return value or ""


class CatalogEvent(ReviewEvent):
    """One recorded write to a catalog: who did what, when, to which entry and element."""

    class Action(models.TextChoices):
        CREATE = "create", _("新增事项")
        DERIVE = "derive", _("生成下级目录")
        PERSONALISE = "personalise", _("调整要素")
        FOLLOW = "follow", _("随上级更新")
        UPSTREAM_MOVED = "upstream_moved", _("上级已调整")
        ACCEPT_UPSTREAM = "accept_upstream", _("采用上级要素")
        KEEP_OWN = "keep_own", _("保留本级要素")
        DROP = "drop", _("删减事项")
        RESTORE = "restore", _("恢复事项")
        IMPORT = "import", _("导入目录工作簿")
        SUBMIT = "submit", _("提交审核")
        RECALL = "recall", _("撤回提交")
        APPROVE = "approve", _("审核通过并发布")
        RETURN = "return", _("退回修改")
        ASSIGN = "assign", _("指定承办部门")
        CHECK = "check", _("业务部门审核通过")

    # The division, the user, the time and the reason come from ``ReviewEvent``.
    entry = models.ForeignKey(
        CatalogEntry,
        verbose_name=_("目录事项"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    element = models.CharField(_("要素"), max_length=20, choices=Element.choices, blank=True)
    old_value = models.JSONField(_("原值"), null=True, blank=True)
    new_value = models.JSONField(_("新值"), null=True, blank=True)
    detail = models.JSONField(_("说明"), default=dict, blank=True)
    from_status = models.CharField(
        _("原状态"), max_length=20, choices=ReviewStatus.choices, blank=True
    )
    to_status = models.CharField(
        _("新状态"), max_length=20, choices=ReviewStatus.choices, blank=True
    )

    class Meta(ReviewEvent.Meta):
        verbose_name = _("目录操作记录")
        verbose_name_plural = _("目录操作记录")

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.division}"

    def old_text(self) -> str:
        return describe_value(self.element, self.old_value) if self.element else ""

    def new_text(self) -> str:
        return describe_value(self.element, self.new_value) if self.element else ""


class GuideLink(models.Model):
    """The service guide that a service-item entry's "我要看 / 我要办" lead to.

    Ties are made automatically by code or by the normalised 对应本级政务服务事项名称 in the
    entry's county-level area (catalog.guide_links), or by staff by hand; a hand-made tie is
    never replaced automatically.
    """

    class Method(models.TextChoices):
        CODE = "code", _("按事项编码")
        NAME = "name", _("按事项名称")
        MANUAL = "manual", _("人工关联")

    entry = models.OneToOneField(
        CatalogEntry,
        verbose_name=_("目录事项"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="guide_link",
    )
    guide = models.ForeignKey(
        Guide, verbose_name=_("办事指南"), on_delete=models.PROTECT, related_name="entry_links"
    )
    method = models.CharField(_("关联方式"), max_length=10, choices=Method.choices)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("关联人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    linked_at = models.DateTimeField(_("关联时间"))

    class Meta:
        verbose_name = _("目录事项与办事指南的关联")
        verbose_name_plural = _("目录事项与办事指南的关联")

    def __str__(self) -> str:
        return f"{self.entry_id} → {self.guide}"


class CatalogJob(models.Model):
    """Catalog work that runs in a worker, not in the request: a workbook's preview and
    import, and deriving catalogs. Its page shows the progress, then the outcome.

    An uploaded workbook is kept under ``CATALOG_IMPORT_DIR`` by a name of ours while its
    preview waits for confirmation, and removed when the import ran, failed, was abandoned,
    or expired (``catalog.jobs.sweep``).
    """

    class Kind(models.TextChoices):
        PREVIEW = "preview", _("导入预览")
        IMPORT = "import", _("导入")
        DERIVE = "derive", _("生成下级目录")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("处理中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        EXPIRED = "expired", _("已过期")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    division = models.ForeignKey(
        Division, verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    stored_name = models.CharField(_("存储名"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    with_children = models.BooleanField(_("含下级区划"), default=False)
    # A derivation that copies only the entries whose 公开层级 reach each division's own level.
    by_level = models.BooleanField(_("按公开层级生成"), default=False)
    preview = models.ForeignKey(
        "self",
        verbose_name=_("所确认的预览"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    message = models.TextField(_("说明"), blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)

    class Meta:
        verbose_name = _("目录后台任务")
        verbose_name_plural = _("目录后台任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} · {self.division}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED)
