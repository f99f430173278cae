"""The publications tests' office (city → district → township, with staff at each level)."""

from tests.publications.conftest import Office, calendar, office  # noqa: F401
