"""Staff admin for the catalog, scoped by division; every write goes through catalog.services."""

from __future__ import annotations

import io
from urllib.parse import quote

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin

from districts.admin_scope import ScopedAdminMixin, ScopedDivisionFilter
from districts.models import Division, within_q
from districts.people import PeopleAdminMixin, display_name, prime
from districts.policies import departments as department_policy
from districts.policy import acting_department

from .. import display, elements, jobs, review, services
from ..forms import CatalogEntryForm
from ..labels import PICKER_RELATED, picker_label
from ..models import (
    CatalogEntry,
    CatalogEvent,
    Domain,
    Element,
    ReviewStatus,
    SecondLevelItem,
    describe_value,
)
from ..review import SUBMIT_FIELD
from ..workbooks import export as workbook_export
from ..workbooks.resources import CatalogEntryResource
from .imports import CatalogJobAdminMixin
from .review import EntryReviewAdminMixin, ReviewStatusFilter


def _frozen_fields(fields):
    """Return ``fields`` with 公开层级 swapped for its readable, read-only rendering."""
    return tuple(
        _frozen_fields(f)
        if isinstance(f, list | tuple)
        else ("levels_shown" if f == "levels" else f)
        for f in fields
    )


def _flatten(fields) -> list[str]:
    out: list[str] = []
    for field in fields:
        out.extend(field if isinstance(field, tuple | list) else [field])
    return out


class EntryDivisionFilter(ScopedDivisionFilter):
    pass


