"""The 政府信息公开 column's own data: each division's 政府信息公开指南, kept in versions, and
the 政府信息公开工作年度报告 of divisions and their departments."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from districts.models import Department, Division
from portal.review_kernel import ProtectedReviewTrail, submitted_at_constraint


class GuideVersion(models.Model):
    """One version of a division's 政府信息公开指南 (条例 Art. 12): the office's details and the
    editable text around what the portal generates (the catalog, the channels, the fees).

    Versions are never edited or deleted: a change is a new version, and the public page lists
    the earlier ones (the 指南 must be kept current and its history shown, Art. 12 and 53).
    """

    division = models.ForeignKey(
        Division,
        verbose_name=_("区划"),
        on_delete=models.PROTECT,
        related_name="guide_versions",
    )
    version = models.PositiveIntegerField(_("版本"), editable=False)
    office_name = models.CharField(
        _("工作机构"),
        max_length=100,
        help_text=_(
            "负责本级政府信息公开日常工作的机构，如“芙蓉区人民政府办公室（区政务公开办）”。"
        ),
    )
    address = models.CharField(_("办公地址"), max_length=200)
    postcode = models.CharField(
        _("邮政编码"),
        max_length=6,
        blank=True,
        validators=[RegexValidator(r"^\d{6}$", _("邮政编码应为6位数字。"))],
    )
    hours = models.CharField(
        _("办公时间"),
        max_length=100,
        help_text=_("如“工作日上午9:00—12:00，下午13:30—17:00（法定节假日除外）”。"),
    )
    phone = models.CharField(
        _("联系电话"),
        max_length=50,
        validators=[
            RegexValidator(
                r"^[0-9０-９\-—（）() ，,、转]+$", _("电话号码只能含数字、连字符和括号。")
            )
        ],
    )
    fax = models.CharField(
        _("传真"),
        max_length=50,
        blank=True,
        validators=[
            RegexValidator(
                r"^[0-9０-９\-—（）() ，,、转]+$", _("传真号码只能含数字、连字符和括号。")
            )
        ],
    )
    email = models.EmailField(_("电子邮箱"), blank=True)
    intro = models.TextField(
        _("前言"),
        blank=True,
        max_length=2000,
        # A TextField's max_length binds only forms; the validator binds the service too.
        validators=[MaxLengthValidator(2000)],
        help_text=_("留空则使用标准前言。纯文本，空行分段。"),
    )
    arrangement = models.TextField(
        _("主动公开补充说明"),
        blank=True,
        max_length=4000,
        help_text=_(
            "本级主动公开的编排体系、公开场所（档案馆、图书馆、政务服务中心等）等补充说明。"
        ),
    )
    extra = models.TextField(
        _("其他说明"), blank=True, max_length=4000, validators=[MaxLengthValidator(4000)]
    )
    change_note = models.CharField(
        _("修订说明"),
        max_length=200,
        help_text=_("本版与上一版相比改了什么，如“更新办公电话”。"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修订人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    is_demo = models.BooleanField(_("演示数据"), default=False, editable=False)

    class Meta:
        verbose_name = _("政府信息公开指南")
        verbose_name_plural = _("政府信息公开指南")
        ordering = ["division", "-version"]
        constraints = [
            # A version number names one text for good: links to "第3版" never change meaning.
            models.UniqueConstraint(fields=["division", "version"], name="guide_version_unique"),
        ]

    def __str__(self):
        return f"{self.division.name}政府信息公开指南（第{self.version}版）"


class AnnualReportQuerySet(models.QuerySet):
    def published(self) -> AnnualReportQuerySet:
        return self.filter(status=AnnualReport.Status.PUBLISHED)


class AnnualReport(ProtectedReviewTrail):
    """One 政府信息公开工作年度报告 (国办公开办函〔2021〕30号) of a division or of one of its
    departments: the office's narrative sections and typed-in figures around the tables the
    portal computes (disclosure/report/).

    The tables are computed afresh while the report is a draft; submitting keeps what was
    computed (``snapshot``), and that is what the reviewer approves and the public reads.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("审核通过")
        PUBLISHED = "published", _("已发布")

    division = models.ForeignKey(
        Division,
        verbose_name=_("区划"),
        on_delete=models.PROTECT,
        related_name="annual_reports",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="annual_reports",
        help_text=_("留空为本级政府（区划）的年度报告；选择部门则为该部门的年度报告。"),
    )
    year = models.PositiveSmallIntegerField(
        _("报告年度"),
        # The 条例 took effect on 1 May 2008: no report covers an earlier year.
        validators=[MinValueValidator(2008), MaxValueValidator(2100)],
    )
    overview = models.TextField(
        _("一、总体情况"),
        blank=True,
        max_length=20000,
        validators=[MaxLengthValidator(20000)],
        help_text=_("纯文本，空行分段。"),
    )
    problems = models.TextField(
        _("五、存在的主要问题及改进情况"),
        blank=True,
        max_length=10000,
        validators=[MaxLengthValidator(10000)],
    )
    other_matters = models.TextField(
        _("六、其他需要报告的事项"),
        blank=True,
        max_length=10000,
        validators=[MaxLengthValidator(10000)],
    )
    # Figures the office types in: table 二's cells the portal cannot count (or counts that
    # it overrides, shown as 手工填报) and table 四's fifteen; keys in disclosure/report/layout.py.
    figures = models.JSONField(_("手工填报数据"), default=dict, blank=True)
    # The tables as computed when the report was submitted: what is reviewed and published.
    snapshot = models.JSONField(_("报告数据"), default=dict, blank=True, editable=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = AnnualReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("政府信息公开工作年度报告")
        verbose_name_plural = _("政府信息公开工作年度报告")
        ordering = ["-year", "division__tree_id", "division__lft", "department_id"]
        permissions = [
            ("review_annualreport", _("可审核政府信息公开年度报告")),
            ("publish_annualreport", _("可发布政府信息公开年度报告")),
        ]
        constraints = [
            # One report a year per government and per department. Two partial constraints
            # because NULLs are distinct in a unique index (NULLS NOT DISTINCT is PostgreSQL 15+
            # only), so (division, NULL, year) would otherwise repeat.
            models.UniqueConstraint(
                fields=["division", "year"],
                condition=Q(department__isnull=True),
                name="annual_report_division_year",
            ),
            models.UniqueConstraint(
                fields=["division", "department", "year"],
                condition=Q(department__isnull=False),
                name="annual_report_department_year",
            ),
            submitted_at_constraint("annual_report_submitted_at"),
            # What the public reads carries its publish time and the figures it was approved on.
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="annual_report_published_at",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | ~Q(snapshot={}),
                name="annual_report_snapshot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.publisher_name}{self.year}年政府信息公开工作年度报告"

    def get_absolute_url(self) -> str:
        url = reverse("portal:xxgk_reports", args=[self.division.slug])
        return f"{url}?report={self.pk}"

    def clean(self):
        super().clean()
        # The database cannot compare two tables' columns in a CHECK; the form and the
        # services can.
        if (
            self.department_id is not None
            and self.division_id is not None
            and self.department.division_id != self.division_id
        ):
            raise ValidationError({"department": "所选部门不属于该区划。"})

    @property
    def publisher_name(self) -> str:
        """Return who publishes the report: the department's name, or the division's."""
        if self.department_id is not None:
            return f"{self.division.name}{self.department.name}"
        return self.division.name
