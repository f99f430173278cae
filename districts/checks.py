"""System checks: the project's conventions, enforced at start-up instead of left to review.

The site refuses to start (``manage.py check``, ``runserver``, ``migrate``) when:

* portal.E001: a ModelAdmin over a model whose policy is scoped does not mix in
  ``ScopedAdminMixin`` (its list, pages and actions would ignore division scope);
* portal.E002: a project model that belongs to a division (a foreign key to Division) or that
  staff reach through the admin has no registered policy;
* portal.E003: a ``list_display`` column computed by a callable, a ModelAdmin method or a model
  method has no description (the admin would head it with its English identifier);
* portal.E004: such a column's description has no Chinese in it;
* portal.E005: such a column stacks two ``@admin.display`` decorators (the outer one's
  description silently replaces the inner one's: a column once read "数据" for "审核状态");
* portal.E006: a project Celery task has no ``time_limit`` or no ``soft_time_limit`` of its own;
* portal.E007: a project Celery task's ``soft_time_limit`` is not below its ``time_limit``.

Each check takes what it inspects as an optional argument (``sites``, ``models``, ``tasks``), so
that tests can hand it a deliberately broken setup; by default it inspects the real project.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.apps import AppConfig, apps
from django.conf import settings
from django.contrib.admin import ModelAdmin
from django.contrib.admin.sites import AdminSite, all_sites
from django.contrib.admin.utils import label_for_field
from django.core.checks import Error, Tags, register
from django.db.models import Field, ForeignObjectRel, Model

from .admin_scope import ScopedAdminMixin
from .models import Division
from .policy import policy_for

#: CJK Unified Ideographs (with extension A) and the compatibility block: "is there Chinese".
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

#: Path parts that mark an installed package rather than the project's own code.
INSTALLED_PACKAGE_PARTS = {".venv", "venv", "site-packages", "dist-packages"}


# -- what belongs to the project -------------------------------------------------------------------
def is_project_app(app_config: AppConfig | None) -> bool:
    """Return True when ``app_config`` is one of the project's own apps (under BASE_DIR)."""
    if app_config is None:
        return False
    path = Path(app_config.path).resolve()
    base = Path(settings.BASE_DIR).resolve()
    if not path.is_relative_to(base):
        return False
    return not INSTALLED_PACKAGE_PARTS & set(path.relative_to(base).parts)


def is_project_model(model: type[Model]) -> bool:
    """Return True when ``model`` belongs to one of the project's own apps."""
    app_config = model._meta.app_config
    if app_config is None:
        app_config = apps.app_configs.get(model._meta.app_label)
    return is_project_app(app_config)


def _in_scope(model: type[Model], app_configs) -> bool:
    # ``manage.py check <app>`` narrows the checks to those apps.
    return app_configs is None or model._meta.app_config in app_configs


def registered_admins(
    sites: Iterable[AdminSite] | None = None,
) -> Iterator[tuple[AdminSite, type[Model], ModelAdmin]]:
    """Yield (site, model, model admin) for every ModelAdmin registered on ``sites``.

    ``sites`` defaults to every admin site that exists.
    """
    for site in all_sites if sites is None else sites:
        for model, model_admin in site._registry.items():
            yield site, model, model_admin


def _admin_label(model_admin: ModelAdmin) -> str:
    cls = type(model_admin)
    return f"{cls.__module__}.{cls.__qualname__}"


# -- E001: scoped models need scoped ModelAdmins ---------------------------------------------------
@register(Tags.admin)
def check_scoped_admins(app_configs=None, *, sites=None, **kwargs) -> list[Error]:
    """Return an error for each ModelAdmin over a scoped model that is not scoped itself."""
    errors = []
    for _site, model, model_admin in registered_admins(sites):
        if not _in_scope(model, app_configs):
            continue
        policy = policy_for(model)
        if policy is None or not policy.scoped or isinstance(model_admin, ScopedAdminMixin):
            continue
        errors.append(
            Error(
                f"{_admin_label(model_admin)} 管理 {model._meta.label}，其行按区划归属"
                f"（{policy!r}），但未混入 ScopedAdminMixin：列表、详情页与批量操作"
                "会越出用户的管辖范围。",
                hint=(
                    "Mix in districts.admin_scope.ScopedAdminMixin before admin.ModelAdmin: "
                    f"class {type(model_admin).__name__}(ScopedAdminMixin, admin.ModelAdmin)."
                ),
                obj=type(model_admin),
                id="portal.E001",
            )
        )
    return errors


