"""Staff admin for search: the synonyms the city keeps, and what people search for (热门搜索,
无结果搜索 per week, read only). Every write goes through
search.services, which forgets the cached synonym map once the change is committed.

Who may do what is asked of the model's policy (search.policies): administrators may look,
the city office's administrators and superusers maintain the list.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from districts.admin_scope import PolicyAdminMixin

from . import services
from .models import SearchQueryStat, SearchSynonym, ZeroResultQuery
from .text import normalise


class SearchSynonymForm(forms.ModelForm):
    class Meta:
        model = SearchSynonym
        fields = ("term", "equivalent", "note", "is_active")

    # Folded here as the service folds them, so that the form's unique check sees the stored value.
    def clean_term(self):
        return normalise(self.cleaned_data["term"]).strip()

    def clean_equivalent(self):
        return normalise(self.cleaned_data["equivalent"]).strip()


@admin.register(SearchSynonym)
class SearchSynonymAdmin(PolicyAdminMixin, admin.ModelAdmin):
    form = SearchSynonymForm
    list_display = ("term", "equivalent", "is_active", "note", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("term", "equivalent", "note")
    fields = ("term", "equivalent", "note", "is_active", "updated_at")
    readonly_fields = ("updated_at",)

    def save_model(self, request, obj, form, change):
        services.synonym_save(synonym=obj)

    def delete_model(self, request, obj):
        services.synonyms_delete(ids=[obj.pk])

    def delete_queryset(self, request, queryset):
        services.synonyms_delete(ids=list(queryset.values_list("pk", flat=True)))


class WeekFilter(admin.SimpleListFilter):
    title = _("周")
    parameter_name = "week"

    def lookups(self, request, model_admin):
        weeks = SearchQueryStat.objects.order_by("-week").values_list("week", flat=True).distinct()
        return [(w.isoformat(), f"{w:%G 年第 %V 周}（{w:%m-%d} 起）") for w in weeks[:12]]

    def queryset(self, request, queryset):
        return queryset.filter(week=self.value()) if self.value() else queryset


class _ReadOnlyStats(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("query", "week_label", "searches", "zero_result_searches", "last_result_count")
    list_filter = (WeekFilter,)
    search_fields = ("query",)
    ordering = ("-week", "-searches", "query")
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("周"), ordering="week")
    def week_label(self, obj):
        return f"{obj.week:%G 年第 %V 周}"


@admin.register(SearchQueryStat)
class PopularSearchAdmin(_ReadOnlyStats):
    """热门搜索: every counted query, the most searched of each week first."""


@admin.register(ZeroResultQuery)
class ZeroResultSearchAdmin(_ReadOnlyStats):
    """无结果搜索: the queries that found nothing at least once, most frequent first."""

    ordering = ("-week", "-zero_result_searches", "query")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(zero_result_searches__gt=0)
