"""Staff admin for publications, scoped by division; every write goes through the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from catalog.labels import PICKER_RELATED
from catalog.models import Domain
from catalog.policies import entries as entry_policy
from catalog.review import SUBMIT_FIELD
from districts.admin_scope import PolicyAdminMixin, ScopedAdminMixin, ScopedDivisionFilter
from districts.people import PeopleAdminMixin, display_name, prime

from . import release, services, worklist
from .forms import EntryChoiceField, PublicationForm, PublicationSeriesForm
from .models import (
    Attachment,
    Publication,
    PublicationEvent,
    PublicationSeries,
    PublicationType,
    Theme,
)
from .policies import publications as policy

Status = Publication.Status


class DeadlineFilter(admin.SimpleListFilter):
    title = _("公开期限")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("overdue", "已逾期未发布"), ("soon", "3个工作日内到期"), ("late", "逾期发布")]

    def queryset(self, request, queryset):
        return worklist.filter_deadline(queryset, self.value(), request)


class DomainFilter(admin.SimpleListFilter):
    """Filter by domain from the domain list itself (26 rows), not by scanning publications."""

    title = _("领域")
    parameter_name = "domain"

    def lookups(self, request, model_admin):
        return [(str(d.pk), d.name) for d in Domain.objects.only("id", "name")]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit() and len(value) < 10:
            return queryset.filter(entry__item__first_level__domain_id=int(value))
        return queryset


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    can_delete = False
    fields = ("download", "kind", "size_text", "uploaded_by", "created_at", "remove")
    readonly_fields = fields
    verbose_name = _("附件")
    verbose_name_plural = _("附件")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True

    @admin.display(description=_("文件名"))
    def download(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("portal:attachment", args=[obj.pk]), obj.name
        )

    @admin.display(description=_("大小"))
    def size_text(self, obj):
        return filesizeformat(obj.size)

    @admin.display(description="")
    def remove(self, obj):
        if obj.publication.status != Status.DRAFT:
            return ""
        url = reverse("admin:publications_publication_detach", args=[obj.publication_id, obj.pk])
        return format_html(
            '<button type="submit" class="button" formmethod="post" formnovalidate '
            'formaction="{}">删除</button>',
            url,
        )


@admin.register(Publication)
class PublicationAdmin(PeopleAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    form = PublicationForm
    list_display = (
        "title_link",
        "author",
        "division",
        "department",
        "item_name",
        "status_badge",
        "deadline_badge",
        "formed_on",
        "updated_at",
        "demo_label",
    )
    people_fields = ("created_by",)
    list_display_links = None
    list_filter = (
        "status",
        DeadlineFilter,
        ScopedDivisionFilter,
        DomainFilter,
    )
    search_fields = ("title", "doc_no")
    search_help_text = "按标题或文号查找"
    list_select_related = ("division", "department", "entry__item", "created_by")
    autocomplete_fields = ("entry",)
    list_per_page = 50
    show_full_result_count = False
    date_hierarchy = None
    inlines = [AttachmentInline]
    change_form_template = "admin/publications/publication/change_form.html"
    change_list_template = "admin/publications/publication/change_list.html"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "entry",
                    "pub_type",
                    "interprets",
                    ("interpretation_form", "video_url"),
                    "title",
                    "doc_no",
                    "formed_on",
                    "responsible_body",
                )
            },
        ),
        (_("正文与附件"), {"fields": ("body", "new_attachments")}),
        (
            _("发文属性"),
            {"fields": ("theme", ("disclosure", "withheld_reason"), "expires_on")},
        ),
        (_("发布安排"), {"fields": ("release_at", ("series", "series_date"))}),
    )
    #: What a publication shows once it is no longer a draft (read-only).
    FROZEN = (
        (
            None,
            {
                "fields": (
                    "entry",
                    "pub_type",
                    "interprets",
                    ("interpretation_form", "video_url"),
                    "title",
                    "index_no",
                    "doc_no",
                    "formed_on",
                    "responsible_body",
                )
            },
        ),
        (_("正文"), {"fields": ("body_html",)}),
        (
            _("发文属性"),
            {"fields": ("theme", "disclosure", "withheld_reason", "validity_text", "expires_on")},
        ),
        (_("发布安排"), {"fields": ("release_at", ("series", "series_date"))}),
    )

    # -- columns --------------------------------------------------------------------------
    @admin.display(description=_("标题"), ordering="title")
    def title_link(self, obj):
        url = reverse("admin:publications_publication_change", args=[obj.pk])
        rev = f"（第{obj.revision}版）" if obj.revision > 1 else ""
        return format_html('<a href="{}">{}</a>{}', url, obj.title, rev)

    @admin.display(description=_("目录事项"), ordering="entry__item__name")
    def item_name(self, obj):
        return obj.entry.item.name

    @admin.display(description=_("填报人"), ordering="created_by__last_name")
    def author(self, obj):
        return display_name(obj.created_by, obj.division)

    @admin.display(description=_("状态"), ordering="status")
    def status_badge(self, obj):
        return format_html(
            '<span class="badge status-{}">{}</span>', obj.status, obj.get_status_display()
        )

    @admin.display(description=_("公开期限"), ordering="due_on")
    def deadline_badge(self, obj):
        # Replaced per request in get_list_display; kept so that the admin's checks see it.
        return worklist.deadline_html(obj, *worklist.today_and_soon())

    def get_list_display(self, request):
        # "Due soon" needs the calendar: read it once per page, not once per row.
        bounds = worklist.today_and_soon(request)

        @admin.display(description=_("公开期限"), ordering="due_on")
        def deadline_badge(obj):
            return worklist.deadline_html(obj, *bounds)

        return [deadline_badge if name == "deadline_badge" else name for name in self.list_display]

    @admin.display(description=_("演示"), boolean=True)
    def demo_label(self, obj):
        return obj.is_demo

    # -- permissions ----------------------------------------------------------------------
    def has_delete_permission(self, request, obj=None):
        # Publications are withdrawn, never deleted: their history and revisions point at them.
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "entry":
            # Only the entries the user sees in the catalog (as its autocomplete offers): one
            # posted from outside is refused like an id that does not exist, where the form's
            # own check would name the division it lies in. Options read "领域 · 一级事项 ·
            # 二级事项（区划）" (catalog.labels), the chosen one joined with what it reads.
            kwargs["queryset"] = entry_policy.instances_for(
                request.user, "view", "change"
            ).select_related(*PICKER_RELATED)
            kwargs["form_class"] = EntryChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj.status != Status.DRAFT:
            return [f for _name, options in self.FROZEN for f in options["fields"]]
        return ("entry",)

    def get_fieldsets(self, request, obj=None):
        if obj is not None and obj.status != Status.DRAFT:
            return self.FROZEN
        return self.fieldsets

    @admin.display(description=_("有效性"))
    def validity_text(self, obj):
        if not obj.validity:
            return "—"
        text = obj.get_validity_display()
        if obj.changed_by_document_id:
            text = f"{text}（依据“{obj.changed_by_document.title}”）"
        elif obj.validity_note:
            text = f"{text}（{obj.validity_note}）"
        return text

    @admin.display(description=_("正文"))
    def body_html(self, obj):
        # The body was sanitised when it was saved; nh3 runs again in case rules tightened.
        from django.utils.safestring import mark_safe

        from .sanitise import clean_html

        return mark_safe(f'<div class="publication-body">{clean_html(obj.body)}</div>')

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        # 保存并提交审核 posts the form itself: saved through the services, then submitted, in
        # one transaction, so that edits on the page are never dropped.
        submitting = request.method == "POST" and SUBMIT_FIELD in request.POST and obj is not None

        class RequestForm(form_class):
            def __init__(self, *args, **kw):
                kw["user"] = request.user
                super().__init__(*args, **kw)
                self.submitting = submitting

        return RequestForm

    def save_model(self, request, obj, form, change):
        uploads = form.cleaned_data.get("new_attachments") or []
        values = dict(form.values)
        try:
            if change:
                services.publication_update(publication=obj, data=values, user=request.user)
                for upload in uploads:
                    services.attachment_add(publication=obj, upload=upload, user=request.user)
                if form.submitting:
                    services.publication_submit(publication=obj, user=request.user)
            else:
                created = services.publication_create(
                    entry=form.cleaned_data["entry"],
                    data=values,
                    user=request.user,
                    uploads=uploads,
                )
                # The admin goes on to ask about ``obj`` (response_add): make it the row.
                obj.pk, obj.division_id = created.pk, created.division_id
                obj.department_id = created.department_id
        except ValidationError as error:
            # The form ran the same checks; this only fires on a race with another writer.
            raise PermissionDenied("；".join(error.messages)) from error

    def save_related(self, request, form, formsets, change):
        # Attachments were written by the services; the inline only lists them.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def response_change(self, request, obj):
        if SUBMIT_FIELD in request.POST:
            self.message_user(request, f"已保存修改并提交审核：“{obj.title}”。", messages.SUCCESS)
            self._privacy_message(request, obj)
            return HttpResponseRedirect(
                reverse("admin:publications_publication_change", args=[obj.pk])
            )
        return super().response_change(request, obj)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("formed_on", timezone.localdate())
        return initial

    # -- review ---------------------------------------------------------------------------
    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("worklist/", wrap(self.worklist_view), name="{}_{}_worklist".format(*info)),
            path(
                "<int:pk>/review/<str:action>/",
                wrap(self.review_view),
                name="{}_{}_review".format(*info),
            ),
            path(
                "<int:pk>/attachments/<int:attachment>/remove/",
                wrap(self.detach_view),
                name="{}_{}_detach".format(*info),
            ),
            *super().get_urls(),
        ]

    def _visible(self, request, pk) -> Publication:
        publication = (
            self.get_queryset(request)
            .select_related("entry__item", "division")
            .filter(pk=pk)
            .first()
        )
        if publication is None:
            raise Http404("对象不存在或不在您的管辖范围内。")
        return publication

    def review_view(self, request, pk, action):
        publication = self._visible(request, pk)
        change_url = reverse("admin:publications_publication_change", args=[publication.pk])
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        user = request.user
        labels = {
            "submit": "提交审核",
            "recall": "撤回提交",
            "approve": "审核通过并发布",
            "return": "退回修改",
            "sign": "签发并发布",
            "sign_return": "签发退回",
            "withdraw": "撤销发布",
            "revise": "发起修订",
            "privacy_check": "检查个人信息",
            "mask": "一键遮盖个人信息",
            "validity": "标注有效性",
            "release_now": "提前发布",
            "unschedule": "取消定时发布",
            "urgent": "紧急发布",
            "urgent_review": "紧急发布补审通过",
        }
        if action not in labels:
            raise Http404("没有这个操作。")
        try:
            if action == "submit":
                services.publication_submit(publication=publication, user=user)
            elif action == "recall":
                services.publication_recall(publication=publication, user=user)
            elif action == "approve":
                services.publication_approve(
                    publication=publication,
                    user=user,
                    privacy_confirmed=request.POST.get("privacy_confirmed") == "1",
                    interpretation_waiver=request.POST.get("interpretation_waiver", ""),
                )
            elif action == "release_now":
                release.publication_release_now(publication=publication, user=user)
            elif action == "unschedule":
                release.publication_unschedule(
                    publication=publication,
                    user=user,
                    reason=request.POST.get("unschedule_reason", ""),
                )
            elif action == "urgent":
                release.publication_publish_urgent(
                    publication=publication,
                    user=user,
                    reason=request.POST.get("urgent_reason", ""),
                    privacy_confirmed=request.POST.get("privacy_confirmed") == "1",
                )
            elif action == "urgent_review":
                release.publication_urgent_review(
                    publication=publication,
                    user=user,
                    privacy_confirmed=request.POST.get("privacy_confirmed") == "1",
                )
            elif action == "privacy_check":
                report = services.publication_privacy_check(publication=publication, user=user)
                level = messages.WARNING if report["total"] or report["notices"] else messages.INFO
                self.message_user(request, f"个人信息检查：{report['summary']}", level)
                return HttpResponseRedirect(change_url)
            elif action == "validity":
                services.publication_set_validity(
                    publication=publication,
                    user=user,
                    validity=request.POST.get("validity", ""),
                    by=_document_by_index(request.POST.get("by_index_no", "")),
                    note=request.POST.get("validity_note", ""),
                )
            elif action == "mask":
                count = services.publication_mask(publication=publication, user=user)
                self.message_user(
                    request,
                    f"已遮盖标题和正文中的个人信息 {count} 处；附件中的请替换为脱敏后的文件。"
                    if count
                    else "标题和正文中没有发现可遮盖的个人信息。",
                    messages.SUCCESS if count else messages.INFO,
                )
                return HttpResponseRedirect(change_url)
            elif action == "return":
                services.publication_return(
                    publication=publication, user=user, reason=request.POST.get("reason", "")
                )
            elif action == "sign":
                services.publication_sign(publication=publication, user=user)
            elif action == "sign_return":
                services.publication_sign_return(
                    publication=publication, user=user, reason=request.POST.get("sign_reason", "")
                )
            elif action == "withdraw":
                services.publication_withdraw(
                    publication=publication,
                    user=user,
                    reason=request.POST.get("withdraw_reason", ""),
                )
            else:
                draft = services.publication_revise(publication=publication, user=user)
                self.message_user(
                    request,
                    f"已创建第{draft.revision}版草稿；已发布的版本保持不变，直到新版本审核通过。",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:publications_publication_change", args=[draft.pk])
                )
        except (ValidationError, PermissionDenied) as error:
            text = "；".join(getattr(error, "messages", None) or [str(error)])
            self.message_user(request, f"{labels[action]}未完成：{text}", messages.ERROR)
        else:
            self.message_user(request, f"已{labels[action]}：{publication.title}", messages.SUCCESS)
            if action == "submit":
                self._privacy_message(request, publication)
        return HttpResponseRedirect(change_url)

    def _privacy_message(self, request, publication) -> None:
        report = Publication.objects.get(pk=publication.pk).privacy_report
        if report.get("total") or report.get("notices"):
            self.message_user(
                request,
                f"个人信息检查：{report['summary']} 审核人将逐条核对；"
                "可撤回提交后用“一键遮盖个人信息”处理。",
                messages.WARNING,
            )

    def detach_view(self, request, pk, attachment):
        publication = self._visible(request, pk)
        change_url = reverse("admin:publications_publication_change", args=[publication.pk])
        found = publication.attachments.filter(pk=attachment).first()
        if request.method == "POST" and found is not None:
            try:
                services.attachment_remove(attachment=found, user=request.user)
            except (ValidationError, PermissionDenied) as error:
                text = "；".join(getattr(error, "messages", None) or [str(error)])
                self.message_user(request, f"删除附件未完成：{text}", messages.ERROR)
            else:
                self.message_user(request, f"已删除附件：{found.name}", messages.SUCCESS)
        return HttpResponseRedirect(change_url)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        publication = (
            self.get_queryset(request)
            .select_related(
                "division",
                "department",
                "submitted_by",
                "reviewed_by",
                "signed_by",
                "replaces",
                "pub_type",
            )
            .filter(pk=object_id)
            .first()
        )
        if publication is not None:
            events = list(publication.events.select_related("user")[:20])
            # Everyone the page names, with the department they act for: one query.
            prime(
                [
                    publication.submitted_by,
                    publication.reviewed_by,
                    publication.signed_by,
                    *(event.user for event in events),
                ]
            )
            user = request.user
            may_edit = policy.allows(user, "change", publication)
            may_review = policy.allows(user, "review", publication)
            may_sign = policy.allows(user, "sign", publication)
            own = publication.submitted_by_id == user.pk
            status = publication.status
            extra_context.update(
                {
                    "review_entry": publication,
                    "review_url_base": reverse(
                        "admin:publications_publication_review", args=[publication.pk, "x"]
                    )[:-2],
                    "can_submit": may_edit and status == Status.DRAFT,
                    "can_recall": may_edit and status == Status.SUBMITTED,
                    "can_decide": may_review and not own and status == Status.SUBMITTED,
                    "own_submission": own and status == Status.SUBMITTED,
                    "can_sign": may_sign and status == Status.SIGNOFF,
                    "can_revise": may_edit and status == Status.PUBLISHED,
                    "now": timezone.now(),
                    "can_reschedule": (may_review or may_sign) and status == Status.SCHEDULED,
                    "can_urgent": policy.allows(user, "urgent", publication)
                    and status in (Status.DRAFT, Status.SUBMITTED),
                    "urgent_pending": publication.urgent_review_due is not None
                    and publication.urgent_reviewed_at is None
                    and status == Status.PUBLISHED,
                    "can_urgent_review": may_review
                    and publication.submitted_by_id != user.pk
                    and publication.urgent_review_due is not None
                    and publication.urgent_reviewed_at is None
                    and status == Status.PUBLISHED,
                    "can_withdraw": (may_edit or may_review) and status == Status.PUBLISHED,
                    "privacy": publication.privacy_report or None,
                    "privacy_checked_at": parse_datetime(
                        (publication.privacy_report or {}).get("checked_at") or ""
                    ),
                    "can_check_privacy": (may_edit and status == Status.DRAFT)
                    or (may_review and status == Status.SUBMITTED),
                    "can_mask": may_edit and status == Status.DRAFT,
                    "can_set_validity": (may_edit or may_review)
                    and status == Status.PUBLISHED
                    and publication.pub_type is not None
                    and publication.pub_type.is_policy,
                    "validity_choices": Publication.Validity.choices,
                    "interpretations": list(
                        Publication.objects.filter(interprets=publication)
                        .exclude(status__in=[Status.WITHDRAWN, Status.SUPERSEDED])
                        .order_by("pk")
                    ),
                    "needs_interpretation": publication.pub_type is not None
                    and publication.pub_type.needs_interpretation,
                    "deadline": worklist.deadline_html(
                        publication, *worklist.today_and_soon(request)
                    ),
                    "revision_of": publication.replaces,
                    "revised_by": Publication.objects.filter(replaces=publication).first(),
                    "events": events,
                }
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        """Show the publication's own event log: every change and review step."""
        publication = self._visible(request, object_id)
        if not self.has_view_permission(request, publication):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"操作记录：{publication.title}",
            "object": publication,
            "events": publication.events.select_related("user").order_by("-created_at", "-id")[
                :500
            ],
            "kind": "publication",
        }
        return TemplateResponse(request, "admin/object_events.html", context)

    def worklist_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "公开信息工作台",
            **worklist.build(request),
        }
        return TemplateResponse(request, "admin/publications/worklist.html", context)


