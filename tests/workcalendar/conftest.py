"""Fixtures for the working-day calendar: the years chinesecalendar covers, loaded once per test."""

from __future__ import annotations

import pytest

from workcalendar.services import calendar_seed_from_package


@pytest.fixture
def seeded(db):
    """Record 2004–2026 from the chinesecalendar package; return the number of years created."""
    return calendar_seed_from_package()
