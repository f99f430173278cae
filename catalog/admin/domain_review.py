"""Admin for 市直部门分领域审核: which city department reviews which domain, and how.

Every write goes through ``catalog.services.domain_review_save`` / ``domain_review_delete``;
only the city's administrators may change the table (its policy grants at the city office).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from districts.admin_scope import PolicyAdminMixin
from districts.models import Department

from .. import routing, services
from ..models import CatalogEntry, DomainReview, ReviewStatus


class DomainReviewForm(forms.ModelForm):
    class Meta:
        model = DomainReview
        fields = ("domain", "department", "mode")
        widgets = {"mode": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "department" not in self.fields:  # the read-only view, for everyone but the city
            return
        # Only the city's own departments: a district's 区民政局 cannot review other districts.
        self.fields["department"].queryset = Department.objects.filter(
            division__parent__isnull=True, is_active=True
        )
        self.fields["department"].help_text = "市本级的部门；在“部门”中为市本级添加。"
        self.fields["domain"].help_text = "各区（县、市）目录中该领域提交的事项，将送该部门审核。"

    def _post_clean(self):
        super()._post_clean()
        # The service's checks, so that a refusal lands on the field, not in a 500.
        department = self.cleaned_data.get("department")
        if department is not None and department.division.parent_id is not None:
            self.add_error("department", "只能指定市直部门。")


@admin.register(DomainReview)
class DomainReviewAdmin(PolicyAdminMixin, admin.ModelAdmin):
    form = DomainReviewForm
    list_display = ("domain", "department", "mode", "reviewer_count", "waiting_count")
    list_select_related = ("domain", "department")
    ordering = ("domain__display_order", "domain__name")

    def get_queryset(self, request):
        reviewers = Q(department__memberships__in=_reviewer_memberships())
        staffed = routing.Membership.objects.filter(
            routing.department_reviewers_q(), department=OuterRef("department")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                reviewers=Count("department__memberships", filter=reviewers, distinct=True),
                # The waiting count in the same query, whatever the number of rows: every
                # submitted district entry of the domain ("instead"), or those the department
                # has not checked yet ("before"); none while the department has no reviewer,
                # as the office then reviews them (routing.stage_of).
                waiting=Case(
                    When(~Exists(staffed), then=Value(0)),
                    When(mode=DomainReview.Mode.BEFORE, then=_waiting(checked_at__isnull=True)),
                    default=_waiting(),
                    output_field=IntegerField(),
                ),
            )
        )

    @admin.display(description="审核人员")
    def reviewer_count(self, obj):
        return obj.reviewers or "无（暂由市政务公开办审核）"

    @admin.display(description="待业务部门审核", ordering="waiting")
    def waiting_count(self, obj):
        return obj.waiting

    def save_model(self, request, obj, form, change):
        services.domain_review_save(review=obj, user=request.user)
        if not _route(obj).staffed:
            self.message_user(
                request,
                f"{obj.department.name}尚无审核人员：在其有审核人员之前，"
                f"“{obj.domain.name}”领域仍由市政务公开办审核。",
                messages.WARNING,
            )

    def delete_model(self, request, obj):
        services.domain_review_delete(review=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.domain_review_delete(review=obj, user=request.user)


def _waiting(**extra) -> Coalesce:
    """Return the count of submitted district entries in the outer row's domain."""
    rows = (
        CatalogEntry.objects.filter(
            status=ReviewStatus.SUBMITTED,
            division__depth=1,
            item__first_level__domain_id=OuterRef("domain_id"),
            **extra,
        )
        .order_by()
        .values("item__first_level__domain_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _reviewer_memberships():
    return routing.Membership.objects.filter(routing.department_reviewers_q())


def _route(review: DomainReview) -> routing.Route:
    return routing.load_routes().get(review.domain_id) or routing.Route(
        review.domain_id, review.department_id, review.department.name, review.mode, False
    )
