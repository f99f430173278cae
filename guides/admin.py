"""Staff admin for guides and sync runs: guides are read-only copies of the platform's; operators
start a sync, watch its runs and retry the items that failed."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from districts.admin_scope import PolicyAdminMixin
from districts.people import display_name
from outbox.services import enqueue

from .models import Guide, SyncFailure, SyncRun
from .policies import sync_runs as sync_policy
from .tasks import retry_failed_guides, sync_guides


class ReadOnlyAdminMixin:
    """Rows written only by the sync: viewable, never added, changed or deleted by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Guide)
class GuideAdmin(ReadOnlyAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "area_code", "division", "type_name", "status", "changed_at"]
    list_filter = ["status", "type_name", "division"]
    search_fields = ["name", "unify_id", "rights_code", "task_code", "org_name"]
    list_select_related = ["division"]
    readonly_fields = ["public_page"]
    list_per_page = 50
    fieldsets = [
        (
            _("事项"),
            {
                "fields": [
                    "public_page",
                    "unify_id",
                    "name",
                    "type_name",
                    "rights_code",
                    "task_code",
                    "yw_code",
                    "area_code",
                    "division",
                    "org_name",
                    "dept_name",
                    "serve_object",
                ]
            },
        ),
        (
            _("同步"),
            {"fields": ["status", "first_synced_at", "changed_at", "withdrawn_at", "content_hash"]},
        ),
    ]

    @admin.display(description=_("门户页面"))
    def public_page(self, obj):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            obj.get_absolute_url(),
            "查看办事指南页面",
        )


class SyncFailureInline(admin.TabularInline):
    model = SyncFailure
    fk_name = "run"
    extra = 0
    can_delete = False
    fields = ["stage", "unify_id", "name", "reason", "resolved_by"]
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("resolved_by")


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "kind",
        "status",
        "trigger",
        "started_at",
        "duration",
        "counts",
        "open_failures",
    ]
    list_filter = ["status", "kind", "trigger"]
    fields = [
        "kind",
        "trigger",
        "status",
        "base_url",
        "started_by_name",
        "retry_of",
        "started_at",
        "heartbeat_at",
        "finished_at",
        "listed",
        "created",
        "changed",
        "unchanged",
        "withdrawn",
        "failed",
        "requests",
        "message",
    ]
    readonly_fields = fields
    inlines = [SyncFailureInline]
    list_per_page = 50
    change_list_template = "admin/guides/syncrun/change_list.html"
    change_form_template = "admin/guides/syncrun/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_failure_count=Count(
                    "failures",
                    filter=Q(failures__resolved_by__isnull=True) & ~Q(failures__unify_id=""),
                )
            )
        )

    @admin.display(description=_("发起人"))
    def started_by_name(self, obj):
        # 姓名, not the user name; a scheduled run has nobody.
        return display_name(obj.started_by) or "系统定时任务"

    @admin.display(description=_("编号"), ordering="pk")
    def number(self, obj):
        return f"#{obj.pk}"

    @admin.display(description=_("新增/变更/未变/取消/失败"))
    def counts(self, obj):
        return f"{obj.created} / {obj.changed} / {obj.unchanged} / {obj.withdrawn} / {obj.failed}"

    @admin.display(description=_("用时"))
    def duration(self, obj):
        end = obj.finished_at or timezone.now()
        return f"{(end - obj.started_at).total_seconds():.1f} 秒"

    @admin.display(description=_("待重试"), ordering="open_failure_count")
    def open_failures(self, obj):
        return obj.open_failure_count

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("start/", wrap(self.start_view), name="{}_{}_start".format(*info)),
            path("<int:pk>/retry/", wrap(self.retry_view), name="{}_{}_retry".format(*info)),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_run_sync": sync_policy.allows(request.user, "run_sync"),
            "running_run": SyncRun.objects.live().first(),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "can_retry": bool(
                run is not None
                and sync_policy.allows(request.user, "run_sync")
                and run.is_finished
                and run.failures.filter(resolved_by__isnull=True).exclude(unify_id="").exists()
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _changelist(self):
        return HttpResponseRedirect(reverse("admin:guides_syncrun_changelist"))

    def start_view(self, request):
        """Queue a full sync (POST only) and go back to the list of runs."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not sync_policy.allows(request.user, "run_sync"):
            raise Http404
        # A running run whose worker went silent does not block: the new run takes it over.
        running = SyncRun.objects.live().first()
        if running is not None:
            messages.warning(request, f"已有同步在运行（#{running.pk}），请等它结束后再试。")
            return self._changelist()
        enqueue(sync_guides, trigger=SyncRun.Trigger.ADMIN, user_id=request.user.pk)
        messages.success(request, "已发起全量同步；完成后刷新本页即可看到结果。")
        return self._changelist()

    def retry_view(self, request, pk):
        """Queue a retry of the run's failed items (POST only)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not sync_policy.allows(request.user, "run_sync"):
            raise Http404
        run = SyncRun.objects.filter(pk=pk).first()
        if run is None:
            raise Http404
        if not run.is_finished:
            messages.warning(request, "该同步尚未结束，结束后才能重试失败条目。")
        elif not run.failures.filter(resolved_by__isnull=True).exclude(unify_id="").exists():
            messages.info(request, "该同步没有待重试的失败条目。")
        else:
            enqueue(retry_failed_guides, run.pk, user_id=request.user.pk)
            messages.success(request, f"已发起对同步 #{run.pk} 失败条目的重试。")
        return self._changelist()
