"""Celery tasks of the public site: cache generation bumps owed after a cache outage."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import cache


@shared_task(bind=True, soft_time_limit=60, time_limit=90, ignore_result=True, max_retries=None)
def bump_generations(self, names: list[str]) -> bool:
    """Bump the page-cache generations ``names``; retry each minute while the cache is down.

    Past ``PUBLIC_CACHE_SECONDS`` every page cached before the outage has expired anyway, so the
    retries stop there; return whether the bump was made.
    """
    if cache.bump(names, owe=False):
        return True
    if (self.request.retries + 1) * 60 > settings.PUBLIC_CACHE_SECONDS:
        return False
    raise self.retry(countdown=60)
