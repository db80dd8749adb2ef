"""Reads on people's own settings."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from .models import UserPreference


def languages_of(users: Iterable) -> dict[int, str]:
    """The language each user reads (their saved preference, else the default
    language), by user id; one query."""
    ids = [user.pk for user in users]
    chosen = dict(
        UserPreference.objects.filter(user_id__in=ids).values_list(
            "user_id", "language"
        )
    )
    known = dict(settings.LANGUAGES)
    return {
        pk: chosen[pk] if chosen.get(pk) in known else settings.LANGUAGE_CODE
        for pk in ids
    }


def language_of(user) -> str | None:
    """The language `user` saved, or None when they never chose one."""
    return (
        UserPreference.objects.filter(user=user)
        .values_list("language", flat=True)
        .first()
    )
