"""The 政府信息公开指南 in the staff admin: a division's office issues new versions; none is
edited or deleted once issued. The 政府信息公开工作年度报告: drafted, checked, submitted,
reviewed and published, with who has not published by the deadline above the list."""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.contrib import messages as django_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from districts.admin_scope import ScopedAdminMixin, ScopedDivisionFilter
from districts.models import Department
from districts.people import display_name

from .models import AnnualReport, GuideVersion
from .report import layout as report_layout
from .report import present as report_present
from .report import selectors as report_selectors
from .report import services as report_services
from .services import FIELDS, guide_version_create


@admin.register(GuideVersion)
class GuideVersionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """List every version; "增加" issues the next one, pre-filled from the division's latest."""

    list_display = ("division", "version_label", "change_note", "created_at", "author")
    list_filter = (ScopedDivisionFilter,)
    list_select_related = ("division", "created_by")
    search_fields = ("division__name", "change_note")
    fields = ("division", *FIELDS)
    ordering = ("division__code", "-version")

    @admin.display(description=_("版本"), ordering="version")
    def version_label(self, obj):
        return f"第{obj.version}版"

    @admin.display(description=_("修订人"))
    def author(self, obj):
        return display_name(obj.created_by, obj.division) if obj.created_by else "系统"

    def has_change_permission(self, request, obj=None):
        # An issued version is the record of what the public read: never changed in place.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        """Start a new version from the division's latest one (``?division=<id>``)."""
        initial = super().get_changeform_initial_data(request)
        division_id = str(initial.get("division") or "")
        # A forged ?division= (not a number, or out of scope) just starts from a blank form.
        if division_id.isdigit() and len(division_id) <= 18:
            latest = (
                self.get_queryset(request)
                .filter(division_id=division_id)
                .order_by("-version")
                .first()
            )
            if latest is not None:
                initial.update({name: getattr(latest, name) for name in FIELDS})
                initial["change_note"] = ""
        return initial

    def save_model(self, request, obj, form, change):
        try:
            saved = guide_version_create(
                division=obj.division,
                data={name: form.cleaned_data.get(name, "") for name in FIELDS},
                user=request.user,
            )
        except ValidationError as error:
            raise PermissionDenied(" ".join(error.messages)) from error
        obj.pk, obj.version = saved.pk, saved.version


def _figure_fields() -> dict[str, forms.Field]:
    """Return one form field per figure the office may type in (``fig_<key>``)."""
    fields: dict[str, forms.Field] = {}
    for cell in report_layout.TWO_CELLS:
        label = f"表二 {report_layout.TWO_BLOCK_OF[cell.key]}·{cell.label}"
        help_text = (
            "平台无此类信息，须填写（没有的填0）。"
            if cell.source is None
            else "留空则由平台统计；填写则以填写的数为准，并标注“手工填报”。"
        )
        if cell.decimal:
            fields[f"fig_{cell.key}"] = forms.DecimalField(
                label=label,
                required=False,
                min_value=0,
                decimal_places=report_layout.FEE_DECIMALS,
                max_digits=report_layout.FEE_MAX_DIGITS,
                help_text=help_text,
            )
        else:
            fields[f"fig_{cell.key}"] = forms.IntegerField(
                label=label, required=False, min_value=0, help_text=help_text
            )
    for group, title in report_layout.GROUPS:
        for outcome, label in report_layout.OUTCOMES:
            fields[f"fig_{group}_{outcome}"] = forms.IntegerField(
                label=f"表四 {title}·{label}", required=False, min_value=0
            )
    return fields


class AnnualReportFormBase(forms.ModelForm):
    """The report's texts and, as separate fields, every figure the office may type in."""

    class Meta:
        model = AnnualReport
        fields = ("division", "department", "year", "overview", "problems", "other_matters")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        figures = (self.instance.figures if self.instance.pk else None) or {}
        for key in report_layout.FIGURE_KEYS:
            if f"fig_{key}" in self.fields:
                self.fields[f"fig_{key}"].initial = figures.get(key)

    def figures(self) -> dict:
        """Return the typed-in figures from the cleaned form, keyed as the report keeps them."""
        return {
            key: str(value) if isinstance(value, Decimal) else value
            for key in report_layout.FIGURE_KEYS
            if (value := self.cleaned_data.get(f"fig_{key}")) is not None
        }

    def clean(self):
        cleaned = super().clean()
        try:
            report_services.clean_figures(self.figures())
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error
        return cleaned


AnnualReportForm = type("AnnualReportForm", (AnnualReportFormBase,), _figure_fields())


