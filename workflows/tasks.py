"""Background jobs of the workflow layer (django-tasks, see `documents.tasks`).

The e-mails that tell people of their work are an outbox: `notifications.notify`
writes them as a job in the transaction that created the work, and the worker sends
them. A rolled-back change sends nothing; a process that dies after the commit loses
nothing.
"""

from __future__ import annotations

from django.core.mail import send_mass_mail
from django_tasks import task


@task()
def send_notification_mails(mails: list[list]) -> int:
    """Send `[subject, message, from, [to]]` e-mails; how many were sent. A mail
    server that refuses fails the job (it stays in the queue's results, for staff to
    see), never the work it tells of."""
    return send_mass_mail(
        [
            (subject, message, sender, list(to))
            for subject, message, sender, to in mails
        ],
        fail_silently=False,
    )
