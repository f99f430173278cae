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


class PublicationQuerySet(models.QuerySet):
    def within(self, division: Division) -> PublicationQuerySet:
        """Return the publications of ``division`` and of every division below it."""
        return self.filter(within_q(division, prefix="division__"))

    def published(self) -> PublicationQuerySet:
        return self.filter(status=Publication.Status.PUBLISHED)

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


class Publication(ProtectedReviewTrail):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        #: Approved by the office; waits for the division's leader to sign it off (签发).
        SIGNOFF = "signoff", _("待签发")
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已撤销发布")
        SUPERSEDED = "superseded", _("已被新版本替代")

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
    is_demo = models.BooleanField(_("演示数据"), default=False)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("公开信息")
        verbose_name_plural = _("公开信息")
        ordering = ["-updated_at", "-id"]
        permissions = [
            ("review_publication", _("可审核公开信息")),
            ("sign_publication", _("可签发公开信息")),
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
        DUE = "due", _("重算公开期限")

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
