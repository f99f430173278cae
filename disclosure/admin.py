"""The 政府信息公开指南 in the staff admin: a division's office issues new versions; none is
edited or deleted once issued."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from districts.admin_scope import ScopedAdminMixin, ScopedDivisionFilter
from districts.people import display_name

from .models import GuideVersion
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
