"""Fixtures of the public portal's tests: the review chain's office (city, district, township)."""

from tests.publications.conftest import calendar, office  # noqa: F401 (fixtures)
