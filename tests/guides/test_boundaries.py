"""The guides app's place in the project: what it may import, and when its sync runs."""

from __future__ import annotations

import ast
from pathlib import Path

from celery.schedules import crontab
from django.conf import settings

from portal.celery import app

ROOT = Path(settings.BASE_DIR)
PRODUCT = ("portal", "districts", "catalog", "guides", "publications", "workcalendar")


def imported_modules(package: str) -> set[str]:
    names = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
    return names


def test_no_product_code_imports_the_simulator():
    for package in PRODUCT:
        offending = {m for m in imported_modules(package) if m.startswith("provincial_simulator")}
        assert not offending, (package, offending)


def test_guides_import_neither_catalog_nor_portal():
    top = {name.split(".")[0] for name in imported_modules("guides")}
    assert not top & {"catalog", "portal", "publications", "workcalendar"}


def test_the_nightly_sync_is_scheduled_and_registered():
    entry = settings.CELERY_BEAT_SCHEDULE["guides-sync"]
    assert entry["task"] == "guides.tasks.sync_guides"
    assert entry["kwargs"] == {"trigger": "schedule"}
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.hour == {2} and schedule.minute == {30}
    app.loader.import_default_modules()
    assert "guides.tasks.sync_guides" in app.tasks
    task = app.tasks["guides.tasks.sync_guides"]
    # A killed worker's sync goes back to the queue.
    assert task.acks_late and task.reject_on_worker_lost
