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


@pytest.fixture(autouse=True)
def _fresh_synonym_cache():
    """Forget the cached synonyms and popular searches around each test (the local-memory
    cache outlives them)."""
    from django.core.cache import cache

    from search import stats, synonyms

    synonyms.invalidate()
    cache.delete(stats.POPULAR_KEY)
    yield
    synonyms.invalidate()
    cache.delete(stats.POPULAR_KEY)


@pytest.fixture
def city_synonyms(db):
    """Load the city's synonym list (fixtures/search_synonyms.csv) as load_reference_data does."""
    from django.conf import settings

    from search.services import synonyms_load

    return synonyms_load(path=settings.FIXTURES_DIR / "search_synonyms.csv")