# -- E002: models staff reach, or that belong to a division, need a policy -------------------------
def _belongs_to_division(model: type[Model]) -> bool:
    return any(
        (field.many_to_one or field.one_to_one)
        and field.concrete
        and field.related_model is Division
        for field in model._meta.get_fields()
    )


def _admin_models(sites) -> dict[type[Model], str]:
    # A model staff edit through an inline is reached as surely as a registered one.
    reached = {}
    for _site, model, model_admin in registered_admins(sites):
        reached.setdefault(model, f"已在管理后台注册（{_admin_label(model_admin)}）")
        for inline in model_admin.inlines:
            reached.setdefault(inline.model, f"以内联表格出现在 {_admin_label(model_admin)}")
    return reached


@register(Tags.models)
def check_policies(app_configs=None, *, models=None, sites=None, **kwargs) -> list[Error]:
    """Return an error for each project model that needs a policy and has none.

    A model needs one when it has a foreign key to Division (its rows belong to a division) or
    when staff reach it in the admin. ``models`` defaults to every installed model.
    """
    reached = _admin_models(sites)
    candidates = list(apps.get_models() if models is None else models)
    candidates += [m for m in reached if m not in candidates]
    errors = []
    for model in candidates:
        if model._meta.auto_created or not _in_scope(model, app_configs):
            continue
        if not is_project_model(model) or policy_for(model) is not None:
            continue
        reasons = []
        if _belongs_to_division(model):
            reasons.append("有指向 districts.Division 的外键")
        if model in reached:
            reasons.append(reached[model])
        if not reasons:
            continue
        errors.append(
            Error(
                f"{model._meta.label} {'，且'.join(reasons)}，却没有登记权限策略。",
                hint=(
                    f"Register one in {model._meta.app_label}/policies.py, e.g. "
                    f"register(ScopedPolicy({model.__name__})) for rows that belong to a "
                    "division, or SharedPolicy/SuperuserPolicy/CityPolicy otherwise."
                ),
                obj=model,
                id="portal.E002",
            )
        )
    return errors


# -- E003–E005: list_display headings --------------------------------------------------------------
def _computed_column(model_admin: ModelAdmin, model, name):
    """Return the callable (or property) behind a computed column, or None for a model field.

    Resolve ``name`` as the admin does (``label_for_field``); a field, a related lookup, a
    ``<fk>_id`` column and ``__str__`` (headed with the model's verbose name) return None, and
    so does a name the admin cannot resolve (Django's own admin.E108 reports it).
    """
    try:
        _label, attr = label_for_field(name, model, model_admin, return_attr=True)
    except AttributeError:
        return None
    if attr is None or attr is str or isinstance(attr, str | Field | ForeignObjectRel):
        return None
    return attr


def _description(attr):
    if hasattr(attr, "short_description"):
        return attr.short_description
    if isinstance(attr, property) and hasattr(attr.fget, "short_description"):
        return attr.fget.short_description
    return None


def _is_display_decorator(node: ast.expr) -> bool:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr == "display"
    return isinstance(node, ast.Name) and node.id == "display"


def stacked_displays(func) -> int:
    """Return how many ``@admin.display`` decorators ``func``'s definition carries.

    ``admin.display`` only sets attributes, so a second one leaves no trace at run time: the
    outer decorator's description wins. Only the source tells; 0 when it cannot be read.
    """
    func = inspect.unwrap(getattr(func, "fget", None) or getattr(func, "__func__", func))
    try:
        source = textwrap.dedent(inspect.getsource(func))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return 0
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return sum(_is_display_decorator(d) for d in node.decorator_list)
    return 0


