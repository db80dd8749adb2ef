"""The limits of `casework.limits`, applied: one wording for every refusal.

Services call the `require_*` functions (so the API, the forms, the flows and the demo
all get the same answer: `InvalidInput`, a 400 that names the field and the limit).
Forms and serializers add `validate_date_in_window` and the text lengths to their
fields, so that a person learns what is wrong before anything is written. Code that
reads a stored date does its arithmetic on `clamped_to_window(day)`: a row stored out
of the window before the window existed never overflows the calendar.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from permissions.errors import InvalidInput

from .limits import DATE_MAX, DATE_MIN

# For the API schema's field descriptions (the schema is not translated).
DATE_WINDOW_HELP = (
    f"Een datum van {DATE_MIN.isoformat()} tot en met {DATE_MAX.isoformat()}."
)


# An HTML date input held to the window by the browser too (the server checks anyway).
DATE_INPUT_ATTRS = {
    "type": "date",
    "min": DATE_MIN.isoformat(),
    "max": DATE_MAX.isoformat(),
}


def date_window_text() -> str:
    """The window in words: "1 januari 2000 en 31 december 2100"."""
    return _("%(first)s en %(last)s") % {
        "first": date_format(DATE_MIN, "j F Y"),
        "last": date_format(DATE_MAX, "j F Y"),
    }


def in_date_window(value: datetime.date) -> bool:
    if isinstance(value, datetime.datetime):
        value = value.date()
    return DATE_MIN <= value <= DATE_MAX


def validate_date_in_window(value: datetime.date) -> None:
    """A field validator (forms, serializers): the date lies in the window."""
    if value is not None and not in_date_window(value):
        raise ValidationError(
            _("Een datum ligt tussen %(window)s.") % {"window": date_window_text()},
            code="date_window",
        )


def require_date_in_window(value: Any, *, field: str) -> datetime.date:
    """`value` if it is a date in the window; else InvalidInput naming `field` (its
    label, in the interface language) and the window."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        raise InvalidInput(_("%(field)s: geef een datum.") % {"field": field})
    if not in_date_window(value):
        raise InvalidInput(
            _("%(field)s: een datum ligt tussen %(window)s.")
            % {"field": field, "window": date_window_text()}
        )
    return value


def clamped_to_window(value: datetime.date) -> datetime.date:
    """`value`, or the nearest edge of the window: for arithmetic on a stored date
    (adding working days, the morning after a deadline, a calendar day's end)."""
    return min(max(value, DATE_MIN), DATE_MAX)


def require_text_within(value: Any, *, field: str, limit: int) -> str:
    """`value` (text) if it has at most `limit` characters; else InvalidInput naming
    `field` and the limit. Anything but text is left to the caller's own check."""
    if isinstance(value, str) and len(value) > limit:
        raise InvalidInput(
            _("%(field)s: hooguit %(limit)s tekens (dit zijn er %(length)s).")
            % {"field": field, "limit": limit, "length": len(value)}
        )
    return value


def require_count_within(count: int, *, limit: int, message: str) -> None:
    """InvalidInput with `message` (which names the limit as `%(limit)s`) when
    `count` is over `limit`."""
    if count > limit:
        raise InvalidInput(message % {"limit": limit, "count": count})


# The error codes of the limits, in forms: a text too long, a date out of the window.
LIMIT_ERROR_CODES = frozenset({"max_length", "date_window"})


def limit_error_message(form) -> str | None:
    """`form_error_message` for the first field that broke a limit, or None: views
    that answer with one general message ("give a reason") name the limit instead
    when that is what went wrong."""
    for name, errors in form.errors.as_data().items():
        for error in errors:
            if error.code in LIMIT_ERROR_CODES:
                field = form.fields.get(name)
                label = getattr(field, "label", None) or name
                return _("%(field)s: %(error)s") % {
                    "field": label,
                    "error": " ".join(error.messages),
                }
    return None


def require_text(value: Any, message: str) -> str:
    """`value` stripped, if it is a text with something in it; else InvalidInput with
    `message` (what to give)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(message)
    return value.strip()
