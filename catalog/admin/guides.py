"""Ties between catalog entries and service guides in the admin (目录事项与办事指南的关联).

The change list shows the ties in the user's scope; two lists show what is still untied (service
entries without a guide, active guides without an entry), each row leading to a tie page. Every
write goes through ``catalog.guide_links`` (``link_set``, ``link_clear``, ``links_refresh``),
whose refusals come back as form errors or messages in Chinese, never a 500. Entries outside the
user's scope answer 404, like ids that do not exist.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from districts.admin_scope import ScopedAdminMixin, ScopedDivisionFilter
from guides.models import Guide

from ..guide_links import (
    areas_visible_to,
    entries_visible_to,
    entries_without_guide,
    entry_area,
    entry_search,
    entry_service_values,
    guide_area_q,
    guide_search,
    guides_without_entry,
    link_clear,
    link_set,
    links_refresh,
    service_as_published_q,
)
from ..models import CatalogEntry, GuideLink
from ..policies import entries as entry_policy

PAGE_SIZE = 50
# How many candidates a tie page offers at once; a search narrows them down.
CANDIDATES = 50
NOT_FOUND = "对象不存在或不在您的管辖范围内。"


# -- rows -----------------------------------------------------------------------------------
def entry_rows(user, entries) -> list[dict]:
    """Return the entries as list rows: the service name as the public reads it, and whether
    the user may tie it (memberships are cached on the user, so this asks no queries)."""
    return [
        {
            "entry": entry,
            "service_name": entry_service_values(entry)[1],
            "can_tie": entry_policy.allows(user, "change", entry),
        }
        for entry in entries
    ]


# -- forms ----------------------------------------------------------------------------------
class GuideChoiceForm(forms.Form):
    """Pick the guide to tie an entry to; the service decides whether it fits."""

    guide = forms.ModelChoiceField(
        label=_("办事指南"),
        queryset=Guide.objects.all(),
        error_messages={
            "required": "请选择要关联的办事指南。",
            "invalid_choice": "没有这个办事指南，请从搜索结果中选择。",
        },
    )


class EntryChoiceForm(forms.Form):
    """Pick the entry to tie a guide to, among the entries the user sees."""

    entry = forms.ModelChoiceField(
        label=_("目录事项"),
        queryset=CatalogEntry.objects.none(),
        error_messages={
            "required": "请选择要关联的目录事项。",
            "invalid_choice": "没有这个目录事项，或它不在您的管辖范围内。",
        },
    )

    def __init__(self, *args, entries: QuerySet[CatalogEntry], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = entries


def _service_errors(form: forms.Form, error: ValidationError | PermissionDenied) -> None:
    """Put a service's refusal on the form, as the service worded it."""
    if isinstance(error, ValidationError):
        form.add_error(None, error)
    else:
        form.add_error(None, str(error) or "您无权修改该区划的目录事项。")


# -- the admin ------------------------------------------------------------------------------
class GuideStatusFilter(admin.SimpleListFilter):
    title = _("指南状态")
    parameter_name = "guide_status"

    def lookups(self, request, model_admin):
        return Guide.Status.choices

    def queryset(self, request, queryset):
        if self.value() in Guide.Status.values:
            return queryset.filter(guide__status=self.value())
        return queryset


