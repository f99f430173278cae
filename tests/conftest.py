"""Shared fixtures: reference data, small division trees, users with roles.

With CI=true, a test that needs a service (Redis, PostgreSQL) fails instead of skipping.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from catalog.reference import channels_load, domains_load
from districts.models import Division, Role
from districts.services import divisions_load, membership_grant
from publications.reference import themes_load, types_load

from .factories import UserFactory

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_service(reason: str) -> None:
    """Skip the calling test because a service is missing, or fail when running in CI."""
    if IN_CI:
        pytest.fail(f"CI=true and a required service is missing: {reason}")
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    """Deselect PostgreSQL-only tests on other databases (CI runs the suite on both)."""
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("postgresql_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real reference data once per test database; tests roll back around it."""
    with django_db_blocker.unblock():
        load_reference_data()


def load_reference_data() -> None:
    divisions_load(path=settings.FIXTURES_DIR / "divisions.csv")
    domains_load(path=settings.FIXTURES_DIR / "domains.csv")
    channels_load(path=settings.FIXTURES_DIR / "channels.csv")
    types_load(path=settings.FIXTURES_DIR / "publication_types.csv")
    themes_load(path=settings.FIXTURES_DIR / "themes.csv")


@pytest.fixture
def reference_data(db):
    """Return the city; the Changsha divisions, 26 domains and channels are loaded.

    Transactional tests flush the database, so load again when it is missing.
    """
    if not Division.objects.filter(code="430100").exists():
        load_reference_data()
    return Division.objects.get(code="430100")


@pytest.fixture
def city(reference_data):
    return reference_data


@pytest.fixture
def furong(reference_data):
    return Division.objects.get(code="430102")


@pytest.fixture
def tianxin(reference_data):
    return Division.objects.get(code="430103")


@pytest.fixture
def wenyilu(reference_data):
    """A township (文艺路街道) of 芙蓉区."""
    return Division.objects.get(code="430102001")


@pytest.fixture
def chaoyang(reference_data):
    """Another township (朝阳街街道) of 芙蓉区."""
    return Division.objects.get(code="430102002")


@pytest.fixture
def podzijie(reference_data):
    """A township (坡子街街道) of 天心区, outside 芙蓉区."""
    return Division.objects.get(code="430103002")


@pytest.fixture
def make_member(db):
    """Return a function that creates a staff user holding ``role`` in ``division``."""

    def make(division: Division, role: str = Role.EDITOR, **kwargs):
        user = UserFactory(**kwargs)
        membership_grant(user=user, division=division, role=role)
        return user

    return make
