"""Division scope for ModelAdmins: lists, change pages, filters, autocomplete, export, actions.

A ModelAdmin that mixes this in asks its model's policy (``districts.policy``) for every
question: which rows, which divisions on the form, which actions. Objects outside the user's
scope are simply absent: their URLs answer 404, exactly like an id that does not exist.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Q
from django.http import Http404

from .models import Division, within_q
from .policy import Policy, memberships_of, policy_for


class PolicyAdminMixin:
    """A ModelAdmin whose permission questions go to its model's policy."""

    @property
    def policy(self) -> Policy:
        """Return the model's registered policy (the system checks ensure there is one)."""
        return policy_for(self.model)

    def has_view_permission(self, request, obj=None):
        return self.policy.allows_any(request.user, "view", "change", obj=obj)

    def has_change_permission(self, request, obj=None):
        return self.policy.allows(request.user, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return self.policy.allows(request.user, "delete", obj)

    def has_add_permission(self, request):
        return self.policy.allows(request.user, "add")

    def has_export_permission(self, request):
        # django-import-export's export: whoever may view the rows (they come from the
        # scoped get_queryset) may export them.
        return self.policy.allows_any(request.user, "view", "change")


class ScopedAdminMixin(PolicyAdminMixin):
    #: Foreign keys to Division on the form whose choices are limited to the user's scope.
    scoped_division_fields: tuple[str, ...] = ("division", "parent")

    def get_queryset(self, request):
        """Return the rows in divisions where the user may view or change this model."""
        # Per role, not per membership: a reviewer somewhere must not see memberships there
        # just because they administer somewhere else.
        return self.policy.filter(super().get_queryset(request), request.user, "view", "change")

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index for a missing object; out of scope must look missing,
        # and a missing object is a 404.
        raise Http404("对象不存在或不在您的管辖范围内。")

    def _404_unless_visible(self, request, object_id) -> None:
        # Django checks permissions before it looks the object up, so an out-of-scope id
        # would answer 403; look it up first so that it answers exactly like a missing one.
        if object_id is not None and self.get_object(request, unquote(object_id)) is None:
            self._get_obj_does_not_exist_redirect(request, self.opts, object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._404_unless_visible(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._404_unless_visible(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._404_unless_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.scoped_division_fields and db_field.related_model is Division:
            match = request.resolver_match
            action = "add" if match and match.url_name.endswith("_add") else "change"
            kwargs["queryset"] = self.policy.divisions_for(request.user, action)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedDivisionFilter(admin.SimpleListFilter):
    """Filter by division among those in the user's scope, including what lies below."""

    title = "区划(含下级)"
    parameter_name = "within"

    def __init__(self, request, params, model, model_admin):
        self.model_admin = model_admin
        super().__init__(request, params, model, model_admin)

    def _visible(self, request, model_admin):
        # The divisions whose rows this admin shows the user (per role, like get_queryset).
        return policy_for(model_admin.model).divisions_for(request.user, "view", "change")

    def lookups(self, request, model_admin):
        # Townships are many (170 in Changsha): list them only where they are the user's own.
        own = [m.division_id for m in memberships_of(request.user)]
        divisions = self._visible(request, model_admin).exclude(
            Q(level=Division.Level.TOWNSHIP) & ~Q(pk__in=own)
        )
        return [(d.code, d.name) for d in divisions.order_by("tree_id", "lft")]

    def queryset(self, request, queryset):
        code = self.value()
        if not code:
            return queryset
        division = self._visible(request, self.model_admin).filter(code=code).first()
        if division is None:
            return queryset.none()
        path = policy_for(self.model_admin.model).path
        return queryset.filter(within_q(division, prefix=f"{path}__" if path else ""))