def _column_error(model_admin, model, name, attr) -> Error | None:
    where = f"{_admin_label(model_admin)}.list_display 的列 {name!r}"
    description = _description(attr)
    if description is None:
        return Error(
            f"{where} 没有列标题（description），后台会显示其英文标识符。",
            hint='Decorate it with @admin.display(description=_("中文标题")).',
            obj=type(model_admin),
            id="portal.E003",
        )
    if not CJK.search(str(description)):
        return Error(
            f"{where} 的列标题 {str(description)!r} 不是中文。",
            hint="Give @admin.display a Chinese description: the admin's users read Chinese.",
            obj=type(model_admin),
            id="portal.E004",
        )
    count = stacked_displays(attr)
    if count > 1:
        return Error(
            f"{where} 叠加了 {count} 个 @admin.display，外层的列标题 {str(description)!r} "
            "覆盖了内层的。",
            hint="Keep a single @admin.display carrying the description and the ordering.",
            obj=type(model_admin),
            id="portal.E005",
        )
    return None


@register(Tags.admin)
def check_list_display_descriptions(app_configs=None, *, sites=None, **kwargs) -> list[Error]:
    """Return an error for each computed ``list_display`` column without a good Chinese heading.

    Only the project's ModelAdmins are inspected (over a project model, or defined in a
    project app): installed packages head their columns as they see fit.
    """
    errors = []
    for _site, model, model_admin in registered_admins(sites):
        if not _in_scope(model, app_configs):
            continue
        admin_app = apps.get_containing_app_config(type(model_admin).__module__)
        if not (is_project_model(model) or is_project_app(admin_app)):
            continue
        for name in model_admin.list_display:
            attr = _computed_column(model_admin, model, name)
            if attr is None:
                continue
            error = _column_error(model_admin, model, name, attr)
            if error is not None:
                errors.append(error)
    return errors


# -- E006–E007: Celery time limits -----------------------------------------------------------------
def is_project_task(task) -> bool:
    """Return True for a task of the project's own apps (not Celery's, a package's or a test's)."""
    if task.name.startswith("celery."):
        return False
    return is_project_app(apps.get_containing_app_config(task.__module__))


def project_tasks() -> list:
    """Return the project's tasks registered on its Celery app, every ``tasks`` module loaded.

    The app discovers the apps' ``tasks`` modules lazily, when a worker starts: load them now so
    that a task the web process never imports is checked all the same.
    """
    from portal.celery import app

    # Not ``app.loader.import_default_modules()``: its signal makes Celery's Django fixup run
    # the system checks, this one included, which would call it again.
    app.autodiscover_tasks(force=True)
    return [task for _name, task in sorted(app.tasks.items()) if is_project_task(task)]


@register("celery")
def check_task_time_limits(app_configs=None, *, tasks=None, **kwargs) -> list[Error]:
    """Return an error for each project task without both time limits, soft below hard.

    The app-wide limits in settings are a backstop; each task states its own, sized to its work,
    so that a stuck mail server or platform cannot hold a worker for the backstop's half hour.
    """
    errors = []
    for task in project_tasks() if tasks is None else tasks:
        hard, soft = task.time_limit, task.soft_time_limit
        if not hard or not soft:
            missing = [
                name
                for name, value in (("time_limit", hard), ("soft_time_limit", soft))
                if not value
            ]
            errors.append(
                Error(
                    f"Celery 任务 {task.name} 未设置 {'、'.join(missing)}。",
                    hint=(
                        "Pass both to the task decorator, e.g. "
                        "@shared_task(soft_time_limit=120, time_limit=180), sized to the work."
                    ),
                    obj=task.name,
                    id="portal.E006",
                )
            )
        elif soft >= hard:
            errors.append(
                Error(
                    f"Celery 任务 {task.name} 的 soft_time_limit（{soft} 秒）不小于 "
                    f"time_limit（{hard} 秒），任务没有机会在被强制终止前收尾。",
                    hint="Make soft_time_limit smaller than time_limit.",
                    obj=task.name,
                    id="portal.E007",
                )
            )
    return errors
