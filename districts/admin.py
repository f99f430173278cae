from django.contrib import admin
from django.db.models import Count, Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .admin_scope import ScopedAdminMixin, ScopedDivisionFilter
from .banners import division_banner_set
from .models import Division, Membership
from .services import division_create, division_update, membership_grant, membership_update

EDITABLE = ("name", "slug", "kind", "display_order", "nbs_code")


@admin.register(Division)
class DivisionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The division tree with per-division counts; scoped to the user's divisions."""

    scope_path = ""
    scoped_division_fields = ("parent",)
    list_display = ("tree_name", "code", "level", "kind", "child_count", "entry_count")
    list_filter = ("level", "kind")
    search_fields = ("name", "code", "slug")
    ordering = ("tree_id", "lft")
    list_per_page = 200
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "code",
                    "parent",
                    "level",
                    "kind",
                    "slug",
                    "display_order",
                    "nbs_code",
                )
            },
        ),
        (_("专栏横幅"), {"fields": ("banner_preview", "banner", "banner_alt")}),
    )
    change_list_template = "admin/districts/division/change_list.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_children=Count("children", distinct=True),
                n_entries=Count(
                    "catalog_entries",
                    filter=Q(catalog_entries__is_dropped=False),
                    distinct=True,
                ),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not request.user.is_superuser:
            # The official code and the place in the tree come from the national register.
            return ("code", "parent", "level", "banner_preview")
        return ("banner_preview",)

    def has_delete_permission(self, request, obj=None):
        # Divisions are referenced by catalogs and history; they are never deleted here.
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            division_create(division=obj)
            return
        current = Division.objects.get(pk=obj.pk)
        division_update(
            division=current,
            changes={f: form.cleaned_data[f] for f in form.changed_data if f in EDITABLE},
            user=request.user,
        )
        if {"banner", "banner_alt"} & set(form.changed_data):
            upload = form.cleaned_data.get("banner")
            if upload is False:  # the "clear" box: no banner, and so no alt text
                banner = None
            elif "banner" in form.changed_data:
                banner = upload
            else:
                banner = False  # keep the file, change the alt text
            division_banner_set(
                division=current,
                banner=banner,
                alt=form.cleaned_data.get("banner_alt", ""),
                user=request.user,
            )

    @admin.display(description=_("名称"), ordering="lft")
    def tree_name(self, obj):
        return format_html(
            '<span style="padding-left:{}em">{}{}</span>',
            2 * (obj.depth or 0),
            "└ " if obj.depth else "",
            obj.name,
        )

    @admin.display(description=_("当前横幅"))
    def banner_preview(self, obj):
        if obj is None or not obj.banner:
            return _("未上传，专栏显示纯色标题栏。")
        return format_html(
            '<img src="{}" alt="{}" style="max-width:600px;width:100%;height:auto">',
            obj.banner_url,
            obj.banner_alt,
        )

    @admin.display(description=_("下级区划数"), ordering="n_children")
    def child_count(self, obj):
        return obj.n_children

    @admin.display(description=_("目录事项数"), ordering="n_entries")
    def entry_count(self, obj):
        return obj.n_entries


class MembershipDivisionFilter(ScopedDivisionFilter):
    pass


@admin.register(Membership)
class MembershipAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "user_full_name", "division", "role", "is_active", "created_at")
    list_filter = ("role", "is_active", MembershipDivisionFilter)
    search_fields = ("user__username", "user__first_name", "division__name")
    list_select_related = ("user", "division")
    autocomplete_fields = ("division",)
    raw_id_fields = ("user",)

    @admin.display(description=_("姓名"), ordering="user__first_name")
    def user_full_name(self, obj):
        return obj.user.get_full_name()

    def get_readonly_fields(self, request, obj=None):
        # A membership is granted to one user in one division; change the role or revoke it.
        return ("user", "division") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if change:
            membership_update(membership=obj, role=obj.role, is_active=obj.is_active)
        else:
            membership = membership_grant(user=obj.user, division=obj.division, role=obj.role)
            obj.pk = membership.pk
