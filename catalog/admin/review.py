"""Review in the catalog admin: submit, recall, approve and return entries, alone or in bulk.

Every button and bulk action calls ``catalog.review``; the checks (state, scope, reviewing
office, self-approval) happen there, and a refusal comes back as a message, never a 500.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from .. import review, routing
from ..models import CatalogEntry, ReviewStatus
from ..policies import entries as policy

ACTIONS = {
    "submit": ("提交审核", review.entries_submit),
    "recall": ("撤回提交", review.entries_recall),
    "check": ("业务审核通过", review.entries_check),
    "approve": ("审核通过并发布", review.entries_approve),
    "return": ("退回修改", review.entries_return),
}


class ReviewStatusFilter(admin.SimpleListFilter):
    title = _("审核状态")
    parameter_name = "status__exact"

    def lookups(self, request, model_admin):
        return [*ReviewStatus.choices, ("mine", "待我审核")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "mine":
            return (
                policy.filter(queryset, request.user, "review")
                .filter(status=ReviewStatus.SUBMITTED)
                .exclude(submitted_by=request.user)
            )
        if value in ReviewStatus.values:
            return queryset.filter(status=value)
        return queryset


class EntryReviewAdminMixin:
    """Buttons on the change page and bulk actions on the list for the review chain."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:pk>/review/<str:action>/",
                self.admin_site.admin_view(self.review_view),
                name="{}_{}_review".format(*info),
            ),
            *super().get_urls(),
        ]

    def _run(self, request, action: str, entries, reason: str = "") -> bool:
        label, func = ACTIONS[action]
        kwargs = {"entries": entries, "user": request.user}
        if action == "return":
            kwargs["reason"] = reason
        try:
            done = func(**kwargs)
        except (ValidationError, PermissionDenied) as error:
            text = "；".join(getattr(error, "messages", None) or [str(error)])
            self.message_user(request, f"{label}未完成，没有任何事项被改动：{text}", messages.ERROR)
            return False
        self.message_user(request, f"已{label} {len(done)} 项。", messages.SUCCESS)
        return True

    def review_view(self, request, pk, action):
        entry = self.get_queryset(request).filter(pk=pk).with_item().first()
        if entry is None:
            raise Http404("对象不存在或不在您的管辖范围内。")
        if action not in ACTIONS:
            raise Http404("没有这个操作。")
        change_url = reverse("admin:catalog_catalogentry_change", args=[entry.pk])
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        if action == "return" and not request.POST.get("reason", "").strip():
            return self._reason_page(request, [entry], change_url)
        self._run(request, action, [entry], request.POST.get("reason", ""))
        return HttpResponseRedirect(change_url)

    def _reason_page(self, request, entries, back: str, bulk: bool = False):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "退回修改：请填写原因",
            "objects": entries,
            "back": back,
            "bulk": bulk,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "action_name": "return_selected",
            "error": "退回须填写原因。" if request.POST.get("reason_sent") else "",
        }
        return TemplateResponse(request, "admin/review_reason.html", context)

    def review_context(self, request, entry: CatalogEntry) -> dict:
        """Return what the change page's review panel shows and which buttons it offers."""
        may_edit = self.has_change_permission(request, entry)
        may_review = policy.allows(request.user, "review", entry)
        own = entry.submitted_by_id == request.user.pk
        waiting = may_review and not own and entry.status == ReviewStatus.SUBMITTED
        route = routing.route_of(entry, routing.routes_for(request.user))
        at_department = routing.stage_of(entry, route) == routing.DEPARTMENT
        checking = route is not None and route.before and at_department
        return {
            "review_entry": entry,
            "review_route": route
            and {
                "domain_name": entry.item.first_level.domain.name,
                "department_name": route.department_name,
                "before": route.before,
                "at_department": at_department and entry.status == ReviewStatus.SUBMITTED,
            },
            # A published entry's edits reopen it: saving and submitting is one step there too.
            "can_submit": may_edit and entry.status in (ReviewStatus.DRAFT, ReviewStatus.PUBLISHED),
            "can_recall": may_edit and entry.status == ReviewStatus.SUBMITTED,
            "can_check": waiting and checking,
            "can_decide": waiting and not checking,
            "own_submission": own and entry.status == ReviewStatus.SUBMITTED,
        }

    # -- bulk actions ---------------------------------------------------------------------
    @admin.action(description=_("提交所选事项审核"), permissions=["change"])
    def submit_selected(self, request, queryset):
        self._run(request, "submit", list(queryset))

    @admin.action(description=_("撤回所选事项的提交"), permissions=["change"])
    def recall_selected(self, request, queryset):
        self._run(request, "recall", list(queryset))

    @admin.action(description=_("业务审核通过所选事项（转市政务公开办）"), permissions=["view"])
    def check_selected(self, request, queryset):
        self._run(request, "check", list(queryset))

    @admin.action(description=_("审核通过并发布所选事项"), permissions=["view"])
    def approve_selected(self, request, queryset):
        self._run(request, "approve", list(queryset))

    @admin.action(description=_("退回所选事项（须填写原因）"), permissions=["view"])
    def return_selected(self, request, queryset):
        reason = request.POST.get("reason", "").strip()
        if not reason:
            entries = list(queryset.with_item())
            return self._reason_page(
                request,
                entries,
                reverse("admin:catalog_catalogentry_changelist"),
                bulk=True,
            )
        self._run(request, "return", list(queryset), reason)
        return None

    def history_view(self, request, object_id, extra_context=None):
        """Show the entry's own event log (every element change and review step)."""
        self._404_unless_visible(request, object_id)
        entry = self.get_queryset(request).with_item().get(pk=object_id)
        if not self.has_view_permission(request, entry):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"操作记录：{entry}",
            "object": entry,
            "events": entry.events.select_related("user").order_by("-created_at", "-id")[:500],
            "kind": "entry",
        }
        return TemplateResponse(request, "admin/object_events.html", context)
