"""Service guides (办事指南) synced from the provincial platform, and the record of each sync run.

A guide is a copy of what the platform holds for one service item, normalised (placeholders
emptied, HTML sanitised) and keyed by the platform's ``unifyId``. Guides are written only by
``guides.sync``; a guide the platform no longer lists is marked withdrawn, never deleted, so
that links to it keep working and say what happened.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from districts.models import Division

# The ten elements of a guide that the national website inspection requires
# (政府网站与政务新媒体检查指标), in the order a guide page shows them: (label, model fields).
KEY_ELEMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("事项名称", ("name",)),
    ("设定依据", ("according",)),
    ("申请条件", ("acceptance_condition",)),
    ("办理材料", ("materials",)),
    ("办理地点", ("transact_addr",)),
    ("办理机构", ("org_name", "dept_name")),
    ("收费标准", ("is_charge", "charges")),
    ("办理时间", ("transact_time",)),
    ("联系电话", ("consult_tel", "complaint_tel")),
    ("办理流程", ("process",)),
)


class GuideQuerySet(models.QuerySet):
    def active(self) -> GuideQuerySet:
        """Return the guides the platform still lists."""
        return self.filter(status=Guide.Status.ACTIVE)

    def in_area(self, area_code: str) -> GuideQuerySet:
        return self.filter(area_code=area_code)


class Guide(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("在办")
        WITHDRAWN = "withdrawn", _("已取消")

    unify_id = models.CharField(_("平台事项标识(unifyId)"), max_length=64, unique=True)
    name = models.CharField(_("事项名称"), max_length=300)
    # The name as catalog entries are matched on it (see guides.normalise.name_key).
    name_key = models.CharField(_("名称匹配键"), max_length=300, db_index=True)
    rights_code = models.CharField(_("基本编码"), max_length=40, blank=True, db_index=True)
    task_code = models.CharField(_("实施编码"), max_length=64, blank=True, db_index=True)
    yw_code = models.CharField(_("业务办理项编码"), max_length=64, blank=True)
    type_name = models.CharField(_("事项类型"), max_length=40, blank=True)
    area_code = models.CharField(_("区划代码"), max_length=12, db_index=True)
    division = models.ForeignKey(
        Division,
        verbose_name=_("区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="guides",
    )
    # Which of the platform's lists (1 个人, 2 法人) carry the item.
    audiences = models.JSONField(_("服务对象类别"), default=list, blank=True)

    org_name = models.CharField(_("实施机构"), max_length=300, blank=True)
    dept_name = models.CharField(_("办理部门"), max_length=300, blank=True)
    serve_object = models.CharField(_("服务对象"), max_length=300, blank=True)
    scheme_levels = models.CharField(_("行使层级"), max_length=200, blank=True)

    # Rich text fields hold HTML sanitised by guides.normalise; the others hold plain text.
    acceptance_condition = models.TextField(_("申请条件"), blank=True)
    according = models.TextField(_("设定依据"), blank=True)
    applicant_power = models.TextField(_("申请人权利"), blank=True)
    applicant_duty = models.TextField(_("申请人义务"), blank=True)
    approve_limit = models.CharField(_("法定办结时限"), max_length=100, blank=True)
    approve_limit_explain = models.TextField(_("法定办结时限说明"), blank=True)
    commitment_limit = models.CharField(_("承诺办结时限"), max_length=100, blank=True)
    commitment_limit_explain = models.TextField(_("承诺办结时限说明"), blank=True)
    is_charge = models.BooleanField(_("是否收费"), null=True, blank=True)
    charges = models.JSONField(_("收费项目"), default=list, blank=True)
    process = models.TextField(_("办理流程"), blank=True)
    transact_addr = models.TextField(_("办理地点"), blank=True)
    transact_time = models.TextField(_("办理时间"), blank=True)
    consult_tel = models.CharField(_("咨询电话"), max_length=300, blank=True)
    complaint_tel = models.CharField(_("监督投诉电话"), max_length=300, blank=True)
    is_online = models.BooleanField(_("可网上办理"), null=True, blank=True)
    min_seq = models.CharField(_("到现场次数"), max_length=40, blank=True)
    do_scope = models.CharField(_("通办范围"), max_length=200, blank=True)
    materials = models.JSONField(_("申请材料"), default=list, blank=True)
    results = models.JSONField(_("办理结果"), default=list, blank=True)
    online_handle_url = models.URLField(_("网办地址"), max_length=1000, blank=True)

    # sha256 of the normalised record: the platform gives no modification time, so a guide
    # whose hash is unchanged is not written at all.
    content_hash = models.CharField(_("内容摘要"), max_length=64)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    first_synced_at = models.DateTimeField(_("首次同步时间"))
    changed_at = models.DateTimeField(_("内容更新时间"))
    withdrawn_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    objects = GuideQuerySet.as_manager()

    class Meta:
        verbose_name = _("办事指南")
        verbose_name_plural = _("办事指南")
        ordering = ["area_code", "name", "unify_id"]
        constraints = [
            # A withdrawn guide says when; an active one has no withdrawal date.
            models.CheckConstraint(
                condition=Q(status="active", withdrawn_at__isnull=True)
                | Q(status="withdrawn", withdrawn_at__isnull=False),
                name="guides_guide_withdrawn_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("portal:guide", args=[self.unify_id])

    @property
    def public_guide_url(self) -> str:
        """Return the platform's public guide page, built from the contract's URL pattern."""
        query = urlencode(
            {
                "id": self.unify_id,
                "type": "gr" if "1" in self.audiences or not self.audiences else "fr",
                "rightsCode": self.rights_code,
                "ywCode": self.yw_code,
            }
        )
        return f"{settings.PROVINCIAL_PUBLIC_URL}/hnywtb/service/guide.html?{query}"

    @property
    def apply_url(self) -> str:
        """Return where "我要办" goes: the online-handling address, else the public guide page."""
        return self.online_handle_url or self.public_guide_url

    def key_elements(self) -> list[tuple[str, bool]]:
        """Return (label, given) for the ten key elements; given is False when all are empty."""
        return [
            (label, any(getattr(self, f) not in ("", None, []) for f in fields))
            for label, fields in KEY_ELEMENTS
        ]


class SyncRunQuerySet(models.QuerySet):
    def live(self) -> SyncRunQuerySet:
        """Return the running runs whose worker reported within PROVINCIAL_SYNC_STALE_SECONDS."""
        stale_before = timezone.now() - dt.timedelta(seconds=settings.PROVINCIAL_SYNC_STALE_SECONDS)
        return self.filter(status=SyncRun.Status.RUNNING, heartbeat_at__gte=stale_before)


class SyncRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("进行中")
        SUCCEEDED = "succeeded", _("成功")
        PARTIAL = "partial", _("部分失败")
        FAILED = "failed", _("失败")
        INTERRUPTED = "interrupted", _("中断")

    class Kind(models.TextChoices):
        FULL = "full", _("全量同步")
        RETRY = "retry", _("重试失败条目")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("定时任务")
        ADMIN = "admin", _("后台手动")
        COMMAND = "command", _("命令行")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.FULL)
    trigger = models.CharField(_("触发方式"), max_length=10, choices=Trigger.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.RUNNING
    )
    base_url = models.CharField(_("平台地址"), max_length=300)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    retry_of = models.ForeignKey(
        "self",
        verbose_name=_("重试的运行"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="retries",
    )
    # The Celery task that runs it: a redelivered task (its worker died) takes its run over.
    task_id = models.CharField(_("任务标识"), max_length=64, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    heartbeat_at = models.DateTimeField(_("最近活动时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    listed = models.PositiveIntegerField(_("列表事项数"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    changed = models.PositiveIntegerField(_("变更"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)
    withdrawn = models.PositiveIntegerField(_("取消"), default=0)
    failed = models.PositiveIntegerField(_("失败"), default=0)
    requests = models.PositiveIntegerField(_("请求次数"), default=0)
    message = models.TextField(_("说明"), blank=True)

    objects = SyncRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("同步记录")
        verbose_name_plural = _("同步记录")
        ordering = ["-started_at", "-id"]
        constraints = [
            # One run at a time: the second start fails on this index instead of racing.
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="running"),
                name="guides_syncrun_one_running",
            ),
        ]
        permissions = [("run_sync", _("可发起省平台同步"))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}（{self.get_status_display()}）"

    @property
    def is_finished(self) -> bool:
        return self.status != self.Status.RUNNING


class SyncFailure(models.Model):
    class Stage(models.TextChoices):
        THEMES = "themes", _("主题分类")
        LIST = "list", _("事项列表")
        DETAIL = "detail", _("事项详情")
        SAVE = "save", _("保存")
        WITHDRAW = "withdraw", _("取消标记")

    run = models.ForeignKey(
        SyncRun, verbose_name=_("同步记录"), on_delete=models.CASCADE, related_name="failures"
    )
    stage = models.CharField(_("环节"), max_length=10, choices=Stage.choices)
    # Empty for failures of the run as a whole (a list page, the theme list).
    unify_id = models.CharField(_("平台事项标识"), max_length=64, blank=True)
    name = models.CharField(_("事项名称"), max_length=300, blank=True)
    # The lists (1 个人, 2 法人) the item was listed in, so that a retry needs no new listing.
    audiences = models.JSONField(_("服务对象类别"), default=list, blank=True)
    reason = models.TextField(_("原因"))
    resolved_by = models.ForeignKey(
        SyncRun,
        verbose_name=_("由此运行解决"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resolved_failures",
    )

    class Meta:
        verbose_name = _("同步失败条目")
        verbose_name_plural = _("同步失败条目")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.unify_id or str(self.get_stage_display())