@admin.register(PublicationEvent)
class PublicationEventAdmin(PeopleAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "division",
        "action",
        "from_status",
        "to_status",
        "publication",
        "actor",
    )
    people_fields = ("user",)
    list_filter = ("action", ScopedDivisionFilter)
    list_select_related = ("division", "publication", "user")
    search_fields = ("publication__title", "reason")
    show_full_result_count = False

    @admin.display(description=_("操作人"), ordering="user__last_name")
    def actor(self, obj):
        return display_name(obj.user, obj.division) or "系统"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _document_by_index(index_no: str) -> Publication | None:
    """Return the published document with 索引号 ``index_no`` (None for a blank one).

    Raise ValidationError naming the number when no published document carries it.
    """
    index_no = index_no.strip()
    if not index_no:
        return None
    found = Publication.objects.filter(status=Status.PUBLISHED, index_no=index_no).first()
    if found is None:
        raise ValidationError(f"没有索引号为“{index_no[:60]}”的已发布文件，请核对。")
    return found


class PublicationReferenceAdmin(PolicyAdminMixin, admin.ModelAdmin):
    """Types and 主题分类: data the city office keeps; every staff member may look."""


@admin.register(PublicationType)
class PublicationTypeAdmin(PublicationReferenceAdmin):
    list_display = (
        "display_order",
        "name",
        "is_policy",
        "needs_interpretation",
        "is_interpretation",
        "is_active",
        "publication_count",
    )
    list_display_links = ("name",)
    list_filter = ("is_active", "is_policy")
    search_fields = ("name",)
    filter_horizontal = ("items",)
    fields = (
        "name",
        "slug",
        "display_order",
        "is_policy",
        "needs_interpretation",
        "is_interpretation",
        "items",
        "is_active",
    )

    def get_queryset(self, request):
        # Meta.ordering does not apply to a grouped query: order it again.
        return (
            super()
            .get_queryset(request)
            .annotate(n_publications=Count("publications"))
            .order_by("display_order", "name")
        )

    @admin.display(description=_("信息数"), ordering="n_publications")
    def publication_count(self, obj):
        return obj.n_publications

    def has_delete_permission(self, request, obj=None):
        # Publications point at their type: a type is switched off (启用), not deleted.
        return False


