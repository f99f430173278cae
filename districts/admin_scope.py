"""Division scope for ModelAdmins: lists, change pages, filters, autocomplete, export, actions.

A ModelAdmin that mixes this in names the lookup path from its model to a Division in
``scope_path`` (empty for Division itself). Objects outside the user's scope are simply absent:
their URLs answer 404, exactly like an id that does not exist.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Q
from django.http import Http404

from .models import Division, within_q
from .permissions import memberships_of, scope_q_for


class ScopedAdminMixin:
    #: Lookup path from the admin's model to its Division ("" for Division, "division__" ...).
    scope_path: str = "division__"
    #: Foreign keys to Division on the form whose choices are limited to the user's scope.
    scoped_division_fields: tuple[str, ...] = ("division", "parent")

    def get_queryset(self, request):
        """Return the rows in divisions where the user may view or change this model."""
        qs = super().get_queryset(request)
        opts = self.opts
        view, change = (f"{opts.app_label}.{a}_{opts.model_name}" for a in ("view", "change"))
        # Per role, not per membership: a reviewer somewhere must not see memberships there
        # just because they administer somewhere else.
        return qs.filter(scope_q_for(request.user, view, change, prefix=self.scope_path))

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

    def _perm(self, request, action: str, obj) -> bool:
        codename = f"{self.opts.app_label}.{action}_{self.opts.model_name}"
        return (
            request.user.has_perm(codename, obj)
            if obj is not None
            else request.user.has_perm(codename)
        )

    def has_view_permission(self, request, obj=None):
        return self._perm(request, "view", obj) or self._perm(request, "change", obj)

    def has_change_permission(self, request, obj=None):
        return self._perm(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return self._perm(request, "delete", obj)

    def has_add_permission(self, request):
        return self._perm(request, "add", None)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.scoped_division_fields and db_field.related_model is Division:
            match = request.resolver_match
            perm = "add" if match and match.url_name.endswith("_add") else "change"
            codename = f"{self.opts.app_label}.{perm}_{self.opts.model_name}"
            kwargs["queryset"] = Division.objects.filter(
                scope_q_for(request.user, codename)
            ).order_by("tree_id", "lft")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedDivisionFilter(admin.SimpleListFilter):
    """Filter by division among those in the user's scope, including what lies below."""

    title = "区划(含下级)"
    parameter_name = "within"
    scope_path = "division__"

    def __init__(self, request, params, model, model_admin):
        self.model_admin = model_admin
        super().__init__(request, params, model, model_admin)

    def _visible(self, request, model_admin):
        # The divisions whose rows this admin shows the user (per role, like get_queryset).
        opts = model_admin.opts
        perms = (f"{opts.app_label}.{a}_{opts.model_name}" for a in ("view", "change"))
        return Division.objects.filter(scope_q_for(request.user, *perms))

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
        return queryset.filter(within_q(division, prefix=self.scope_path))
