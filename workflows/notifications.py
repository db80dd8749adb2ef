"""Telling people about work: an in-app notification and an e-mail. The e-mail is a job
written in the transaction that created the work (`workflows.tasks`), so it leaves only
once that transaction has committed (a rolled-back task sends nothing) and survives a
crash after the commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives

from casework import jobs
from permissions.models import Organisation

from .models import Notification
from .tasks import mail_row, send_notification_mails


def people_of(organisation: Organisation, *, signatories_only: bool) -> list:
    group = (
        organisation.signatories_group
        if signatories_only
        else organisation.members_group
    )
    return list(get_user_model()._default_manager.filter(groups=group, is_active=True))


def notify(users: Iterable, *, subject: str, message: str, url: str = "") -> None:
    """Add `message` to each user's notification list and queue the e-mail to those
    with an address, in the current transaction."""
    users = [user for user in users if user is not None]
    if not users:
        return
    Notification.objects.bulk_create(
        [Notification(user=user, message=message[:500], url=url) for user in users]
    )
    link = f"\n\n{settings.SITE_URL.rstrip('/')}{url}" if url else ""
    mails = [
        mail_row(
            EmailMultiAlternatives(
                subject=str(subject),
                body=str(message) + link,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[user.email],
            )
        )
        for user in users
        if user.email
    ]
    if mails:
        jobs.enqueue_with_transaction(send_notification_mails, mails)
