"""Settings for the test suite: the same database choice as local, fast hashing."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Off by default: a test's transaction is rolled back, never committed, so the figures
# it caches would outlive its data. tests/commissioning/test_freshness.py turns it on
# with transactions that commit.
FRESH_CACHE = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = BASE_DIR / "test-artifacts" / "media"
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
