"""Fixtures of the adversarial suite: the world, built once per module, and quiet refusals."""

from __future__ import annotations

import logging
import sys

import pytest
from django.db import transaction
from django.test import override_settings

from .world import build_world


@pytest.fixture(scope="module", autouse=True)
def quiet_refusals():
    """Keep Django from logging (with a traceback) each of the suite's thousands of 403s and
    404s; errors (a 500) are still logged."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The small tree and everything in it, built once; rolled back after the module."""
    media = tmp_path_factory.mktemp("adversarial-media")
    with override_settings(MEDIA_ROOT=media, CATALOG_IMPORT_DIR=media / "imports"):
        with django_db_blocker.unblock():
            outer = transaction.atomic()
            outer.__enter__()
            try:
                data = build_world()
            except BaseException:
                outer.__exit__(*sys.exc_info())
                raise
        yield data
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
