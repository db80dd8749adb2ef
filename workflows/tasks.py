"""Background jobs of the workflow layer (django-tasks, see `documents.tasks`).

The e-mails that tell people of their work are an outbox: `notifications.notify`
writes them, rendered, as a job in the transaction that created the work, and the
worker sends them. A rolled-back change sends nothing; a process that dies after the
commit loses nothing.
"""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives, get_connection
from django_tasks import task


def mail_row(mail: EmailMultiAlternatives) -> list:
    """An e-mail as the job stores it (JSON): subject, text, sender, recipients and
    the HTML alternative if it has one."""
    html = next(
        (content for content, mimetype in mail.alternatives if mimetype == "text/html"),
        None,
    )
    return [str(mail.subject), mail.body, mail.from_email, list(mail.to), html]


@task()
def send_notification_mails(mails: list[list]) -> int:
    """Send the e-mails stored by `mail_row` (`[subject, text, from, [to], html]`, the
    HTML part optional); how many were sent. A mail server that refuses fails the job
    (it stays in the queue's results, for staff to see), never the work it tells of."""
    messages = []
    for subject, body, sender, to, *rest in mails:
        message = EmailMultiAlternatives(
            subject=subject, body=body, from_email=sender, to=list(to)
        )
        if rest and rest[0]:
            message.attach_alternative(rest[0], "text/html")
        messages.append(message)
    return get_connection(fail_silently=False).send_messages(messages) or 0
