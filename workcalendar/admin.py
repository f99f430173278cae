"""Staff admin for the working-day calendar; every write goes through workcalendar.services.

Who may do what is asked of the models' policies (granted per role in workcalendar.policies):
all staff may look, the city office's administrators and superusers maintain it, and only
superusers forget a whole year.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from districts.admin_scope import PolicyAdminMixin

from . import services
from .models import CalendarYear, SpecialDay

WEEKDAYS = "一二三四五六日"
PACKAGE_SOURCE = "chinesecalendar"


class SpecialDayInline(admin.TabularInline):
    model = SpecialDay
    fields = ("date", "weekday", "kind", "name")
    readonly_fields = ("weekday",)
    ordering = ("date",)
    extra = 3

    def get_extra(self, request, obj=None, **kwargs):
        # A recorded year is complete; blank rows are for entering a new one.
        return 0 if obj is not None else self.extra

    @admin.display(description=_("星期"))
    def weekday(self, obj):
        return f"星期{WEEKDAYS[obj.date.weekday()]}" if obj.date else ""


class SourceFilter(admin.SimpleListFilter):
    title = _("来源")
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return [("package", _("chinesecalendar 数据包")), ("manual", _("手工录入"))]

    def queryset(self, request, queryset):
        if self.value() == "package":
            return queryset.filter(source__startswith=PACKAGE_SOURCE)
        if self.value() == "manual":
            return queryset.exclude(source__startswith=PACKAGE_SOURCE)
        return queryset


@admin.register(CalendarYear)
class CalendarYearAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("year", "holiday_count", "makeup_count", "source", "updated_at")
    list_filter = (SourceFilter,)
    search_fields = ("=year", "source", "note")
    fields = ("year", "source", "note", "created_at", "updated_at")
    inlines = [SpecialDayInline]

    def get_queryset(self, request):
        kinds = SpecialDay.Kind
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_holidays=Count("special_days", filter=Q(special_days__kind=kinds.HOLIDAY)),
                n_makeup=Count("special_days", filter=Q(special_days__kind=kinds.MAKEUP_WORKDAY)),
            )
            # Meta.ordering does not apply to a grouped query; the autocomplete pages through it.
            .order_by("-year")
        )

    def get_readonly_fields(self, request, obj=None):
        # The year is the key its days hang on; enter another year instead of renumbering.
        return ("year", "created_at", "updated_at") if obj else ("created_at", "updated_at")

    def has_delete_permission(self, request, obj=None):
        # Forgetting a year stops every deadline across it from being computed.
        return request.user.is_superuser

    @admin.display(description=_("放假天数"), ordering="n_holidays")
    def holiday_count(self, obj):
        return obj.n_holidays

    @admin.display(description=_("调休上班天数"), ordering="n_makeup")
    def makeup_count(self, obj):
        return obj.n_makeup

    def save_model(self, request, obj, form, change):
        saved = services.calendar_year_save(year=obj.year, source=obj.source, note=obj.note)
        obj.created_at, obj.updated_at = saved.created_at, saved.updated_at
        obj._state.adding, obj._state.db = False, saved._state.db

    def save_formset(self, request, form, formset, change):
        # The admin wraps the year and its days in one transaction, so a new year is
        # recorded together with all its days or not at all.
        days = formset.save(commit=False)
        for day in formset.deleted_objects:
            services.special_day_delete(special_day=day)
        for day in days:
            services.special_day_save(
                calendar_year=form.instance,
                day=day.date,
                kind=day.kind,
                name=day.name,
                special_day=day,
            )

    def delete_model(self, request, obj):
        services.calendar_year_delete(calendar_year=obj)

    def delete_queryset(self, request, queryset):
        for calendar_year in queryset:
            services.calendar_year_delete(calendar_year=calendar_year)


@admin.register(SpecialDay)
class SpecialDayAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name", "calendar_year")
    list_filter = ("kind", "calendar_year", "name")
    search_fields = ("name",)
    date_hierarchy = "date"
    list_select_related = ("calendar_year",)
    fields = ("calendar_year", "date", "kind", "name")

    @admin.display(description=_("星期"), ordering="date")
    def weekday(self, obj):
        return f"星期{WEEKDAYS[obj.date.weekday()]}"

    def save_model(self, request, obj, form, change):
        services.special_day_save(
            calendar_year=obj.calendar_year,
            day=obj.date,
            kind=obj.kind,
            name=obj.name,
            special_day=obj,
        )

    def delete_model(self, request, obj):
        services.special_day_delete(special_day=obj)

    def delete_queryset(self, request, queryset):
        for special_day in queryset:
            services.special_day_delete(special_day=special_day)
