"""The system checks (``districts.checks``): each fails on a broken set-up; the project passes.

Broken set-ups are built beside the real one, never in it: throwaway admin sites, models in an
isolated app registry (no tables), tasks on a throwaway Celery app.
"""

from __future__ import annotations

import pytest
from celery import Celery
from django.contrib import admin
from django.contrib.admin.sites import all_sites
from django.core.management import call_command
from django.db import models
from django.test.utils import isolate_apps

from catalog.models import CatalogEntry, Domain
from districts import checks, policy
from districts.admin_scope import ScopedAdminMixin
from districts.models import Division


def ids(errors) -> list[str]:
    return [error.id for error in errors]


@pytest.fixture
def site():
    """Return an admin site of the test's own, gone from ``all_sites`` afterwards."""
    throwaway = admin.AdminSite(name="checks_test")
    yield throwaway
    # ``all_sites`` is a WeakSet, but a site and its ModelAdmins refer to each other: without
    # this a later check of the real project could still meet the broken site.
    all_sites.discard(throwaway)


@pytest.fixture
def celery_app():
    """Return a Celery app of the test's own (not the project's, not the current one)."""
    return Celery("checks_test", set_as_current=False)


# -- portal.E001 -------------------------------------------------------------------------------
def test_unscoped_admin_over_a_scoped_model_is_refused(site):
    site.register(CatalogEntry, admin.ModelAdmin)

    errors = checks.check_scoped_admins(sites=[site])

    assert ids(errors) == ["portal.E001"]
    assert "catalog.CatalogEntry" in errors[0].msg


def test_scoped_admin_over_a_scoped_model_and_plain_admin_over_shared_data_pass(site):
    class EntryAdmin(ScopedAdminMixin, admin.ModelAdmin):
        pass

    site.register(CatalogEntry, EntryAdmin)
    site.register(Domain, admin.ModelAdmin)  # SharedPolicy: no division scope to keep

    assert checks.check_scoped_admins(sites=[site]) == []


# -- portal.E002 -------------------------------------------------------------------------------
@isolate_apps("districts")
def test_model_with_a_foreign_key_to_division_needs_a_policy(monkeypatch):
    class Notice(models.Model):
        division = models.ForeignKey(Division, on_delete=models.CASCADE)

        class Meta:
            app_label = "districts"

        def __str__(self):
            return str(self.pk)

    errors = checks.check_policies(models=[Notice], sites=[])
    assert ids(errors) == ["portal.E002"]
    assert "districts.Notice" in errors[0].msg and "Division" in errors[0].msg

    monkeypatch.setitem(policy._policies, Notice, policy.ScopedPolicy(Notice))
    assert checks.check_policies(models=[Notice], sites=[]) == []


@isolate_apps("districts")
def test_model_registered_in_the_admin_needs_a_policy(site):
    class Note(models.Model):
        text = models.TextField()

        class Meta:
            app_label = "districts"

        def __str__(self):
            return self.text

    # No foreign key to Division: unnoticed until staff can reach it.
    assert checks.check_policies(models=[Note], sites=[site]) == []
    site.register(Note, admin.ModelAdmin)

    errors = checks.check_policies(models=[], sites=[site])

    assert ids(errors) == ["portal.E002"]
    assert "districts.Note" in errors[0].msg


def test_models_with_policies_pass(site):
    site.register(CatalogEntry, admin.ModelAdmin)
    assert checks.check_policies(models=[CatalogEntry, Division, Domain], sites=[site]) == []


# -- portal.E003 to E005 -----------------------------------------------------------------------
def undescribed(obj):
    return obj.name


@admin.display(description="领域名称")
def described(obj):
    return obj.name


def test_column_without_description_is_refused(site):
    class DomainAdmin(admin.ModelAdmin):
        list_display = ("name", "demo_label")

        def demo_label(self, obj):  # the admin would head it "Demo label"
            return ""

    site.register(Domain, DomainAdmin)

    errors = checks.check_list_display_descriptions(sites=[site])

    assert ids(errors) == ["portal.E003"]
    assert "'demo_label'" in errors[0].msg


