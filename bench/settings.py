"""Settings of the benchmark runs: the test settings (which install the bench-only
app: `generate_scale` and a bare viewflow flow to compare against), plus a URLconf
that also mounts viewflow's own bare inbox. Never used by the application or its
tests."""

from config.settings.test import *  # noqa: F403
from config.settings.test import ALLOWED_HOSTS

ROOT_URLCONF = "bench.urls"
# The in-process client's host (the test runner's environment, which would add it,
# also instruments template rendering: not measured here).
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
# Jobs are queued as in production (a worker elsewhere renders the agreement PDFs).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The throughput run has gunicorn workers and client threads on the same cores.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