class DerivationStateFilter(admin.SimpleListFilter):
    title = _("派生状态")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("upstream", _("上级已调整，待处理")),
            ("personalised", _("有个性要素")),
            ("following", _("完全跟随上级")),
            ("own", _("本级新增/参考目录")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "upstream":
            return queryset.needing_attention()
        if value == "personalised":
            return queryset.filter(source__isnull=False).exclude(overridden=[])
        if value == "following":
            return queryset.filter(source__isnull=False, overridden=[])
        if value == "own":
            return queryset.filter(source__isnull=True)
        return queryset


@admin.register(CatalogEntry)
class CatalogEntryAdmin(
    CatalogJobAdminMixin, EntryReviewAdminMixin, ScopedAdminMixin, ExportMixin, admin.ModelAdmin
):
    form = CatalogEntryForm
    resource_classes = [CatalogEntryResource]
    list_display = (
        "item_name",
        "first_level_name",
        "domain_name",
        "division",
        "department",
        "item_type",
        "state",
        "review_state",
        "demo_label",
    )
    list_filter = (
        ReviewStatusFilter,
        EntryDivisionFilter,
        ("item__first_level__domain", admin.RelatedOnlyFieldListFilter),
        "division__level",
        DerivationStateFilter,
        "is_dropped",
        "item_type",
    )
    search_fields = (
        "item__name",
        "item__first_level__name",
        "item__first_level__domain__name",
        "division__name",
        "content",
    )
    list_select_related = ("item__first_level__domain", "division", "department")
    autocomplete_fields = ("division", "item")
    # The publication form's entry picker searches here: "领域 · 一级事项 · 二级事项（区划）".
    autocomplete_select_related = PICKER_RELATED
    actions = [
        "submit_selected",
        "recall_selected",
        "check_selected",
        "approve_selected",
        "return_selected",
        "drop_selected",
        "restore_selected",
    ]
    list_per_page = 50
    change_form_template = "admin/catalog/catalogentry/change_form.html"
    change_list_template = "admin/catalog/catalogentry/change_list.html"
    fieldsets = (
        (None, {"fields": ("division", "item", "department")}),
        (
            _("公开要素"),
            {"fields": elements.fieldset_fields()},
        ),
    )

    @admin.display(description=_("公开层级"))
    def levels_shown(self, obj):
        return display.value_html(display.shown(Element.LEVELS, obj.levels))

    # -- list columns ---------------------------------------------------------------------
    @admin.display(description=_("二级事项"), ordering="item__name")
    def item_name(self, obj):
        return obj.item.name

    @admin.display(description=_("一级事项"), ordering="item__first_level__name")
    def first_level_name(self, obj):
        return obj.item.first_level.name

    @admin.display(description=_("领域"), ordering="item__first_level__domain__display_order")
    def domain_name(self, obj):
        return obj.item.first_level.domain.name

    @admin.display(description=_("状态"))
    def state(self, obj):
        if obj.is_dropped:
            return format_html(
                '<span class="badge badge-muted">{}</span>', obj.get_drop_reason_display()
            )
        badges = []
        if obj.upstream_changed:
            badges.append(
                format_html(
                    '<span class="badge badge-warn">上级已调整 {}</span>', len(obj.upstream_changed)
                )
            )
        if obj.overridden:
            badges.append(
                format_html('<span class="badge">个性要素 {}</span>', len(obj.overridden))
            )
        if not badges:
            badges.append(
                format_html(
                    '<span class="badge badge-ok">{}</span>',
                    "跟随上级" if obj.source_id else "本级",
                )
            )
        return format_html(" ".join(["{}"] * len(badges)), *badges)

    @admin.display(description=_("审核状态"), ordering="status")
    def review_state(self, obj):
        return format_html(
            '<span class="badge status-{}">{}</span>', obj.status, obj.get_status_display()
        )

    @admin.display(description=_("演示"))
    def demo_label(self, obj):
        return "演示数据" if obj.is_demo else ""

    def autocomplete_label(self, obj):
        return picker_label(obj)

    def get_export_resource_classes(self, request):
        return [CatalogEntryResource]

    # -- scope and permissions ------------------------------------------------------------
    def has_delete_permission(self, request, obj=None):
        # Entries are dropped (删减) and restored, never deleted: history and sources point at them.
        return False

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not queryset.ordered:
            # The autocomplete pages through this; give it a stable order (the list sets its own).
            queryset = queryset.order_by("division__tree_id", "division__lft", "item_id", "pk")
        return queryset, may_have_duplicates

    def get_fieldsets(self, request, obj=None):
        if obj is None or obj.status != ReviewStatus.SUBMITTED:
            return super().get_fieldsets(request, obj)
        # Read-only, 公开层级 reads as the review panel's table, not as its stored JSON.
        return [
            (name, {**options, "fields": _frozen_fields(options["fields"])})
            for name, options in self.fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == ReviewStatus.SUBMITTED:
            # Frozen while the office above reviews it; the panel offers to recall it.
            return [
                f
                for _name, options in self.get_fieldsets(request, obj)
                for f in _flatten(options["fields"])
            ]
        if obj is not None:
            # Handing items to departments is the division office's coordination.
            office = self.policy.allows(request.user, "change", obj.division)
            return ("division", "item") if office else ("division", "item", "department")
        return ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "department":
            kwargs["queryset"] = department_policy.instances_for(request.user, "view").filter(
                is_active=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        # 保存并提交审核 posts the form itself: the edits are saved through the same service
        # and checks, then submitted, in one transaction; nothing on the page is dropped.
        submitting = request.method == "POST" and SUBMIT_FIELD in request.POST and obj is not None
        return type(form_class.__name__, (form_class,), {"submitting": submitting})

    def save_model(self, request, obj, form, change):
        try:
            if change:
                services.entry_update(entry=obj, changes=form.element_changes(), user=request.user)
                if "department" in form.changed_data:
                    services.entry_assign_department(
                        entry=obj, department=form.cleaned_data["department"], user=request.user
                    )
                if form.submitting:
                    review.entries_submit(entries=[obj], user=request.user)
            else:
                created = services.entry_create(
                    division=form.cleaned_data["division"],
                    item=form.cleaned_data["item"],
                    values=form.element_values(),
                    user=request.user,
                )
                chosen = form.cleaned_data.get("department")
                if chosen is not None and created.department_id is None:
                    services.entry_assign_department(
                        entry=created, department=chosen, user=request.user
                    )
                obj.pk = created.pk
        except ValidationError as error:
            # The form validated the same rules; this only fires on a race with another writer.
            raise PermissionDenied("；".join(error.messages)) from error

    def save_related(self, request, form, formsets, change):
        # Channels were written by the service (with propagation); don't save the M2M again.
        return None

    def response_change(self, request, obj):
        if SUBMIT_FIELD in request.POST:
            self.message_user(request, f"已保存修改并提交审核：“{obj}”。", messages.SUCCESS)
            return HttpResponseRedirect(self._change_url(obj))
        return super().response_change(request, obj)

    # -- per-entry derivation actions -----------------------------------------------------
    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("tree/", wrap(self.tree_view), name="{}_{}_tree".format(*info)),
            path("derive/", wrap(self.derive_view), name="{}_{}_derive".format(*info)),
            path(
                "standard-export/",
                wrap(self.standard_export_view),
                name="{}_{}_standard_export".format(*info),
            ),
            path("<int:pk>/drop/", wrap(self.drop_view), name="{}_{}_drop".format(*info)),
            path("<int:pk>/restore/", wrap(self.restore_view), name="{}_{}_restore".format(*info)),
            path(
                "<int:pk>/upstream/<str:element>/<str:decision>/",
                wrap(self.upstream_view),
                name="{}_{}_upstream".format(*info),
            ),
            *super().get_urls(),
        ]

    def _entry_for_change(self, request, pk) -> CatalogEntry:
        entry = self.get_queryset(request).filter(pk=pk).first()
        if entry is None:
            raise Http404("对象不存在或不在您的管辖范围内。")
        if not self.has_change_permission(request, entry):
            raise PermissionDenied
        return entry

    def _change_url(self, entry) -> str:
        return reverse("admin:catalog_catalogentry_change", args=[entry.pk])

    def drop_view(self, request, pk):
        entry = self._entry_for_change(request, pk)
        affected = services.drop_preview(entry)
        if request.method == "POST":
            try:
                dropped = services.entry_drop(
                    entry=entry, user=request.user, confirm=bool(request.POST.get("confirm"))
                )
            except services.DropNeedsConfirmation as pending:
                affected = pending.affected
            except ValidationError as error:
                self.message_user(request, "；".join(error.messages), messages.ERROR)
                return HttpResponseRedirect(self._change_url(entry))
            else:
                self.message_user(
                    request,
                    f"已删减“{entry.item.name}”，下级目录同时删减 {len(dropped)} 项。",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._change_url(entry))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "确认删减事项",
            "entries": [entry],
            "affected": affected,
        }
        return TemplateResponse(request, "admin/catalog/catalogentry/drop_confirm.html", context)

    def restore_view(self, request, pk):
        entry = self._entry_for_change(request, pk)
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(entry))
        try:
            restored = services.entry_restore(entry=entry, user=request.user)
        except ValidationError as error:
            self.message_user(request, "；".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                f"已恢复“{entry.item.name}”，下级目录同时恢复 {len(restored)} 项。",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(self._change_url(entry))

    def upstream_view(self, request, pk, element, decision):
        entry = self._entry_for_change(request, pk)
        if element not in Element.values or decision not in ("accept", "keep"):
            raise Http404("没有这个要素。")
        if request.method == "POST":
            try:
                if decision == "accept":
                    services.entry_accept_upstream(entry=entry, element=element, user=request.user)
                    note = "已采用上级的“%s”，今后随上级更新。"
                else:
                    services.entry_keep_own(entry=entry, element=element, user=request.user)
                    note = "已保留本级的“%s”。"
            except ValidationError as error:
                self.message_user(request, "；".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, note % Element(element).label, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(entry))

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_derive": self.has_change_permission(request)}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        entry = (
            self.get_queryset(request)
            .select_related("source__division", "submitted_by", "reviewed_by")
            .filter(pk=object_id)
            .first()
        )
        if entry is not None:
            events = list(entry.events.select_related("user")[:20])
            # Everyone the page names, with the department they act for: one query.
            prime([entry.submitted_by, entry.reviewed_by, *(e.user for e in events)])
            rows = []
            # What the public would read for a followed element is the source's published
            # value: the reviewer sees it, and a flag where the working copy carries a change
            # the source's office has not approved yet.
            source_published = entry.source.published_values if entry.source else None
            # As the snapshot stores them (channel names), to compare with what was published.
            working = display.working_values(entry)
            for element in Element:
                shown = working[element]
                own = describe_value(element, shown)
                published = (
                    describe_value(element, source_published.get(element))
                    if source_published is not None
                    else None
                )
                overridden = element in entry.overridden
                rows.append(
                    {
                        "element": element,
                        "own": own,
                        "own_shown": display.shown(element, shown),
                        "source_published": published,
                        "source_shown": (
                            display.shown(element, source_published.get(element))
                            if source_published is not None
                            else None
                        ),
                        "overridden": overridden,
                        "moved": element in entry.upstream_changed,
                        "pending_upstream": bool(
                            entry.source
                            and not overridden
                            and source_published is not None
                            and shown != source_published.get(element)
                        ),
                    }
                )
            extra_context.update(
                {
                    "derivation_rows": rows,
                    # The reviewer's comparison: the published entry → its working copy.
                    "review_changes": display.entry_changes(entry, working),
                    "entry_obj": entry,
                    "derived_count": CatalogEntry.objects.filter(
                        source=entry, is_dropped=False
                    ).count(),
                    "events": events,
                    # Frozen while the office above reviews it.
                    "can_change_entry": self.has_change_permission(request, entry)
                    and entry.status != ReviewStatus.SUBMITTED,
                    "review_url_base": reverse(
                        "admin:catalog_catalogentry_review", args=[entry.pk, "x"]
                    )[:-2],
                    **self.review_context(request, entry),
                }
            )
        return super().change_view(request, object_id, form_url, extra_context)

    # -- bulk actions ---------------------------------------------------------------------
    @admin.action(description=_("删减所选事项"), permissions=["change"])
    def drop_selected(self, request, queryset):
        entries = [
            e
            for e in queryset.filter(is_dropped=False).with_item()
            if self.has_change_permission(request, e)
        ]
        affected = [a for e in entries for a in services.drop_preview(e)]
        if request.POST.get("confirm") or (request.POST.get("post") and not affected):
            total = 0
            for entry in entries:
                total += len(services.entry_drop(entry=entry, user=request.user, confirm=True))
            self.message_user(
                request,
                f"已删减 {len(entries)} 项，下级目录同时删减 {total} 项。",
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "确认删减事项",
            "entries": entries,
            "affected": affected,
            "bulk": True,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "admin/catalog/catalogentry/drop_confirm.html", context)

    @admin.action(description=_("恢复所选事项"), permissions=["change"])
    def restore_selected(self, request, queryset):
        done, refused = 0, []
        for entry in queryset.filter(is_dropped=True).with_item():
            if not self.has_change_permission(request, entry):
                continue
            try:
                services.entry_restore(entry=entry, user=request.user)
                done += 1
            except ValidationError as error:
                refused.append(f"{entry}：{'；'.join(error.messages)}")
        self.message_user(request, f"已恢复 {done} 项。", messages.SUCCESS)
        for note in refused:
            self.message_user(request, note, messages.WARNING)

    # -- whole-catalog views --------------------------------------------------------------
    def _division_for(self, request, code: str | None) -> Division:
        visible = self.policy.divisions_for(request.user, "view", "change")
        if code:
            division = visible.filter(code=code).first()
            if division is None:
                raise Http404("区划不存在或不在您的管辖范围内。")
            return division
        division = visible.first()
        if division is None:
            raise PermissionDenied
        return division

    def tree_view(self, request):
        """Show domain → first-level → second-level items with entry counts under a division."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        division = self._division_for(request, request.GET.get("within"))
        under = within_q(division, prefix="entries__division__") & Q(entries__is_dropped=False)
        items = (
            SecondLevelItem.objects.select_related("first_level__domain")
            .annotate(n=Count("entries", filter=under))
            .order_by(
                "first_level__domain__display_order",
                "first_level__display_order",
                "display_order",
                "pk",
            )
        )
        tree: list[dict] = []
        for item in items:
            domain, first = item.first_level.domain, item.first_level
            if not tree or tree[-1]["domain"] != domain:
                tree.append({"domain": domain, "firsts": [], "items": 0, "entries": 0})
            node = tree[-1]
            if not node["firsts"] or node["firsts"][-1]["first"] != first:
                node["firsts"].append({"first": first, "items": [], "entries": 0})
            node["firsts"][-1]["items"].append(item)
            node["firsts"][-1]["entries"] += item.n
            node["items"] += 1
            node["entries"] += item.n
        empty_domains = Domain.objects.exclude(pk__in=[n["domain"].pk for n in tree])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"目录树 · {division.name}",
            "division": division,
            "tree": tree,
            "empty_domains": empty_domains,
            "division_choices": self.policy.divisions_for(request.user, "view", "change").filter(
                ~Q(level=Division.Level.TOWNSHIP) | Q(pk=division.pk)
            ),
            "subdivision_count": division.descendants(include_self=True).count(),
        }
        return TemplateResponse(request, "admin/catalog/catalogentry/tree.html", context)

    def standard_export_view(self, request):
        """Export a division's catalog (or one domain of it): standard workbook, CSV or JSON."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        divisions = self.policy.divisions_for(request.user, "view", "change")
        if request.GET.get("division"):
            division = divisions.filter(code=request.GET["division"]).first()
            if division is None:
                raise Http404("区划不存在或不在您的管辖范围内。")
            domain = None
            raw = request.GET.get("domain", "")
            if raw:
                # Any text may arrive here: only a known domain's number is looked up.
                number = raw.isascii() and raw.isdigit() and len(raw) <= 9
                domain = Domain.objects.filter(pk=int(raw)).first() if number else None
                if domain is None:
                    self.message_user(
                        request, f"没有这个领域（{raw[:20]}），请从列表中选择。", messages.ERROR
                    )
                    return HttpResponseRedirect(
                        reverse("admin:catalog_catalogentry_standard_export")
                    )
            kind = request.GET.get("format", "xlsx")
            if kind not in ("xlsx", "csv", "json"):
                raise Http404("不支持的导出格式。")
            # A department's staff export what their department owns, like every list they see.
            department = acting_department(request.user, division)
            return export_download(
                division=division, domain=domain, kind=kind, department=department
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "导出标准目录",
            "choices": divisions,
            "domains": Domain.objects.all(),
        }
        return TemplateResponse(request, "admin/catalog/catalogentry/standard_export.html", context)

    def derive_view(self, request):
        """Derive (or complete) a division's catalog from its parent's, as a background job."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        choices = self.policy.divisions_for(request.user, "change").exclude(parent__isnull=True)
        if request.method == "POST":
            division = get_object_or_404(choices, code=request.POST.get("division", ""))
            try:
                job = jobs.derive_start(
                    user=request.user,
                    division=division,
                    with_children=bool(request.POST.get("with_children")),
                    by_level=bool(request.POST.get("by_level")),
                )
            except (ValidationError, PermissionDenied) as error:
                text = "；".join(getattr(error, "messages", None) or [str(error)])
                self.message_user(request, text, messages.ERROR)
                return HttpResponseRedirect(reverse("admin:catalog_catalogentry_derive"))
            return HttpResponseRedirect(self._job_url(job))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "从上级目录生成本级目录",
            "choices": choices,
        }
        return TemplateResponse(request, "admin/catalog/catalogentry/derive.html", context)


def export_download(
    *, division: Division, domain: Domain | None, kind: str, department=None
) -> HttpResponse:
    """Return the division's catalog as a file download in ``kind`` (xlsx, csv or json).

    With ``department``, only that department's entries (its name goes into the file name).
    """
    owner = department.name if department is not None else ""
    name = f"{division.name}{owner}{domain.name if domain else ''}基层政务公开标准目录.{kind}"
    scope = {"division": division, "domain": domain, "department": department}
    if kind == "xlsx":
        buffer = io.BytesIO()
        workbook_export.export_workbook(**scope, stream=buffer)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        body = buffer.getvalue()
    else:
        text = io.StringIO()
        writer = workbook_export.export_csv if kind == "csv" else workbook_export.export_json
        writer(**scope, stream=text)
        content_type = "text/csv; charset=utf-8" if kind == "csv" else "application/json"
        body = text.getvalue().encode("utf-8")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@admin.register(CatalogEvent)
class CatalogEventAdmin(PeopleAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "division", "action", "element", "entry_item", "actor")
    people_fields = ("user",)
    list_filter = ("action", "element", EntryDivisionFilter)
    list_select_related = ("division", "entry__item", "user")
    search_fields = (
        "entry__item__name",
        "division__name",
        "user__username",
        "user__last_name",
        "user__first_name",
    )
    date_hierarchy = "created_at"

    @admin.display(description=_("事项"))
    def entry_item(self, obj):
        return obj.entry.item.name if obj.entry_id else ""

    @admin.display(description=_("操作人"), ordering="user__last_name")
    def actor(self, obj):
        return display_name(obj.user, obj.division) or "系统"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
