"""Background jobs of the documents layer (django-tasks; the database queue in
production, worked by `manage.py db_worker`).

The agreement PDF is rendered by a job queued when a round's conclusion commits, so the
last approval answers at once instead of after WeasyPrint's half second, and a burst of
conclusions does not hold web workers. `agreement_document` is idempotent (a stored PDF
is returned as it is), so a job run twice, or a download that came first and rendered
the PDF itself, changes nothing.
"""

from __future__ import annotations

import logging

from django_tasks import task

from casework.models import AgreementVersion

from . import services

logger = logging.getLogger(__name__)


@task()
def render_agreement(version_id: int) -> str:
    """Render and store the PDF of a concluded version; the stored file's SHA-256."""
    version = AgreementVersion.objects.get(pk=version_id)
    return services.agreement_document(version=version).sha256


def queue_agreement(version_id: int) -> None:
    """Queue `render_agreement` (call when the conclusion has committed). A queue that
    refuses is logged, not raised: the conclusion stands, and the PDF is then rendered
    on its first download."""
    try:
        render_agreement.enqueue(version_id)
    except Exception:
        logger.exception("Queueing the PDF of version %s failed", version_id)
