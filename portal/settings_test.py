"""Test settings: the base settings with a throwaway key and fast password hashing."""

import os

os.environ.setdefault("ALLOW_INSECURE_KEY", "1")

from .settings import *  # noqa: E402,F403
from .settings import STORAGES  # noqa: E402

STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if "EMAIL_URL" not in os.environ:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests run tasks in-process unless they say otherwise: the real-worker test starts a worker
# with CELERY_TASK_ALWAYS_EAGER=0 and points the test process at the same broker itself.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_TASK_ALWAYS_EAGER", "1") not in ("0", "false")
CELERY_TASK_EAGER_PROPAGATES = True
# The test client speaks plain HTTP.
SECURE_SSL_REDIRECT = False
WHITENOISE_AUTOREFRESH = True

if REDIS_URL:  # noqa: F405
    import uuid

    # A key prefix of this run's own: "already sent" markers in a shared Redis must not make a
    # later run's tests send nothing.
    CACHES["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"  # noqa: F405

# Retries against the local simulator need not wait as the real platform deserves; the
# environment may still set them (the worker test does).
PROVINCIAL_BACKOFF = float(os.environ.get("PROVINCIAL_BACKOFF", "0.01"))
PROVINCIAL_BACKOFF_MAX = float(os.environ.get("PROVINCIAL_BACKOFF_MAX", "0.05"))
PROVINCIAL_TIMEOUT = float(os.environ.get("PROVINCIAL_TIMEOUT", "5"))

# Pages are rendered fresh in tests (query counts are asserted on the real work); the cache's own
# tests turn it on.
PUBLIC_CACHE_SECONDS = int(os.environ.get("PUBLIC_CACHE_SECONDS", "0"))