@admin.register(Theme)
class ThemeAdmin(PublicationReferenceAdmin):
    list_display = ("code", "name", "parent")
    list_display_links = ("name",)
    list_filter = (("parent", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    list_per_page = 200

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            # Two levels: a sub-subject hangs under a top-level subject.
            kwargs["queryset"] = Theme.objects.filter(parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PublicationSeries)
class PublicationSeriesAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Recurring series (日报、周报…): the cadence the working list checks issues against."""

    form = PublicationSeriesForm
    list_display = (
        "name",
        "division",
        "entry_item",
        "cadence",
        "due_time",
        "starts_on",
        "ends_on",
        "is_active",
    )
    list_filter = ("is_active", "cadence", ScopedDivisionFilter)
    search_fields = ("name",)
    list_select_related = ("division", "entry__item")
    autocomplete_fields = ("entry",)
    readonly_fields = ()

    @admin.display(description=_("目录事项"), ordering="entry__item__name")
    def entry_item(self, obj):
        return obj.entry.item.name

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "entry":
            kwargs["queryset"] = entry_policy.instances_for(
                request.user, "view", "change"
            ).select_related(*PICKER_RELATED)
            kwargs["form_class"] = EntryChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)

        class RequestForm(form_class):
            def __init__(self, *args, **kw):
                kw["user"] = request.user
                super().__init__(*args, **kw)

        return RequestForm

    def save_model(self, request, obj, form, change):
        # The series lives where its entry does, owned by the entry's department.
        obj.division_id = obj.entry.division_id
        obj.department_id = obj.entry.department_id
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        # Issues point at their series: a series is stopped (进行中 off), not deleted.
        return False