@admin.register(GuideLink)
class GuideLinkAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "entry_item",
        "entry_division",
        "service_name",
        "guide_name",
        "guide_area",
        "guide_status",
        "method",
        "linked_by",
        "linked_at",
    )
    list_filter = ("method", GuideStatusFilter, ScopedDivisionFilter)
    search_fields = (
        "entry__item__name",
        "entry__service_name",
        "guide__name",
        "guide__task_code",
        "guide__rights_code",
    )
    list_select_related = (
        "entry__division",
        "entry__item__first_level__domain",
        "guide__division",
        "linked_by",
    )
    list_per_page = PAGE_SIZE
    show_full_result_count = False
    ordering = ("entry__division__tree_id", "entry__division__lft", "entry__item_id")
    change_list_template = "admin/catalog/guidelink/change_list.html"

    # -- columns --------------------------------------------------------------------------
    @admin.display(description=_("领域 / 事项"), ordering="entry__item__name")
    def entry_item(self, obj):
        return f"{obj.entry.item.first_level.domain.name} / {obj.entry.item.name}"

    @admin.display(description=_("区划"), ordering="entry__division__lft")
    def entry_division(self, obj):
        return obj.entry.division.name

    @admin.display(description=_("对应本级政务服务事项名称"))
    def service_name(self, obj):
        return entry_service_values(obj.entry)[1]

    @admin.display(description=_("办事指南"), ordering="guide__name")
    def guide_name(self, obj):
        return obj.guide.name

    @admin.display(description=_("指南区划"), ordering="guide__area_code")
    def guide_area(self, obj):
        return obj.guide.division.name if obj.guide.division_id else obj.guide.area_code

    @admin.display(description=_("指南状态"), ordering="guide__status")
    def guide_status(self, obj):
        css = "badge-ok" if obj.guide.status == Guide.Status.ACTIVE else "badge-danger"
        return format_html('<span class="badge {}">{}</span>', css, obj.guide.get_status_display())

    # -- scope and permissions ------------------------------------------------------------
    # Ties belong to their entries: whoever may view or change an entry may see or change
    # its tie. Ties are made and cleared on the tie pages, never through the model form.
    # The policy (catalog.policies.guide_links) scopes the list and answers view and change.
    def has_add_permission(self, request):
        return self.policy.allows(request.user, "change")

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        # A tie starts from the entry that lacks one.
        if not self.has_add_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(reverse("admin:catalog_guidelink_unlinked_entries"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        link = self.get_object(request, unquote(object_id))
        if link is None:
            raise Http404(NOT_FOUND)
        return HttpResponseRedirect(reverse("admin:catalog_guidelink_entry", args=[link.pk]))

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_refresh": entry_policy.allows(request.user, "change"),
        }
        return super().changelist_view(request, extra_context)

    # -- pages ----------------------------------------------------------------------------
    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "unlinked-entries/",
                wrap(self.unlinked_entries_view),
                name="catalog_guidelink_unlinked_entries",
            ),
            path(
                "unlinked-guides/",
                wrap(self.unlinked_guides_view),
                name="catalog_guidelink_unlinked_guides",
            ),
            path("entry/<int:pk>/", wrap(self.entry_view), name="catalog_guidelink_entry"),
            path("entry/<int:pk>/clear/", wrap(self.clear_view), name="catalog_guidelink_clear"),
            path("guide/<int:pk>/", wrap(self.guide_view), name="catalog_guidelink_guide"),
            path("refresh/", wrap(self.refresh_view), name="catalog_guidelink_refresh"),
            *super().get_urls(),
        ]

    def _context(self, request, title: str, **kwargs) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "can_refresh": entry_policy.allows(request.user, "change"),
            **kwargs,
        }

    def _next(self, request, default: str) -> str:
        target = request.POST.get("next") or request.GET.get("next") or ""
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
        return default

    @staticmethod
    def _page(request, queryset):
        page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
        keep = {k: v for k, v in request.GET.items() if k != "page" and v}

        def url(number: int) -> str:
            return "?" + urlencode({**keep, "page": number})

        return {
            "page": page,
            "prev_url": url(page.previous_page_number()) if page.has_previous() else "",
            "next_url": url(page.next_page_number()) if page.has_next() else "",
            "here": request.get_full_path(),
        }

    def unlinked_entries_view(self, request):
        """List the service entries in the user's scope that no guide is tied to."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        term = request.GET.get("q", "")
        entries = entry_search(
            entries_without_guide().filter(
                service_as_published_q(), entry_policy.scope_q(request.user, "view", "change")
            ),
            term,
        )
        paged = self._page(
            request,
            entries.with_item().order_by("division__tree_id", "division__lft", "item_id", "pk"),
        )
        context = self._context(
            request,
            "未关联指南的目录事项",
            term=term,
            rows=entry_rows(request.user, paged["page"].object_list),
            **paged,
        )
        return TemplateResponse(request, "admin/catalog/guidelink/unlinked_entries.html", context)

    def unlinked_guides_view(self, request):
        """List the active guides of the user's areas that no entry is tied to."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        areas = list(areas_visible_to(request.user))
        codes = [d.code for d in areas]
        chosen = request.GET.get("area", "")
        if chosen:
            # An area outside the user's scope lists nothing rather than everything.
            codes = [chosen] if chosen in codes else []
        elif request.user.is_superuser:
            codes = None
        term = request.GET.get("q", "")
        guides = guide_search(guides_without_entry().filter(guide_area_q(codes)), term)
        paged = self._page(request, guides.select_related("division"))
        context = self._context(
            request,
            "未关联目录的指南",
            term=term,
            areas=areas,
            chosen_area=chosen,
            **paged,
        )
        return TemplateResponse(request, "admin/catalog/guidelink/unlinked_guides.html", context)

    def entry_view(self, request, pk):
        """Show an entry's tie and offer the active guides of its area to tie it to."""
        entry = (
            entries_visible_to(request.user)
            .with_item()
            .select_related("guide_link__guide__division", "guide_link__linked_by")
            .filter(pk=pk)
            .first()
        )
        if entry is None:
            raise Http404(NOT_FOUND)
        back = reverse("admin:catalog_guidelink_unlinked_entries")
        form = GuideChoiceForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            guide = form.cleaned_data["guide"]
            try:
                link_set(entry=entry, guide=guide, user=request.user)
            except (ValidationError, PermissionDenied) as error:
                _service_errors(form, error)
            else:
                self.message_user(
                    request, f"已将“{entry}”关联到办事指南“{guide.name}”。", messages.SUCCESS
                )
                return HttpResponseRedirect(self._next(request, request.path))
        term = request.GET.get("q", "")
        candidates = guide_search(
            Guide.objects.active().filter(area_code__startswith=entry_area(entry.division.code)),
            term,
        ).select_related("division")
        link = getattr(entry, "guide_link", None)
        context = self._context(
            request,
            f"关联办事指南：{entry}",
            entry=entry,
            link=link,
            service_name=entry_service_values(entry)[1],
            is_service=entry_service_values(entry)[0] == CatalogEntry.ItemType.SERVICE,
            can_tie=entry_policy.allows(request.user, "change", entry),
            form=form,
            term=term,
            candidates=candidates[:CANDIDATES],
            candidate_count=candidates.count(),
            limit=CANDIDATES,
            next=self._next(request, ""),
            back=back,
        )
        return TemplateResponse(request, "admin/catalog/guidelink/entry_tie.html", context)

    def clear_view(self, request, pk):
        """Remove an entry's tie (POST); a later automatic refresh may tie it again."""
        entry = entries_visible_to(request.user).select_related("division").filter(pk=pk).first()
        if entry is None:
            raise Http404(NOT_FOUND)
        here = reverse("admin:catalog_guidelink_entry", args=[entry.pk])
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            cleared = link_clear(entry=entry, user=request.user)
        except PermissionDenied as error:
            self.message_user(request, str(error) or "您无权修改该区划的目录事项。", messages.ERROR)
        else:
            if cleared:
                self.message_user(request, f"已清除“{entry}”的指南关联。", messages.SUCCESS)
            else:
                self.message_user(request, f"“{entry}”没有关联办事指南。", messages.WARNING)
        return HttpResponseRedirect(self._next(request, here))

    def guide_view(self, request, pk):
        """Show a guide and offer the service entries of its area in the user's scope."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        codes = None
        if not request.user.is_superuser:
            codes = [d.code for d in areas_visible_to(request.user)]
        guide = Guide.objects.filter(guide_area_q(codes), pk=pk).select_related("division").first()
        if guide is None:
            raise Http404(NOT_FOUND)
        visible = entries_visible_to(request.user)
        form = EntryChoiceForm(
            request.POST or None, entries=visible.with_item().select_related("guide_link")
        )
        if request.method == "POST" and form.is_valid():
            entry = form.cleaned_data["entry"]
            try:
                link_set(entry=entry, guide=guide, user=request.user)
            except (ValidationError, PermissionDenied) as error:
                _service_errors(form, error)
            else:
                self.message_user(
                    request, f"已将“{entry}”关联到办事指南“{guide.name}”。", messages.SUCCESS
                )
                return HttpResponseRedirect(self._next(request, request.path))
        term = request.GET.get("q", "")
        candidates = (
            entry_search(
                CatalogEntry.objects.filter(
                    service_as_published_q(),
                    entry_policy.scope_q(request.user, "view", "change"),
                    is_dropped=False,
                    division__code__startswith=guide.area_code[:6],
                ),
                term,
            )
            .with_item()
            .select_related("guide_link__guide")
            .annotate(tied=Exists(GuideLink.objects.filter(entry=OuterRef("pk"))))
            .order_by("tied", "division__tree_id", "division__lft", "item_id", "pk")
        )
        context = self._context(
            request,
            f"关联目录事项：{guide.name}",
            guide=guide,
            form=form,
            term=term,
            rows=entry_rows(request.user, candidates[:CANDIDATES]),
            candidate_count=candidates.count(),
            limit=CANDIDATES,
            next=self._next(request, ""),
        )
        return TemplateResponse(request, "admin/catalog/guidelink/guide_tie.html", context)

    def refresh_view(self, request):
        """Tie every service entry again automatically (POST); hand-made ties are kept."""
        if not entry_policy.allows(request.user, "change"):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        # Only the user's own catalogs: a township clerk does not re-tie the whole city.
        divisions = None
        if not request.user.is_superuser:
            divisions = list(
                entry_policy.divisions_for(request.user, "change").values_list("pk", flat=True)
            )
        counts = links_refresh(divisions=divisions)
        self.message_user(
            request,
            f"已重新自动关联：新增 {counts.created} 项，变更 {counts.changed} 项，"
            f"解除 {counts.removed} 项，保持不变 {counts.kept} 项（人工关联均保留）。",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            self._next(request, reverse("admin:catalog_guidelink_changelist"))
        )
