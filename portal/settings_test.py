"""Test settings: the base settings with a throwaway key and fast password hashing."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

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


def _demo_catalog_sample(lines_per_domain: int = 2) -> Path:
    """Write the first lines of each domain's reference catalog file to a directory of its own."""
    sample = Path(tempfile.mkdtemp(prefix="demo-catalog-"))
    atexit.register(shutil.rmtree, sample, True)
    for path in sorted(FIXTURES_DIR.glob("reference_catalog/*.csv")):  # noqa: F405
        with path.open(encoding="utf-8") as handle:
            head = [line for _, line in zip(range(lines_per_domain + 1), handle, strict=False)]
        (sample / path.name).write_text("".join(head), encoding="utf-8")
    return sample


# The whole demo catalog is 870 lines in each of 180 divisions (157,000 entries, over a minute
# to load): tests that load the demo take two lines of each of the 26 domains; the real files
# are read and checked by tests/catalog/test_demo_catalog.py.
# A benchmark sets DEMO_CATALOG_DIR to load the whole catalog.
if "DEMO_CATALOG_DIR" not in os.environ:
    DEMO_CATALOG_DIR = _demo_catalog_sample()
