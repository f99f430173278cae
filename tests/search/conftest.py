"""Fixtures for search: the publications' ``office`` (a small published catalog with staff at
three levels) and helpers that run the on-commit index tasks as a real commit would."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tests.publications.conftest import calendar, office  # noqa: F401 (fixtures)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Return a context manager that runs the on-commit callbacks (the index tasks) on exit."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def indexed_office(office, committed):  # noqa: F811
    """Return the office with its published catalog entries indexed."""
    call_command("rebuild_search_index", stdout=io.StringIO())
    return office
