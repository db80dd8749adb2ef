"""Telling people about work: an in-app notification and an e-mail, sent only once the
transaction that created the work has committed (a rolled-back task sends nothing)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction

from casework.audience import reads_internal
from casework.models import Location
from permissions.models import Organisation

from .models import Notification

logger = logging.getLogger(__name__)


def people_of(organisation: Organisation, *, signatories_only: bool) -> list:
    group = (
        organisation.signatories_group
        if signatories_only
        else organisation.members_group
    )
    return list(get_user_model()._default_manager.filter(groups=group, is_active=True))


def notify(
    users: Iterable,
    *,
    subject: str,
    message: str,
    url: str = "",
    internal_to: Location | None = None,
) -> None:
    """Add `message` to each user's notification list and e-mail those with an address,
    after the current transaction commits. A message about internal facts of a
    location (`internal_to`: the escalation branch's tasks and deadlines) reaches only
    those who may know them (casework.audience), whoever else was named."""
    users = [user for user in users if user is not None]
    if internal_to is not None:
        users = [user for user in users if reads_internal(user, internal_to)]
    if not users:
        return
    Notification.objects.bulk_create(
        [Notification(user=user, message=message[:500], url=url) for user in users]
    )
    link = f"\n\n{settings.SITE_URL.rstrip('/')}{url}" if url else ""
    mails = [
        (subject, message + link, settings.DEFAULT_FROM_EMAIL, [user.email])
        for user in users
        if user.email
    ]
    if mails:

        def send() -> None:
            try:
                send_mass_mail(mails, fail_silently=False)
            except Exception:  # a mail server down must not undo the work itself
                logger.exception("Sending %d notification e-mails failed", len(mails))

        transaction.on_commit(send)
