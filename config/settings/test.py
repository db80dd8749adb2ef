"""Test runs: fast hashing, in-memory e-mail, a fixed key."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-insecure-key")
os.environ.setdefault("DEBUG", "false")

from .base import *  # noqa: F403
from .base import INSTALLED_APPS

# The bench-only app: `manage.py generate_scale` (a portfolio at scale, for the
# benchmarks and their test) and a bare viewflow flow to compare against.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Jobs run at once, in the test's own process (a test of the queue itself overrides).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Documents rendered during tests go to a scratch folder, never into the project.
import tempfile

# (A process a test starts is given the test's folder through MEDIA_ROOT.)
MEDIA_ROOT = Path(
    os.environ.get("MEDIA_ROOT") or tempfile.mkdtemp(prefix="doorbraak-test-media-")
)
