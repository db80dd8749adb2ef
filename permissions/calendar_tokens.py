"""The private tokens of the deadlines feeds (see `CalendarToken`).

A token is HMAC-SHA256(secret key, random nonce) in hex: 256 bits nobody can guess.
Looking one up hashes what was presented and finds the row by that hash, so the
lookup needs neither the token in the database nor the secret key. Showing a person
their own address derives the token again from the nonce; after a change of the
secret key the derived token no longer matches its stored hash, and the person is
asked to make a new address.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from django.db import transaction
from django.utils.crypto import salted_hmac

from .models import CalendarToken

_SALT = "doorbraak.permissions.CalendarToken"
TOKEN_PATTERN = re.compile(r"^[0-9a-f]{64}$")


def _token(nonce: str) -> str:
    return salted_hmac(_SALT, nonce, algorithm="sha256").hexdigest()


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_token_regenerate(*, user) -> str:
    """Give `user` a new feed token (the first, or one replacing the old, whose
    address stops working at once). Returns the token."""
    nonce = secrets.token_hex(32)
    token = _token(nonce)
    CalendarToken.objects.update_or_create(
        user=user, defaults={"nonce": nonce, "token_sha256": _sha256(token)}
    )
    return token


def calendar_token_of(user) -> str | None:
    """The user's current token, or None when there is none (or it was made with a
    secret key that has since changed)."""
    row = CalendarToken.objects.filter(user=user).first()
    if row is None:
        return None
    token = _token(row.nonce)
    return token if _sha256(token) == row.token_sha256 else None


def calendar_token_user(token: str):
    """The active user whose feed `token` opens, or None (one query)."""
    if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
        return None
    row = (
        CalendarToken.objects.select_related("user")
        .filter(token_sha256=_sha256(token), user__is_active=True)
        .first()
    )
    return row.user if row is not None else None