@pytest.mark.parametrize("column", [undescribed, lambda obj: obj.name], ids=["function", "lambda"])
def test_callable_column_without_description_is_refused(site, column):
    class DomainAdmin(admin.ModelAdmin):
        list_display = ("name", column)

    site.register(Domain, DomainAdmin)

    assert ids(checks.check_list_display_descriptions(sites=[site])) == ["portal.E003"]


def test_english_description_is_refused(site):
    class DomainAdmin(admin.ModelAdmin):
        list_display = ("name", "demo_label")

        @admin.display(description="Demo label")
        def demo_label(self, obj):
            return ""

    site.register(Domain, DomainAdmin)

    errors = checks.check_list_display_descriptions(sites=[site])

    assert ids(errors) == ["portal.E004"]
    assert "Demo label" in errors[0].msg


def test_stacked_displays_are_refused(site):
    class DomainAdmin(admin.ModelAdmin):
        list_display = ("name", "review_state")

        @admin.display(description="数据")
        @admin.display(description="审核状态", ordering="name")
        def review_state(self, obj):
            return ""

    site.register(Domain, DomainAdmin)

    errors = checks.check_list_display_descriptions(sites=[site])

    assert ids(errors) == ["portal.E005"]
    assert "'数据'" in errors[0].msg


def test_fields_str_and_described_columns_pass(site):
    class DomainAdmin(admin.ModelAdmin):
        list_display = ("__str__", "name", "display_order", described, "item_count")

        @admin.display(description="二级事项数")
        def item_count(self, obj):
            return 0

    site.register(Domain, DomainAdmin)

    assert checks.check_list_display_descriptions(sites=[site]) == []


# -- portal.E006 and E007 ----------------------------------------------------------------------
def test_task_without_time_limits_is_refused(celery_app):
    @celery_app.task(name="checks_test.unlimited")
    def unlimited():
        return None

    @celery_app.task(name="checks_test.soft_only", soft_time_limit=60)
    def soft_only():
        return None

    errors = checks.check_task_time_limits(
        tasks=[celery_app.tasks["checks_test.unlimited"], celery_app.tasks["checks_test.soft_only"]]
    )

    assert ids(errors) == ["portal.E006", "portal.E006"]
    assert "time_limit、soft_time_limit" in errors[0].msg
    assert "未设置 time_limit。" in errors[1].msg


def test_task_whose_soft_limit_is_not_below_its_hard_limit_is_refused(celery_app):
    @celery_app.task(name="checks_test.equal", soft_time_limit=60, time_limit=60)
    def equal():
        return None

    errors = checks.check_task_time_limits(tasks=[celery_app.tasks["checks_test.equal"]])

    assert ids(errors) == ["portal.E007"]


def test_task_with_both_limits_passes(celery_app):
    @celery_app.task(name="checks_test.limited", soft_time_limit=50, time_limit=60)
    def limited():
        return None

    assert checks.check_task_time_limits(tasks=[celery_app.tasks["checks_test.limited"]]) == []


# -- the real project --------------------------------------------------------------------------
def test_the_project_passes_every_check():
    assert checks.check_scoped_admins() == []
    assert checks.check_policies() == []
    assert checks.check_list_display_descriptions() == []
    assert checks.check_task_time_limits() == []


def test_the_project_tasks_are_all_checked():
    names = {task.name for task in checks.project_tasks()}
    # Loaded even though nothing in this process imported them (workers discover them lazily).
    assert {"guides.tasks.sync_guides", "outbox.tasks.deliver_outbox"} <= names
    assert not any(name.startswith("celery.") for name in names)


def test_manage_py_check_passes():
    call_command("check")  # raises SystemCheckError on any error
