"""Admin for the reference catalog: domains, first- and second-level items, channels."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from districts.admin_scope import PolicyAdminMixin

from ..models import Channel, Domain, FirstLevelItem, SecondLevelItem


class ReferenceAdmin(PolicyAdminMixin, admin.ModelAdmin):
    """Shared reference data: everyone may look, the city office maintains it, nobody deletes."""

    # Nobody is granted delete: items are referenced by every catalog; a superuser decides.


@admin.register(Domain)
class DomainAdmin(ReferenceAdmin):
    list_display = ("display_order", "name", "issuing_department", "doc_no", "item_count")
    list_display_links = ("name",)
    search_fields = ("name", "issuing_department")
    prepopulated_fields = {}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n_items=Count("first_level_items__second_level_items", distinct=True))
            # Meta.ordering does not apply to a grouped query; the autocomplete pages through it.
            .order_by("display_order", "name")
        )

    @admin.display(description=_("二级事项数"), ordering="n_items")
    def item_count(self, obj):
        return obj.n_items


@admin.register(FirstLevelItem)
class FirstLevelItemAdmin(ReferenceAdmin):
    list_display = ("name", "domain", "display_order")
    list_filter = ("domain",)
    search_fields = ("name", "domain__name")
    list_select_related = ("domain",)


@admin.register(SecondLevelItem)
class SecondLevelItemAdmin(ReferenceAdmin):
    list_display = ("name", "first_level_name", "domain_name", "display_order")
    list_filter = ("first_level__domain",)
    search_fields = ("name", "first_level__name", "first_level__domain__name")
    list_select_related = ("first_level__domain",)
    autocomplete_fields = ("first_level",)

    @admin.display(description=_("一级事项"), ordering="first_level__name")
    def first_level_name(self, obj):
        return obj.first_level.name

    @admin.display(description=_("领域"), ordering="first_level__domain__display_order")
    def domain_name(self, obj):
        return obj.first_level.domain.name


@admin.register(Channel)
class ChannelAdmin(ReferenceAdmin):
    list_display = ("display_order", "name", "is_standard")
    list_display_links = ("name",)
    list_filter = ("is_standard",)
    search_fields = ("name",)
