"""Publications (公开信息): the information a division discloses under one of its catalog entries.

A publication is written as a draft, submitted to the office above, and published when that
office approves. Published text is never edited in place: a change is a new revision that
replaces the published one when it is approved in turn, and a published item can be withdrawn.
Writes go through ``publications.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from catalog.models import CatalogEntry
from districts.models import Division, within_q
from portal.review_kernel import ProtectedReviewTrail, ReviewEvent, submitted_at_constraint


class PublicationType(models.Model):
    """A kind of document the city's divisions publish (政策文件, 名单公示, 政策解读, …).

    Data the city office keeps. A type may be tied to the catalog items it can be filed under;
    with none, it fits any item. Flags say which rules apply: 有效性 for policy documents, a
    解读 that must accompany it (规范性文件), or being a 解读 itself.
    """

    name = models.CharField(_("名称"), max_length=30, unique=True)
    slug = models.SlugField(_("网址标识"), max_length=40, unique=True)
    display_order = models.PositiveIntegerField(_("显示顺序"), default=0)
    is_policy = models.BooleanField(
        _("政策文件类"), default=False, help_text=_("标注有效性（现行有效、已修改、已废止）。")
    )
    needs_interpretation = models.BooleanField(
        _("须随附政策解读"),
        default=False,
        help_text=_("“谁起草、谁解读”：审核通过前须有一并提交的解读，或由审核人记录理由。"),
    )
    is_interpretation = models.BooleanField(
        _("政策解读"), default=False, help_text=_("解读类信息须关联其解读的政策文件。")
    )
    items = models.ManyToManyField(
        "catalog.SecondLevelItem",
        verbose_name=_("可归入的目录事项"),
        blank=True,
        related_name="publication_types",
        help_text=_("留空表示可归入任何目录事项。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("信息类型")
        verbose_name_plural = _("信息类型")
        ordering = ["display_order", "name"]
        constraints = [
            # A 解读 explains a policy; it is not itself one that needs a 解读.
            models.CheckConstraint(
                condition=~Q(is_interpretation=True, needs_interpretation=True),
                name="publication_type_interpretation_flags",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    """A 主题分类 (the State Council's subject classification), in two levels, as data."""

    code = models.CharField(_("编码"), max_length=10, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级分类"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    display_order = models.PositiveIntegerField(_("显示顺序"), default=0)

    class Meta:
        verbose_name = _("主题分类")
        verbose_name_plural = _("主题分类")
        ordering = ["code"]

    def __str__(self) -> str:
        if self.parent_id is None:
            return self.name
        return f"{self.parent.name} / {self.name}"


class IndexSerial(models.Model):
    """The last 索引号 serial issued for one publisher code and year; numbers are never reused."""

    prefix = models.CharField(_("机构代码"), max_length=40)
    year = models.PositiveSmallIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("已用到的顺序号"), default=0)

    class Meta:
        verbose_name = _("索引号顺序号")
        verbose_name_plural = _("索引号顺序号")
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="index_serial_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.year}: {self.last}"


class PublicationSeries(models.Model):
    """A recurring publication (日报告、日发布, a weekly bulletin…) and the cadence it promises.

    Each issue is a publication filed under the series with the date it covers
    (``series_date``); an expected date whose due time passed without a published issue is
    a missing issue on the owner's working list (``publications.series``).
    """

    class Cadence(models.TextChoices):
        DAILY = "daily", _("每日")
        WORKDAY = "workday", _("每个工作日")
        WEEKLY = "weekly", _("每周（同起始日的星期）")
        MONTHLY = "monthly", _("每月（同起始日的日期）")

    entry = models.ForeignKey(
        CatalogEntry,
        verbose_name=_("目录事项"),
        on_delete=models.PROTECT,
        related_name="publication_series",
    )
    # The entry's division, kept on the row so that scope filters need no join.
    division = models.ForeignKey(
        Division, verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "districts.Department",
        verbose_name=_("承办部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("系列名称"), max_length=100)
    cadence = models.CharField(_("发布频次"), max_length=10, choices=Cadence.choices)
    due_time = models.TimeField(
        _("每期应发布时间"), help_text=_("当期日期的这个时间前应已发布，例如 10:00。")
    )
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    is_active = models.BooleanField(_("进行中"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        verbose_name = _("连续发布系列")
        verbose_name_plural = _("连续发布系列")
        ordering = ["division", "name"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "name"], name="publication_series_unique"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="publication_series_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_cadence_display()}）"


class PublicationQuerySet(models.QuerySet):
    def within(self, division: Division) -> PublicationQuerySet:
        """Return the publications of ``division`` and of every division below it."""
        return self.filter(within_q(division, prefix="division__"))

    def published(self) -> PublicationQuerySet:
        return self.filter(status=Publication.Status.PUBLISHED)

    def public(self) -> PublicationQuerySet:
        """Return what the portal shows: published and 主动公开 (the others are staff's only)."""
        return self.filter(
            status=Publication.Status.PUBLISHED, disclosure=Publication.Disclosure.ACTIVE
        )

    def drafts(self) -> PublicationQuerySet:
        return self.filter(status=Publication.Status.DRAFT)

    def awaiting_review(self) -> PublicationQuerySet:
        return self.filter(status=Publication.Status.SUBMITTED)

    def unpublished(self) -> PublicationQuerySet:
        return self.filter(status__in=[Publication.Status.DRAFT, Publication.Status.SUBMITTED])

    def overdue(self, today) -> PublicationQuerySet:
        """Return the items not yet published whose due date has passed."""
        return self.unpublished().filter(due_on__lt=today)

    def with_list_bundle(self) -> PublicationQuerySet:
        """Join what a list row shows: the entry's item and domain, the division, the author."""
        return self.select_related(
            "division", "entry__item__first_level__domain", "created_by", "submitted_by"
        )

    def status_counts(self) -> dict[str, int]:
        """Return {status: count} in one query."""
        return dict(self.order_by().values_list("status").annotate(n=Count("id")))


class InterpretationForm(models.TextChoices):
    """How a 政策解读 explains its policy."""

    TEXT = "text", _("文字解读")
    GRAPHIC = "graphic", _("图解")
    QA = "qa", _("问答")
    VIDEO = "video", _("视频解读")


class Publication(ProtectedReviewTrail):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        #: Approved by the office; waits for the division's leader to sign it off (签发).
        SIGNOFF = "signoff", _("待签发")
        #: Approved (and signed where needed) with a release time still to come (定时发布).
        SCHEDULED = "scheduled", _("待定时发布")
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已撤销发布")
        SUPERSEDED = "superseded", _("已被新版本替代")

    class Disclosure(models.TextChoices):
        """公开属性: only 主动公开 reaches a public page."""

        ACTIVE = "active", _("主动公开")
        ON_REQUEST = "on_request", _("依申请公开")
        WITHHELD = "withheld", _("不予公开")

    class WithheldReason(models.TextChoices):
        """Why information is not disclosed: 《政府信息公开条例》第十四条至第十六条."""

        STATE_SECRET = "state_secret", _("依法确定为国家秘密（第十四条）")
        LAW_FORBIDS = "law_forbids", _("法律、行政法规禁止公开（第十四条）")
        SECURITY = "security", _("公开后可能危及国家安全、公共安全、经济安全、社会稳定（第十四条）")
        THIRD_PARTY = (
            "third_party",
            _("涉及商业秘密、个人隐私，公开会损害第三方合法权益（第十五条）"),
        )
        INTERNAL = "internal", _("内部事务信息（第十六条第一款）")
        PROCESS = "process", _("过程性信息（第十六条第二款）")
        ENFORCEMENT = "enforcement", _("行政执法案卷信息（第十六条第二款）")

    class Validity(models.TextChoices):
        """有效性 of a policy document; a repealed one stays public under a banner."""

        CURRENT = "current", _("现行有效")
        AMENDED = "amended", _("已修改")
        REPEALED = "repealed", _("已废止")

    entry = models.ForeignKey(
        CatalogEntry,
        verbose_name=_("目录事项"),
        on_delete=models.PROTECT,
        related_name="publications",
    )
    # The entry's division, kept on the row so that scope filters need no join.
    division = models.ForeignKey(
        Division, verbose_name=_("区划"), on_delete=models.PROTECT, related_name="publications"
    )
    # The department that owns it (defaults to its entry's); see CatalogEntry.department.
    department = models.ForeignKey(
        "districts.Department",
        verbose_name=_("承办部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="publications",
    )
    title = models.CharField(_("标题"), max_length=300)
    doc_no = models.CharField(_("文号"), max_length=100, blank=True)
    body = models.TextField(_("正文"), blank=True, help_text=_("保存时会清除不安全的HTML。"))
    formed_on = models.DateField(_("信息形成（变更）日期"))
    responsible_body = models.CharField(_("公开主体（责任单位）"), max_length=200)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    pub_type = models.ForeignKey(
        PublicationType,
        verbose_name=_("信息类型"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="publications",
    )
    theme = models.ForeignKey(
        Theme,
        verbose_name=_("主题分类"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="publications",
    )
    disclosure = models.CharField(
        _("公开属性"), max_length=12, choices=Disclosure.choices, default=Disclosure.ACTIVE
    )
    withheld_reason = models.CharField(
        _("不予公开理由"), max_length=20, choices=WithheldReason.choices, blank=True
    )
    # 索引号: given when the publication is first published, kept by its revisions.
    index_no = models.CharField(_("索引号"), max_length=60, blank=True, db_index=True)
    validity = models.CharField(_("有效性"), max_length=10, choices=Validity.choices, blank=True)
    validity_note = models.CharField(_("有效性说明"), max_length=300, blank=True)
    # What amended or repealed a policy, where it is on the portal.
    changed_by_document = models.ForeignKey(
        "self",
        verbose_name=_("修改或废止它的文件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changed_documents",
    )

    # 谁起草、谁解读: a 政策解读 names the policy it explains; a 规范性文件 approved without one
    # keeps the reviewer's reason.
    interprets = models.ForeignKey(
        "self",
        verbose_name=_("解读的政策文件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interpretations",
    )
    interpretation_waiver = models.TextField(_("未附解读的理由"), blank=True)
    # A 解读's form (国办发〔2019〕14号: text with charts, audio/video, Q&A, …): 图解 shows its
    # image attachments in the page; a video 解读 links to where the video is published.
    interpretation_form = models.CharField(
        _("解读形式"),
        max_length=10,
        choices=InterpretationForm.choices,
        blank=True,
        help_text=_("仅政策解读选择。图解须上传JPEG或PNG图片附件；视频解读须填写视频地址。"),
    )
    video_url = models.URLField(
        _("视频地址"),
        max_length=500,
        blank=True,
        help_text=_("视频解读发布处的https地址，如本级政府网站或政务新媒体的视频页面。"),
    )

    # 定时发布: approved with this time still ahead, it waits as SCHEDULED and a beat job
    # publishes it when the time comes (publications.services.publications_release_due).
    release_at = models.DateTimeField(
        _("定时发布时间"),
        null=True,
        blank=True,
        help_text=_("留空则审核通过后立即发布；填写则审核通过后到点自动发布。"),
    )
    # 紧急发布 (突发事件): published at once by the office administrator with a reason; the
    # office above reviews it afterwards, by ``urgent_review_due`` (working hours).
    urgent_reason = models.TextField(_("紧急发布理由"), blank=True)
    urgent_review_due = models.DateTimeField(_("补审期限"), null=True, blank=True)
    urgent_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("补审人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    urgent_reviewed_at = models.DateTimeField(_("补审时间"), null=True, blank=True)
    # One issue of a recurring series, covering ``series_date``.
    series = models.ForeignKey(
        PublicationSeries,
        verbose_name=_("连续发布系列"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issues",
    )
    series_date = models.DateField(_("期次日期"), null=True, blank=True)

    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    revision = models.PositiveIntegerField(_("版本"), default=1)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("替代的版本"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    due_on = models.DateField(_("公开期限"), null=True, blank=True)
    due_note = models.CharField(_("期限说明"), max_length=300, blank=True)
    # Who submitted and reviewed, when, the return reason and the publish time come from
    # ``ProtectedReviewTrail``: a publication names its submitter and reviewer for good.

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    withdraw_reason = models.TextField(_("撤销原因"), blank=True)
    # The last 个人信息检查 (publications.privacy_check): when, what it found, where; the
    # masked forms only, so the report does not copy the numbers it warns about.
    privacy_report = models.JSONField(_("个人信息检查结果"), default=dict, blank=True)
    privacy_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("个人信息核对人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    privacy_confirmed_at = models.DateTimeField(_("个人信息核对时间"), null=True, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("公开信息")
        verbose_name_plural = _("公开信息")
        ordering = ["-updated_at", "-id"]
        permissions = [
            ("review_publication", _("可审核公开信息")),
            ("sign_publication", _("可签发公开信息")),
            ("urgent_publication", _("可紧急发布公开信息")),
        ]
        constraints = [
            # What the public reads carries its publish time; a withdrawal says why.
            models.CheckConstraint(
                condition=~Q(status__in=["published", "superseded", "withdrawn"])
                | Q(published_at__isnull=False),
                name="publication_published_at",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | ~Q(withdraw_reason=""),
                name="publication_withdraw_reason",
            ),
            submitted_at_constraint("publication_submitted_at"),
            # 不予公开 names its 条例 reason; the other attributes carry none.
            models.CheckConstraint(
                condition=Q(disclosure="withheld", withheld_reason__gt="")
                | (~Q(disclosure="withheld") & Q(withheld_reason="")),
                name="publication_withheld_reason",
            ),
            # One 索引号 per document: a revision takes over its predecessor's number when it
            # replaces it (the predecessor is then superseded), so among what is or was public
            # no two rows share one.
            models.UniqueConstraint(
                fields=["index_no"],
                condition=Q(status__in=["published", "withdrawn"]) & ~Q(index_no=""),
                name="publication_index_no_unique",
            ),
            # 定时发布 waits for a time; an urgent release names why and when review is due.
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(release_at__isnull=False),
                name="publication_scheduled_release_at",
            ),
            models.CheckConstraint(
                condition=Q(urgent_reason="", urgent_review_due__isnull=True)
                | (~Q(urgent_reason="") & Q(urgent_review_due__isnull=False)),
                name="publication_urgent_due",
            ),
            # A series issue names its date, and a date has one published issue.
            models.CheckConstraint(
                condition=Q(series__isnull=True) | Q(series_date__isnull=False),
                name="publication_series_date",
            ),
            models.UniqueConstraint(
                fields=["series", "series_date"],
                condition=Q(status="published"),
                name="publication_series_issue_unique",
            ),
            # A revision replaces an earlier one and counts on from it.
            models.CheckConstraint(
                condition=Q(replaces__isnull=True, revision=1)
                | Q(replaces__isnull=False, revision__gt=1),
                name="publication_revision_number",
            ),
        ]
        indexes = [
            models.Index(fields=["division", "status", "-updated_at"], name="pub_division_status"),
            models.Index(fields=["status", "-updated_at"], name="pub_status_updated"),
            models.Index(fields=["entry", "status"], name="pub_entry_status"),
            models.Index(fields=["created_by", "status"], name="pub_author_status"),
            models.Index(fields=["status", "due_on"], name="pub_status_due"),
            # The working list's 已发 and 待审 tabs, and the change list, in their page order.
            models.Index(fields=["status", "-published_at", "-id"], name="pub_status_published"),
            models.Index(fields=["status", "submitted_at", "id"], name="pub_status_submitted"),
            models.Index(fields=["-updated_at", "-id"], name="pub_updated"),
            models.Index(fields=["status", "release_at"], name="pub_status_release"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portal:publication", kwargs={"pk": self.pk})

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class Attachment(models.Model):
    """A file attached to a publication; its type was checked from its bytes when uploaded."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        OFD = "ofd", "OFD"
        DOCX = "docx", "Word (docx)"
        XLSX = "xlsx", "Excel (xlsx)"
        DOC = "doc", "Word (doc)"
        XLS = "xls", "Excel (xls)"
        JPEG = "jpg", "JPEG"
        PNG = "png", "PNG"
        ZIP = "zip", "ZIP"

    publication = models.ForeignKey(
        Publication,
        verbose_name=_("公开信息"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    file = models.FileField(_("文件"), upload_to="publications/%Y/%m/", max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("portal:attachment", kwargs={"pk": self.pk})


class PublicationEvent(ReviewEvent):
    """One recorded step in a publication's life: who, when, from → to, why, what changed."""

    class Action(models.TextChoices):
        CREATE = "create", _("新建")
        EDIT = "edit", _("修改")
        ATTACH = "attach", _("上传附件")
        DETACH = "detach", _("删除附件")
        SUBMIT = "submit", _("提交审核")
        RECALL = "recall", _("撤回提交")
        APPROVE = "approve", _("审核通过并发布")
        RETURN = "return", _("退回修改")
        SEND_SIGNOFF = "send_signoff", _("审核通过，送签")
        SIGN = "sign", _("签发并发布")
        SIGN_RETURN = "sign_return", _("签发退回")
        WITHDRAW = "withdraw", _("撤销发布")
        REVISE = "revise", _("发起修订")
        SUPERSEDE = "supersede", _("被新版本替代")
        VALIDITY = "validity", _("标注有效性")
        PRIVACY = "privacy", _("个人信息检查")
        MASK = "mask", _("遮盖个人信息")
        DUE = "due", _("重算公开期限")
        SCHEDULE = "schedule", _("审核通过，定时发布")
        RELEASE = "release", _("定时发布")
        RELEASE_FAILED = "release_failed", _("定时发布未完成")
        UNSCHEDULE = "unschedule", _("取消定时发布")
        URGENT = "urgent", _("紧急发布")
        URGENT_REVIEW = "urgent_review", _("紧急发布补审通过")

    publication = models.ForeignKey(
        Publication,
        verbose_name=_("公开信息"),
        on_delete=models.PROTECT,
        related_name="events",
    )
    # The division, the user, the time and the reason come from ``ReviewEvent``.
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    from_status = models.CharField(
        _("原状态"), max_length=20, choices=Publication.Status.choices, blank=True
    )
    to_status = models.CharField(
        _("新状态"), max_length=20, choices=Publication.Status.choices, blank=True
    )
    changes = models.JSONField(_("改动的字段"), default=dict, blank=True)

    class Meta(ReviewEvent.Meta):
        verbose_name = _("公开信息操作记录")
        verbose_name_plural = _("公开信息操作记录")

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.publication_id}"
