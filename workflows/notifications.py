"""Telling people about work: an in-app notification and an e-mail. The e-mail is a job
written in the transaction that created the work (`workflows.tasks`, the outbox), so it
leaves only once that transaction has committed (a rolled-back task sends nothing) and
survives a crash after the commit.

Each person reads it in their own language (their saved preference, Dutch by default),
not in the language of whoever caused it: callers pass texts that are translated when
they are read (`translatable`, `gettext_lazy`), and each recipient's copy is made with
that recipient's language active. An e-mail has a plain-text and an HTML part, and its
link is absolute (SITE_URL). The link of a mail and of a digest entry goes through the
notification's own page (`opening_path`), so following it marks the notification read,
as opening it in the app does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.functional import lazy

from accounts.constants import Delivery
from accounts.models import DigestEntry
from accounts.notification_preferences import (
    deliveries_of,
    digest_entry,
    unsubscribe_url,
)
from casework import jobs
from casework.audience import reads_internal
from casework.models import Location
from permissions.models import Organisation
from permissions.selectors import languages_of

from .models import Notification
from .tasks import mail_row, send_notification_mails

# Set while `load_demo` replays the past: its tasks are notified in the app, but nobody
# needs a mail about events from months ago (make run would print dozens).
_mail_held: ContextVar[bool] = ContextVar("doorbraak_mail_held", default=False)


@contextmanager
def mail_held() -> Iterator[None]:
    """Within this block notifications are written but no e-mail is sent."""
    token = _mail_held.set(True)
    try:
        yield
    finally:
        _mail_held.reset(token)


def _interpolate(template, params: dict[str, Any]) -> str:
    return str(template) % {key: str(value) for key, value in params.items()}


_lazy_interpolate = lazy(_interpolate, str)


def translatable(template, /, **params) -> str:
    """`template % params`, worked out when the text is read, in the language active
    then (the template and any lazy parameter are translated at that moment)."""
    return _lazy_interpolate(template, params)


# A date written out in the reader's language ("3 december 2026", "3 December 2026").
date_in_words = lazy(lambda day: date_format(day, "j F Y"), str)


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}" if path else ""


def opening_path(notification: Notification) -> str:
    """The link of a mail (or digest entry) about `notification`: through the in-app
    page that marks it read and then leads to what it is about
    (`inbox.NotificationOpenView`); "" when it links nowhere."""
    if not notification.url:
        return ""
    return reverse("workflow:notification_open", args=[notification.pk])


def people_of(organisation: Organisation, *, signatories_only: bool) -> list:
    group = (
        organisation.signatories_group
        if signatories_only
        else organisation.members_group
    )
    return list(get_user_model()._default_manager.filter(groups=group, is_active=True))


def _mail(
    user, *, subject: str, message: str, link: str, kind: str | None = None
) -> EmailMultiAlternatives:
    """One recipient's e-mail, in the language active now."""
    context = {"user": user, "message": message, "link": link, "subject": subject}
    context["unsubscribe"] = unsubscribe_url(user, kind)
    mail = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("workflows/email/notification.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    mail.attach_alternative(
        render_to_string("workflows/email/notification.html", context), "text/html"
    )
    return mail


@dataclass(frozen=True)
class Message:
    """One notification to some people (`notify_many`)."""

    users: list
    subject: str
    message: str
    url: str = ""
    internal_to: Location | None = None
    kind: str | None = None


def notify(
    users: Iterable,
    *,
    subject: str,
    message: str,
    url: str = "",
    internal_to: Location | None = None,
    kind: str | None = None,
) -> None:
    """Add `message` to each user's notification list and e-mail those with an address,
    after the current transaction commits; each in the user's own language. A message
    about internal facts of a location (`internal_to`: the escalation branch's tasks
    and deadlines) reaches only those who may know them (casework.audience), whoever
    else was named. `kind` (accounts.constants.NotificationKind): how each person
    chose to receive that kind (accounts.notification_preferences)."""
    notify_many(
        [
            Message(
                users=list(users),
                subject=subject,
                message=message,
                url=url,
                internal_to=internal_to,
                kind=kind,
            )
        ]
    )


def notify_many(messages: Iterable[Message]) -> None:
    """`notify` for many messages at once (the deadline sweep's batch): the readers'
    languages and delivery choices read once for all, one INSERT of notifications,
    one of digest entries and one outbox job for the e-mails, however many
    messages."""
    messages = [
        replace(
            item,
            users=[
                user
                for user in item.users
                if user is not None
                and (item.internal_to is None or reads_internal(user, item.internal_to))
            ],
        )
        for item in messages
    ]
    messages = [item for item in messages if item.users]
    if not messages:
        return
    everyone = {user.pk: user for item in messages for user in item.users}
    language_by_user = languages_of(everyone.values())
    held = _mail_held.get()
    deliveries: dict[str | None, dict[int, str]] = {}
    if not held:
        for kind in {item.kind for item in messages}:
            if kind is not None:
                deliveries[kind] = deliveries_of(
                    [user for user in everyone.values() if user.email], kind
                )
    notifications: list[Notification] = []
    # Who hears of it beyond the app, worked out once the notifications have their ids:
    # (notification, message, language, texts, delivery).
    outgoing: list[tuple[Notification, Message, str, dict[str, str], str]] = []
    for item in messages:
        readers: dict[str, list] = defaultdict(list)
        for user in item.users:
            readers[language_by_user[user.pk]].append(user)
        for language, group in readers.items():
            with translation.override(language):
                subject_text, message_text = str(item.subject), str(item.message)
            texts = {"subject": subject_text, "message": message_text}
            for user in group:
                notification = Notification(
                    user=user, message=message_text[:500], url=item.url
                )
                notifications.append(notification)
                if held or not user.email:
                    continue
                # Each person's choice for this kind (accounts); no kind: at once.
                delivery = (
                    Delivery.IMMEDIATE
                    if item.kind is None
                    else deliveries[item.kind][user.pk]
                )
                if delivery in (Delivery.IMMEDIATE, Delivery.DIGEST):
                    outgoing.append((notification, item, language, texts, delivery))
    Notification.objects.bulk_create(notifications)
    digest, mails = [], []
    for notification, item, language, texts, delivery in outgoing:
        path = opening_path(notification)
        if delivery == Delivery.DIGEST:
            digest.append(
                digest_entry(notification.user, kind=item.kind, url=path, **texts)
            )
            continue
        with translation.override(language):
            mails.append(
                _mail(
                    notification.user,
                    link=absolute_url(path),
                    kind=item.kind,
                    **texts,
                )
            )
    if digest:
        DigestEntry.objects.bulk_create(digest)
    if mails:
        jobs.enqueue_with_transaction(
            send_notification_mails, [mail_row(mail) for mail in mails]
        )
