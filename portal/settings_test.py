"""Test settings: the base settings with a throwaway key and fast password hashing."""

import os

os.environ.setdefault("ALLOW_INSECURE_KEY", "1")

from .settings import *  # noqa: E402,F403
from .settings import STORAGES  # noqa: E402

STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The test client speaks plain HTTP.
SECURE_SSL_REDIRECT = False
WHITENOISE_AUTOREFRESH = True
