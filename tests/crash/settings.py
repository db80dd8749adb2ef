"""Settings of the processes the crash suite starts: the test settings with the job
queue in the database (as in production) and e-mail written to files, so that what a
killed process queued can be seen after the next worker run."""

import os

from config.settings.test import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "/tmp")
