"""Production: HTTPS-only defaults; SECRET_KEY and ALLOWED_HOSTS must come from the environment.

`manage.py check --deploy --settings=config.settings.production` is clean when the
variables documented in `.env.example` are set.
"""

import os

from django.core.exceptions import ImproperlyConfigured

for _name, _default in {
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "DEBUG": "false",
    # Static files: hashed names with a manifest, served by the application itself
    # (see "Static files in production" in base.py).
    "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
    "SERVE_STATIC": "true",
}.items():
    os.environ.setdefault(_name, _default)

from .base import *  # noqa: F403
from .base import SECRET_KEY

if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set (at least 50 characters) in production."
    )
