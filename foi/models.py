"""On-request disclosure (依申请公开, 条例 Art. 27–45): requests, their history and reply letters.

A request's statutory clock is derived from its events (foi/clock.py); the request row keeps the
result (``state``, ``due_on``) only so that the office's queue can filter and sort on it.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxLengthValidator, MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from districts.models import Department, Division


class LetterStorage(FileSystemStorage):
    """The private storage of reply letters (never under MEDIA_ROOT), at FOI_LETTER_DIR as it
    is when a file is read or written (so tests can move it)."""

    @property
    def base_location(self):
        return str(settings.FOI_LETTER_DIR)

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def letter_storage() -> FileSystemStorage:
    """Return the private storage of reply letters."""
    return LetterStorage()


class ApplicantKind(models.TextChoices):
    """The annual report's table 三 columns (国办公开办函〔2021〕30号)."""

    PERSON = "person", _("自然人")
    BUSINESS = "business", _("商业企业")
    RESEARCH = "research", _("科研机构")
    PUBLIC_INTEREST = "public_interest", _("社会公益组织")
    LEGAL_SERVICE = "legal_service", _("法律服务机构")
    OTHER_ORG = "other_org", _("其他")


class IdType(models.TextChoices):
    RESIDENT = "resident", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO = "hk_macao", _("港澳居民来往内地通行证")
    TAIWAN = "taiwan", _("台湾居民来往大陆通行证")
    CREDIT_CODE = "credit_code", _("统一社会信用代码")


class Channel(models.TextChoices):
    """How the request arrived: it fixes the date of receipt (Art. 31)."""

    ONLINE = "online", _("网上申请")
    IN_PERSON = "in_person", _("当面提交")
    POST = "post", _("邮寄")
    FAX = "fax", _("传真")


class Delivery(models.TextChoices):
    PAPER = "paper", _("纸质文本")
    EMAIL = "email", _("电子邮件")
    DISK = "disk", _("光盘/存储介质")
    ON_SITE = "on_site", _("当场查阅、抄录")


class ReplyCategory(models.TextChoices):
    """Art. 36/37 replies, in the annual report's order (table 三, rows （一）–（六））."""

    OPEN = "open", _("予以公开")
    PARTIAL = "partial", _("部分公开")
    REFUSE = "refuse", _("不予公开")
    UNABLE = "unable", _("无法提供")
    NOT_PROCESSED = "not_processed", _("不予处理")
    OTHER = "other", _("其他处理")


class LetterKind(models.TextChoices):
    REPLY = "reply", _("政府信息公开申请答复书")
    CORRECTION = "correction", _("补正申请通知书")
    EXTENSION = "extension", _("延期答复告知书")
    FEE = "fee", _("收费通知书")


class InfoRequestQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(state=InfoRequest.State.CLOSED)


