"""Staff admin for search: the synonyms the city keeps. Every write goes through
search.services, which forgets the cached synonym map once the change is committed.

Who may do what is asked of the model's policy (search.policies): administrators may look,
the city office's administrators and superusers maintain the list.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin

from districts.admin_scope import PolicyAdminMixin

from . import services
from .models import SearchSynonym
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
