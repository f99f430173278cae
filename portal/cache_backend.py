"""Django's Redis cache, made a cache again: when Redis fails, the site goes on without it.

Every operation that cannot reach Redis (refused, timed out, out of memory) is logged, counted
and answered as a miss: ``get`` gives the default, ``add``/``set`` store nothing, ``incr`` raises
``ValueError`` as for a missing key. After a failure the process leaves Redis alone for
``CACHE_BACKOFF_SECONDS`` (each call would otherwise pay a connection timeout), then tries again.
Pages are then rendered afresh; nothing is lost but speed.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# What a broken or unreachable Redis raises (redis-py wraps most socket errors; not all).
FAILURES = (RedisError, OSError)


class ResilientRedisCache(RedisCache):
    """``RedisCache`` whose failures degrade to cache misses (see the module docstring)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.backoff = float(options.pop("BACKOFF_SECONDS", 10))
        super().__init__(server, {**params, "OPTIONS": options})
        self.failures = 0  # counted since the process started (for logs, tests, the bench)
        self._resting_until = 0.0

    def _available(self) -> bool:
        return time.monotonic() >= self._resting_until

    def _failed(self, operation: str, error: Exception) -> None:
        self.failures += 1
        first = self._available()
        self._resting_until = time.monotonic() + self.backoff
        if first:
            log.warning(
                "Cache unavailable during %s (%s: %s); serving without it for %.0f s.",
                operation,
                type(error).__name__,
                error,
                self.backoff,
            )

    def _call(self, operation: str, default, method, *args):
        if not self._available():
            self.failures += 1
            return default
        try:
            return method(*args)
        except FAILURES as error:
            self._failed(operation, error)
            return default

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._call("incr", missing, super().incr, key, delta, version)
        if result is missing:
            raise ValueError(f"Key '{key}' not found (cache unavailable).")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, super().delete_many, keys, version)

    def clear(self):
        return self._call("clear", False, super().clear)
