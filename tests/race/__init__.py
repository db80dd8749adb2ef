"""Race and fault suite on PostgreSQL (issue 7): real threads and real processes, each
with its own database connection, against a committed test database.

Beside `tests/workflows/test_races.py` (five parties deciding at once, a decision
against the timer sweep) and `tests/casework/test_concurrency.py` (two people firing
transitions): twenty clients on one round through the API, two case managers
submitting the same agreement, two `manage.py workflow_timers` processes, and a
process killed in the middle of an approval.
"""

import os

from django.db import connection


def subprocess_env() -> dict[str, str]:
    """The environment of a process that works on this test's database (pytest-django
    created `test_<name>`; the settings read the URL from DATABASE_URL)."""
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}"
        f":{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    return dict(
        os.environ,
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        PYTHONUNBUFFERED="1",
    )