@admin.register(AnnualReport)
class AnnualReportAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Draft, check, submit, review and publish annual reports; the list opens with who has
    not published by the deadline (this list's scope)."""

    form = AnnualReportForm
    change_list_template = "disclosure/report_admin_changelist.html"
    list_display = ("publisher", "year", "status", "submitted_at", "reviewed_at", "published_at")
    list_filter = (ScopedDivisionFilter, "status", "year")
    list_select_related = ("division", "department")
    search_fields = ("division__name", "department__name")
    ordering = ("-year", "division__tree_id", "division__lft", "department_id")
    actions = ("submit_selected", "approve_selected", "return_selected", "publish_selected")
    readonly_fields = ("status", "return_reason", "tables")

    @admin.display(description=_("编报单位"), ordering="division__code")
    def publisher(self, obj):
        return obj.publisher_name

    @admin.display(description=_("统计表与校验"))
    def tables(self, obj):
        if obj is None or obj.pk is None:
            return "保存草稿后显示平台统计的表格和校验结果。"
        snapshot, found = report_services.report_preview(obj)
        return render_to_string(
            "disclosure/report_admin_tables.html",
            {"doc": report_present.document(obj, snapshot), "problems": found, "report": obj},
        )

    def get_fieldsets(self, request, obj=None):
        two = tuple(f"fig_{c.key}" for c in report_layout.TWO_CELLS)
        four = tuple(f"fig_{key}" for key in report_layout.FOUR_KEYS)
        return (
            (None, {"fields": ("division", "department", "year", "status", "return_reason")}),
            (_("正文"), {"fields": ("overview", "problems", "other_matters")}),
            (_("表二 手工填报"), {"fields": two}),
            (
                _("表四 行政复议、行政诉讼（手工填报）"),
                {"fields": four},
            ),
            (_("统计表与校验"), {"fields": ("tables",)}),
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # Whose report and which year are fixed once it exists.
            fields += ["division", "department", "year"]
        return fields

    def has_change_permission(self, request, obj=None):
        # Only a draft is edited; a submitted report is what its reviewer checks.
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.status == AnnualReport.Status.DRAFT)

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "department":
            divisions = self.policy.divisions_for(request.user, "add")
            kwargs["queryset"] = Department.objects.filter(
                division__in=divisions, is_active=True
            ).select_related("division")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data.get(name, "") for name in report_services.TEXT_FIELDS}
        data["figures"] = form.figures()
        try:
            if change:
                saved = report_services.report_update(report=obj, data=data, user=request.user)
            else:
                saved = report_services.report_create(
                    division=obj.division,
                    department=obj.department,
                    year=obj.year,
                    data=data,
                    user=request.user,
                )
        except ValidationError as error:
            raise PermissionDenied(" ".join(error.messages)) from error
        obj.pk = saved.pk

    def changelist_view(self, request, extra_context=None):
        """Show the list with, above it, the publishers whose deadline passed unpublished."""
        raw = request.GET.get("overdue_year", "")
        if "overdue_year" in request.GET:
            # Not a filter of the list: keep the changelist from reading it as a lookup.
            request.GET = request.GET.copy()
            del request.GET["overdue_year"]
        today = timezone.localdate()
        year = int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 else today.year - 1
        year = min(max(year, 2008), today.year)
        extra = {
            "overdue": report_selectors.overdue(request.user, year, today),
            "overdue_year": year,
            "overdue_years": range(today.year - 1, today.year - 6, -1),
        }
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    # -- the review chain, as actions on the selected reports -------------------------------
    def _each(self, request, queryset, step, done: str, **kwargs):
        ok = 0
        for report in queryset:
            try:
                step(report=report, user=request.user, **kwargs)
                ok += 1
            except (ValidationError, PermissionDenied) as error:
                messages = getattr(error, "messages", None) or [str(error)]
                self.message_user(
                    request, f"{report}：{'；'.join(messages)}", level=django_messages.ERROR
                )
        if ok:
            self.message_user(request, f"已{done}{ok}份年度报告。", level=django_messages.SUCCESS)

    @admin.action(description=_("校验并提交审核"))
    def submit_selected(self, request, queryset):
        self._each(request, queryset, report_services.report_submit, "提交")

    @admin.action(description=_("审核通过"))
    def approve_selected(self, request, queryset):
        self._each(request, queryset, report_services.report_approve, "审核通过")

    @admin.action(description=_("退回修改"))
    def return_selected(self, request, queryset):
        reason = (request.POST.get("reason") or "").strip()
        if "reason_sent" not in request.POST:
            reports = list(queryset)
            return TemplateResponse(
                request,
                "admin/review_reason.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.opts,
                    "objects": reports,
                    "bulk": True,
                    "selected": [r.pk for r in reports],
                    "action_name": "return_selected",
                    "back": request.get_full_path(),
                    "title": "退回年度报告",
                },
            )
        self._each(request, queryset, report_services.report_return, "退回", reason=reason)
        return None

    @admin.action(description=_("发布到门户"))
    def publish_selected(self, request, queryset):
        self._each(request, queryset, report_services.report_publish, "发布")
