"""The staff admin site: Django's, with a "view on site" shortcut and history pages that respect
scope.

Django's shortcut (``/admin/r/<content type>/<id>/``) redirects to any object's public URL
without asking whether the user may see the object, so a 302 against a 404 tells a township
clerk that another district's draft exists. Here the object is looked up through its own
ModelAdmin, whose queryset is scoped: out of scope answers 404, exactly like a missing id.

Django's history page (``<id>/history/``) looks the object up before it asks for permission: a
missing id is redirected (302), an existing one the user may not view is refused (403), so any
staff user could tell which users, groups or sync runs exist. Here a user who may not view the
model at all gets 404 for every id.

The index shows the user's 待办 / 待审 / 待签 at the top (``publications.worklist.pending``, with
``foi.worklist.card`` for 依申请公开),
and the autocomplete lets the searched ModelAdmin name its options (``autocomplete_label``).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpResponseRedirect
from django.urls import path

from .admin_help import help_urls

NOT_FOUND = "对象不存在或不在您的管辖范围内。"


class PortalAutocompleteJsonView(AutocompleteJsonView):
    """Django's autocomplete; the searched ModelAdmin may label the options its own way.

    A ModelAdmin with ``autocomplete_label(obj)`` names each option with it, and joins what
    the label reads with ``autocomplete_select_related``: one query for the page of options.
    """

    def get_queryset(self):
        queryset = super().get_queryset()
        related = getattr(self.model_admin, "autocomplete_select_related", ())
        return queryset.select_related(*related) if related else queryset

    def serialize_result(self, obj, to_field_name):
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is None:
            return super().serialize_result(obj, to_field_name)
        return {"id": str(getattr(obj, to_field_name)), "text": label(obj)}


class PortalAdminSite(admin.AdminSite):
    def index(self, request, extra_context=None):
        from foi.worklist import card
        from publications.worklist import pending

        cards = pending(request.user)
        foi_card = card(request.user)
        if foi_card is not None:
            cards.append(foi_card)
        extra_context = {**(extra_context or {}), "pending": cards}
        return super().index(request, extra_context)

    def autocomplete_view(self, request):
        return PortalAutocompleteJsonView.as_view(admin_site=self)(request)

    def get_urls(self):
        urls = super().get_urls()
        shortcut = path(
            "r/<path:content_type_id>/<path:object_id>/",
            self.admin_view(self.view_on_site),
            name="view_on_site",
        )
        urls = [shortcut if getattr(u, "name", None) == "view_on_site" else u for u in urls]
        # The help centre (帮助中心, portal/admin_help.py), before the admin's catch-all.
        return [*help_urls(self), *urls]

    def admin_view(self, view, cacheable=False):
        model_admin = getattr(view, "__self__", None)
        if isinstance(model_admin, admin.ModelAdmin) and view.__name__ == "history_view":
            view = _history_for_viewers(model_admin, view)
        return super().admin_view(view, cacheable)

    def view_on_site(self, request, content_type_id, object_id):
        """Redirect to the object's public page, or 404 unless the user may view it here."""
        try:
            content_type = ContentType.objects.get_for_id(int(content_type_id))
        except (ValueError, ContentType.DoesNotExist) as error:
            raise Http404(NOT_FOUND) from error
        model = content_type.model_class()
        model_admin = self._registry.get(model) if model is not None else None
        if model_admin is None or not hasattr(model, "get_absolute_url"):
            raise Http404(NOT_FOUND)
        try:
            obj = model_admin.get_object(request, object_id)
        except (ValueError, TypeError) as error:
            raise Http404(NOT_FOUND) from error
        if obj is None or not model_admin.has_view_permission(request, obj):
            raise Http404(NOT_FOUND)
        return HttpResponseRedirect(obj.get_absolute_url())


def _history_for_viewers(model_admin: admin.ModelAdmin, view):
    """Return ``view`` (a history page) answering 404 to users who may not view the model."""

    @wraps(view)
    def history(request, object_id, extra_context=None):
        if not model_admin.has_view_or_change_permission(request):
            raise Http404(NOT_FOUND)
        return view(request, object_id, extra_context)

    return history