class InfoRequest(models.Model):
    """One application for government information, from receipt to its reply."""

    class State(models.TextChoices):
        RUNNING = "running", _("办理中")
        CORRECTION = "correction", _("待补正")
        CONSULTING = "consulting", _("征求意见中")
        FEE = "fee", _("待缴费")
        CLOSED = "closed", _("已办结")

    division = models.ForeignKey(
        Division, verbose_name=_("受理机关"), on_delete=models.PROTECT, related_name="info_requests"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("承办部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="info_requests",
    )
    code = models.CharField(_("查询码"), max_length=16, unique=True, editable=False)

    applicant_kind = models.CharField(_("申请人类型"), max_length=20, choices=ApplicantKind.choices)
    name = models.CharField(_("申请人"), max_length=100)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    id_type = models.CharField(_("证件类型"), max_length=20, choices=IdType.choices)
    # The number is kept encrypted (foi/identity.py); only its last four characters are
    # shown again, and a keyed hash counts an applicant's requests without decrypting.
    id_cipher = models.TextField(_("证件号码（密文）"), editable=False)
    id_tail = models.CharField(_("证件号码后四位"), max_length=4, editable=False)
    id_digest = models.CharField(max_length=64, editable=False, db_index=True)
    phone = models.CharField(_("联系电话"), max_length=20)
    email = models.EmailField(_("电子邮箱"), blank=True)
    address = models.CharField(_("通信地址"), max_length=200, blank=True)
    postcode = models.CharField(_("邮政编码"), max_length=6, blank=True)

    description = models.TextField(
        _("所需信息的内容描述"), max_length=4000, validators=[MaxLengthValidator(4000)]
    )
    purpose = models.CharField(_("用途"), max_length=500, blank=True)
    delivery = models.CharField(_("获取方式"), max_length=20, choices=Delivery.choices)
    fee_waiver = models.BooleanField(_("申请减免费用"), default=False)
    fee_waiver_reason = models.CharField(_("减免理由"), max_length=500, blank=True)
    register_consent = models.BooleanField(
        _("同意在答复后公开本申请（去除个人信息）"), default=False
    )

    channel = models.CharField(_("申请渠道"), max_length=20, choices=Channel.choices)
    received_on = models.DateField(_("收到申请日期"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    # A keyed hash of the sender's address: enough to throttle, nothing to identify anyone by.
    address_digest = models.CharField(max_length=64, editable=False, blank=True, db_index=True)

    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.RUNNING, db_index=True
    )
    due_on = models.DateField(_("答复期限"), null=True, blank=True, db_index=True)
    # True while the due date counts a year whose holidays are not recorded yet as weekdays only.
    due_provisional = models.BooleanField(_("期限待核定"), default=False)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True, db_index=True)
    reply_category = models.CharField(
        _("答复类型"), max_length=20, choices=ReplyCategory.choices, blank=True
    )
    reply_reason = models.PositiveSmallIntegerField(
        _("具体情形"), default=0, validators=[MaxValueValidator(8)]
    )
    keywords = models.CharField(_("关键词"), max_length=200, blank=True, editable=False)
    is_demo = models.BooleanField(_("演示数据"), default=False, editable=False)

    objects = InfoRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("政府信息公开申请")
        verbose_name_plural = _("政府信息公开申请")
        ordering = ["-received_on", "-id"]
        # "handle": act on the request and read the applicant's personal data. It is held only
        # in the request's own division (foi/policies.py): the office above supervises the
        # clocks of its subordinates' requests, never the applicants behind them.
        permissions = [("handle", "办理政府信息公开申请")]
        indexes = [models.Index(fields=["division", "state", "due_on"], name="foi_queue")]

    def __str__(self) -> str:
        return f"{self.code}（{self.name}）"

    @property
    def masked_id(self) -> str:
        """Return the document number as staff see it: only its last four characters."""
        return f"{'*' * 14}{self.id_tail}"

    @property
    def is_organisation(self) -> bool:
        return self.applicant_kind != ApplicantKind.PERSON


class RequestEvent(models.Model):
    """One step in a request's history; the clock is computed from these (foi/clock.py)."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("收到申请")
        CORRECTION_NOTICE = "correction_notice", _("发出补正通知")
        CORRECTION_RECEIVED = "correction_received", _("收到补正材料")
        CONSULT_START = "consult_start", _("征求第三方或其他机关意见")
        CONSULT_END = "consult_end", _("征求意见结束")
        EXTENSION = "extension", _("延期答复")
        FEE_NOTICE = "fee_notice", _("发出收费通知")
        FEE_PAID = "fee_paid", _("申请人已缴费")
        TRANSFER = "transfer", _("转办")
        REPLY = "reply", _("作出答复")
        CLOSED_UNANSWERED = "closed_unanswered", _("终止办理")
        NOTE = "note", _("备注")

    request = models.ForeignKey(InfoRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("环节"), max_length=30, choices=Kind.choices)
    on = models.DateField(_("日期"))
    days = models.PositiveSmallIntegerField(
        _("工作日数"), default=0, validators=[MaxValueValidator(60)]
    )
    amount = models.PositiveIntegerField(_("金额（元）"), default=0)
    note = models.TextField(_("说明"), blank=True, max_length=2000)
    approver = models.CharField(_("批准人"), max_length=50, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    from_division = models.ForeignKey(
        Division, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.on} {self.get_kind_display()}"


class Letter(models.Model):
    """A document sent to the applicant (告知书, 补正通知书, 延期通知书, 收费通知书…) as a PDF."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待审核")
        # Where the division asks for its leader's sign-off (签发), as for publications.
        REVIEWED = "reviewed", _("已审核，待领导签发")
        APPROVED = "approved", _("已签发")

    request = models.ForeignKey(InfoRequest, on_delete=models.CASCADE, related_name="letters")
    event = models.OneToOneField(
        RequestEvent, on_delete=models.CASCADE, related_name="letter", null=True, blank=True
    )
    kind = models.CharField(_("文书"), max_length=20, choices=LetterKind.choices)
    # What the letter does once issued: the reply's category and reason, the extension's or
    # the correction period's days, the fee's method and amount (foi/services.py reads it).
    params = models.JSONField(_("参数"), default=dict, blank=True)
    title = models.CharField(_("文书名称"), max_length=100)
    body = models.TextField(_("正文"), max_length=20000)
    template_version = models.PositiveIntegerField(_("模板版本"), default=0)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pdf = models.FileField(
        _("PDF"), upload_to="%Y/", storage=letter_storage, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("答复文书")
        verbose_name_plural = _("答复文书")
        permissions = [
            ("approve_letter", "审核签发答复文书"),
            ("signoff_letter", "领导签发答复文书"),
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title


class LetterTemplate(models.Model):
    """One version of a letter's template; a change is a new version, the old ones stay."""

    kind = models.CharField(_("文书"), max_length=20, choices=LetterKind.choices)
    division = models.ForeignKey(
        Division,
        verbose_name=_("适用区划"),
        on_delete=models.PROTECT,
        help_text=_("本级及下级使用，下级可另立本级模板；市级模板全市通用。"),
    )
    version = models.PositiveIntegerField(_("版本"), editable=False)
    body = models.TextField(
        _("模板正文"),
        max_length=20000,
        validators=[MaxLengthValidator(20000)],
        help_text=_(
            "可用占位符：{申请人} {查询码} {收到日期} {申请内容} {答复期限} {机关} {日期} "
            "{答复意见} {天数} {金额} {补正期限}"
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("文书模板")
        verbose_name_plural = _("文书模板")
        ordering = ["kind", "division_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "division", "version"], name="foi_template_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} 第{self.version}版"
