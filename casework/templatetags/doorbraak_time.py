"""The machine-readable moment of a `<time datetime="...">`, one filter for every page.

HTML's `datetime` attribute takes a date (`2026-03-02`) or a global date and time with
at most three digits of a second's fraction; Django's `date:'c'` writes the stored
microseconds (`10:00:00.185548+01:00`), which the Nu Html Checker rejects. A moment
is written to the second in the site's time zone, a date as a date.
"""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def html_datetime(value) -> str:
    """`2026-03-02T10:00:00+01:00` for a moment, `2026-03-02` for a date, "" for
    nothing."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return ""
