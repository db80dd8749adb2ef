"""How each kind of notification reaches a person: e-mail at once (the default), a
daily digest, or only the in-app list (which always has it). A deadline that passed is
always e-mailed at once.

The sending code (`workflows.notifications.notify_many`) reads each recipient's choice
for a kind with `deliveries_of` (one query for all of them) and, with texts already in
the recipient's language, mails at once or keeps a `digest_entry`. `manage.py send_digests` (daily, from cron) sends the digests. Every
mail carries an unsubscribe link per kind that needs no login: a signed value (the
server's secret key), so it cannot be guessed or changed into another person's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from permissions.selectors import languages_of

from .constants import ALWAYS_MAILED, Delivery, NotificationKind
from .models import DigestEntry, NotificationPreference

UNSUBSCRIBE_SALT = "accounts.unsubscribe"


def deliveries_of(users: Iterable, kind: str) -> dict[int, str]:
    """How `kind` reaches each user, by id (one query; no choice: at once)."""
    ids = [user.pk for user in users]
    if kind in ALWAYS_MAILED or not ids:
        return dict.fromkeys(ids, Delivery.IMMEDIATE)
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=ids, kind=kind).values_list(
            "user_id", "delivery"
        )
    )
    return {pk: chosen.get(pk, Delivery.IMMEDIATE) for pk in ids}


def digest_entry(
    user, *, kind: str, subject: str, message: str, url: str = ""
) -> DigestEntry:
    """An unsaved entry of `user`'s daily digest (the texts in their language)."""
    return DigestEntry(
        user=user,
        kind=kind,
        subject=str(subject)[:300],
        message=str(message)[:500],
        url=url[:300],
    )


@transaction.atomic
def preference_set(*, user, kind: str, delivery: str) -> None:
    """Save how `kind` reaches `user`. The overdue notice cannot be changed."""
    if kind not in NotificationKind.values or delivery not in Delivery.values:
        raise ValueError(f"Unknown kind or delivery: {kind!r} {delivery!r}")
    if kind in ALWAYS_MAILED:
        return
    NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"delivery": delivery}
    )


def preferences_of(user) -> dict[str, str]:
    chosen = dict(
        NotificationPreference.objects.filter(user=user).values_list("kind", "delivery")
    )
    return {
        kind: Delivery.IMMEDIATE
        if kind in ALWAYS_MAILED
        else chosen.get(kind, Delivery.IMMEDIATE)
        for kind in NotificationKind.values
    }


# --- Unsubscribing without a login -------------------------------------------------------


def unsubscribe_token(user, kind: str) -> str:
    return signing.dumps(
        {"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True
    )


def unsubscribe_url(user, kind: str | None) -> str:
    """The link in a mail that turns `kind` into in-app only ("" for the overdue
    notice, which cannot be turned off, and for a notification of no kind)."""
    if kind is None or kind in ALWAYS_MAILED:
        return ""
    path = reverse("accounts:unsubscribe", args=[unsubscribe_token(user, kind)])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def unsubscribe_read(token: str):
    """(user, kind) of a link, or None when it was changed or names nobody."""
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        kind = value["k"]
        user_id = int(value["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if kind not in NotificationKind.values or kind in ALWAYS_MAILED:
        return None
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    return (user, kind) if user is not None else None


# --- The daily digest --------------------------------------------------------------------


def _digest_mail(user, entries: list[DigestEntry]) -> EmailMultiAlternatives:
    by_kind: dict[str, list[DigestEntry]] = defaultdict(list)
    for entry in entries:
        by_kind[entry.kind].append(entry)
    site = settings.SITE_URL.rstrip("/")
    sections = [
        {
            "label": NotificationKind(kind).label,
            "entries": [
                {
                    "message": entry.message,
                    "link": f"{site}{entry.url}" if entry.url else "",
                }
                for entry in kind_entries
            ],
            "unsubscribe": unsubscribe_url(user, kind),
        }
        for kind, kind_entries in by_kind.items()
    ]
    context = {
        "user": user,
        "sections": sections,
        "count": len(entries),
        "preferences_link": f"{site}{reverse('accounts:notification-preferences')}",
    }
    subject = render_to_string("accounts/email/digest_subject.txt", context).strip()
    mail = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("accounts/email/digest.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    mail.attach_alternative(
        render_to_string("accounts/email/digest.html", context), "text/html"
    )
    return mail


def digests_send() -> int:
    """Send every person their waiting digest entries in one mail, in their language,
    and mark the entries sent; how many mails. Each person's entries are taken under a
    row lock and marked in the same transaction as the mail's job is written (the
    outbox), so two runs at once never send an entry twice."""
    from casework import jobs
    from workflows.tasks import mail_row, send_notification_mails

    User = get_user_model()
    user_ids = list(
        DigestEntry.objects.filter(sent_at__isnull=True)
        .order_by()
        .values_list("user_id", flat=True)
        .distinct()
    )
    users = list(User._default_manager.filter(pk__in=user_ids, is_active=True))
    languages = languages_of(users)
    sent = 0
    for user in users:
        with transaction.atomic():
            entries = list(
                DigestEntry.objects.select_for_update()
                .filter(user=user, sent_at__isnull=True)
                .order_by("created_at", "id")
            )
            if not entries:
                continue
            DigestEntry.objects.filter(pk__in=[entry.pk for entry in entries]).update(
                sent_at=timezone.now()
            )
            if not user.email:
                continue
            with translation.override(languages[user.pk]):
                mail = _digest_mail(user, entries)
            jobs.enqueue_with_transaction(send_notification_mails, [mail_row(mail)])
            sent += 1
    return sent
