from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .admin_scope import ScopedAdminMixin, ScopedDivisionFilter
from .banners import division_banner_set
from .models import Department, Division, Membership
from .people import display_name
from .policies import departments as department_policy
from .policies import divisions as division_policy
from .services import (
    check_department,
    department_save,
    division_create,
    division_move,
    division_update,
    level_under,
    membership_grant,
    membership_update,
    move_level,
)

EDITABLE = (
    "name",
    "slug",
    "kind",
    "display_order",
    "nbs_code",
    "org_code",
    "signoff_required",
)


class DivisionForm(forms.ModelForm):
    """The division form: the level is never a field; it follows from the parent."""

    class Meta:
        model = Division
        fields = (
            "name",
            "code",
            "parent",
            "kind",
            "slug",
            "display_order",
            "nbs_code",
            "org_code",
            "signoff_required",
            "banner",
            "banner_alt",
        )

    def clean(self):
        cleaned = super().clean()
        if self.has_error("parent") or ("parent" not in self.fields and self.instance.pk is None):
            return cleaned
        parent = cleaned.get("parent")
        try:
            if "parent" not in self.fields:
                # A read-only parent (anyone but the city's administrators, and the root): the
                # level stays, and a posted kind must still fit it, or the database refuses it.
                level = self.instance.level
            elif self.instance.pk is None:
                level = level_under(parent)
            elif parent is None:
                raise ValidationError({"parent": "请选择上级区划。"})
            elif parent.pk != self.instance.parent_id:
                level = move_level(Division.objects.get(pk=self.instance.pk), parent)
            else:
                level = self.instance.level
        except ValidationError as error:
            self.add_error(None, error)
            return cleaned
        # The kind must fit the level the parent gives (the database checks it too).
        kind = cleaned.get("kind")
        fits = {
            Division.Level.COUNTY: ("区", "县", "县级市"),
            Division.Level.TOWNSHIP: ("街道", "镇", "乡"),
            Division.Level.CITY: ("地级市",),
        }[level]
        if kind and kind not in fits:
            self.add_error("kind", f"该上级之下的区划类型应为：{'、'.join(fits)}。")
        self.instance.level = level
        return cleaned


@admin.register(Division)
class DivisionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The division tree with per-division counts; scoped to the user's divisions."""

    form = DivisionForm
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
                    "org_code",
                )
            },
        ),
        (_("专栏横幅"), {"fields": ("banner_preview", "banner", "banner_alt")}),
        (_("发布流程"), {"fields": ("signoff_required",)}),
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
        if obj is None:
            return ("banner_preview",)
        # The official code is the register's; the level follows from the parent; only the
        # city's administrators move a division (and only while it holds no catalog).
        if division_policy.allows(request.user, "add") and obj.parent_id is not None:
            return ("code", "level", "banner_preview")
        return ("code", "parent", "level", "banner_preview")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            # Nothing to show before the parent is chosen: the level follows from it.
            main = [f for f in fieldsets[0][1]["fields"] if f != "level"]
            return ((None, {"fields": main}), *fieldsets[1:])
        return fieldsets

    def has_add_permission(self, request):
        return division_policy.allows(request.user, "add")

    def has_delete_permission(self, request, obj=None):
        # Divisions are referenced by catalogs and history; they are never deleted here.
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "parent":
            # Nothing is ever placed under a township.
            field.queryset = field.queryset.exclude(level=Division.Level.TOWNSHIP)
            field.required = True
            field.error_messages = {
                **field.error_messages,
                "required": "请选择上级区划：平台只有一个市级区划（树的根），新区划须设在其下。",
                "invalid_choice": "所选上级区划不存在、不在您的管辖范围内，或是乡镇(街道)"
                "（其下不能再设区划）。",
            }
        return field

    def save_model(self, request, obj, form, change):
        if not change:
            division_create(division=obj, user=request.user)
            return
        current = Division.objects.get(pk=obj.pk)
        if "parent" in form.changed_data and "parent" in form.cleaned_data:
            current = division_move(
                division=current, parent=form.cleaned_data["parent"], user=request.user
            )
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
        # A class per depth (static/portal/admin.css): the Content-Security-Policy refuses
        # style attributes.
        return format_html(
            '<span class="tree-depth-{}">{}{}</span>',
            min(obj.depth or 0, 4),
            "└ " if obj.depth else "",
            obj.name,
        )

    @admin.display(description=_("当前横幅"))
    def banner_preview(self, obj):
        if obj is None or not obj.banner:
            return _("未上传，专栏显示纯色标题栏。")
        return format_html(
            '<img class="banner-preview" src="{}" alt="{}">',
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


class MembershipForm(forms.ModelForm):
    """The membership form: a department must be the division's own, for editors and reviewers."""

    class Meta:
        model = Membership
        fields = ("user", "division", "role", "department", "is_active")

    def clean(self):
        cleaned = super().clean()
        division = cleaned.get("division") or getattr(self.instance, "division", None)
        role = cleaned.get("role")
        if division is not None and role and not self.has_error("department"):
            try:
                check_department(division, role, cleaned.get("department"))
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(Membership)
class MembershipAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = MembershipForm
    list_display = (
        "user_full_name",
        "account",
        "division",
        "department",
        "role",
        "is_active",
        "created_at",
    )
    list_filter = ("role", "is_active", MembershipDivisionFilter)
    search_fields = (
        "user__username",
        "user__last_name",
        "user__first_name",
        "division__name",
        "department__name",
    )
    list_select_related = ("user", "division", "department")
    autocomplete_fields = ("division",)
    raw_id_fields = ("user",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "department":
            kwargs["queryset"] = department_policy.instances_for(request.user, "view").filter(
                is_active=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("姓名"), ordering="user__last_name")
    def user_full_name(self, obj):
        # The department has its own column: the name alone (districts.people).
        return display_name(obj.user)

    @admin.display(description=_("账号"), ordering="user__username")
    def account(self, obj):
        return obj.user.get_username()

    def get_readonly_fields(self, request, obj=None):
        # A membership is granted to one user in one division; change the role or revoke it.
        return ("user", "division") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if change:
            membership_update(
                membership=obj,
                role=obj.role,
                is_active=obj.is_active,
                changed_by=request.user,
                department=obj.department,
            )
        else:
            membership = membership_grant(
                user=obj.user,
                division=obj.division,
                role=obj.role,
                granted_by=request.user,
                department=obj.department,
            )
            obj.pk = membership.pk


@admin.register(Department)
class DepartmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """A division's departments (部门/科室/站所), kept by its administrator; never deleted."""

    list_display = ("name", "division", "kind", "display_order", "staff_count", "is_active")
    list_filter = ("kind", "is_active", ScopedDivisionFilter)
    search_fields = ("name", "division__name")
    list_select_related = ("division",)
    autocomplete_fields = ("division",)
    fields = ("division", "name", "kind", "display_order", "is_active")
    ordering = ("division__tree_id", "division__lft", "display_order", "name", "pk")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_staff=Count("memberships", filter=Q(memberships__is_active=True), distinct=True)
            )
        )

    @admin.display(description=_("人员数"), ordering="n_staff")
    def staff_count(self, obj):
        return obj.n_staff

    def get_readonly_fields(self, request, obj=None):
        return ("division",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        # Items and staff point at departments: a merged department is switched off instead.
        return False

    def save_model(self, request, obj, form, change):
        department_save(department=obj, user=request.user)
