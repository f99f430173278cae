"""The 政府信息公开 column's own data: each division's 政府信息公开指南, kept in versions."""

from django.conf import settings
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from districts.models import Division


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
