"""A count of requests per key over a window, in the database (every web process sees
the same count). Keys are stored as SHA-256, never the address itself."""

from __future__ import annotations

import datetime
import hashlib

from django.utils import timezone

from .models import ThrottledRequest


def _hash(scope: str, key: str) -> str:
    return hashlib.sha256(f"{scope}\0{key.strip().lower()}".encode()).hexdigest()


def too_many(scope: str, keys_and_limits: dict[str, int], window_seconds: int) -> bool:
    """Whether any key already made its limit of requests in the window. Old rows of
    the scope are pruned on the way."""
    now = timezone.now()
    since = now - datetime.timedelta(seconds=window_seconds)
    ThrottledRequest.objects.filter(scope=scope, at__lt=since).delete()
    for key, limit in keys_and_limits.items():
        if (
            ThrottledRequest.objects.filter(
                scope=scope, key_hash=_hash(scope, key), at__gte=since
            ).count()
            >= limit
        ):
            return True
    return False


def count(scope: str, *keys: str) -> None:
    ThrottledRequest.objects.bulk_create(
        [ThrottledRequest(scope=scope, key_hash=_hash(scope, key)) for key in keys]
    )
