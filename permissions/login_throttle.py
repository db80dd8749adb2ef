"""Failed logins: a lock-out per username and address, a slow-down per username.

django-axes counts failures per username *and* client address (the address as
`config.client_address` finds it behind trusted proxies). After AXES_FAILURE_LIMIT
failures that pair is refused for the cool-off (AXES_COOLOFF_HOURS): someone guessing
from one address stops there, and nobody else is affected.

Guessing one username from many addresses is slowed down, never turned into a
lock-out of its owner: once the username has had LOGIN_SLOWDOWN_AFTER recent failures
in all (within the cool-off), the next attempt from an address the user has not logged in from
before waits for a delay that doubles with every further failure (up to
LOGIN_SLOWDOWN_MAX_SECONDS after the last one). The password is not even checked
meanwhile, and a refused attempt counts for nothing. An address the user logged in
from successfully in the last LOGIN_KNOWN_ADDRESS_DAYS days is not slowed down: the
real user at their usual address gets in while the guessing goes on.
"""

from __future__ import annotations

import datetime
import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone


def slowdown_seconds(request, credentials=None) -> int:
    """Seconds this attempt must still wait because of failures for its username
    from other addresses (0: it may go ahead)."""
    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None)
    if not username:
        return 0
    now = timezone.now()
    known_since = now - datetime.timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS)
    recent = now - (get_cool_off(request) or datetime.timedelta(hours=1))
    failures = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=recent
    ).aggregate(count=Sum("failures_since_start"), last=Max("attempt_time"))
    excess = (failures["count"] or 0) - settings.LOGIN_SLOWDOWN_AFTER
    if excess < 0:
        return 0
    if AccessLog.objects.filter(
        username=username, ip_address=address, attempt_time__gte=known_since
    ).exists():
        return 0
    delay = min(2 ** min(excess, 30), settings.LOGIN_SLOWDOWN_MAX_SECONDS)
    wait = (failures["last"] + datetime.timedelta(seconds=delay) - now).total_seconds()
    return max(0, math.ceil(wait))


class LoginThrottleHandler(AxesDatabaseHandler):
    """axes' database handler plus the per-username slow-down (`AXES_HANDLER`)."""

    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            return True
        wait = slowdown_seconds(request, credentials)
        if wait:
            request.login_retry_after = wait
            return True
        return False


def lockout_response(request, original_response=None, credentials=None):
    """The page of a refused login (`AXES_LOCKOUT_CALLABLE`): 429 with Retry-After,
    saying how long: the cool-off of a lock-out, or the seconds of a slow-down."""
    wait = getattr(request, "login_retry_after", None)
    if wait is None:
        cool_off = get_cool_off(request)
        wait = math.ceil(cool_off.total_seconds()) if cool_off else None
        slowdown = False
    else:
        slowdown = True
    response = render(
        request,
        "registration/locked_out.html",
        {"retry_after": wait, "slowdown": slowdown},
        status=settings.AXES_HTTP_RESPONSE_CODE,  # type: ignore[misc]  # axes' own
    )
    if wait:
        response["Retry-After"] = str(wait)
    return response
